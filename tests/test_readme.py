"""Every Python example in README.md and docs/ runs, and every relative link lands.

So the docs cannot drift from the code: each ```python block is a test module of its own
(run with pytester), and each link to a file or a heading of this repository is checked.
"""

from __future__ import annotations

import re
from pathlib import Path

import botocore.session
import pytest

# cryptography's Rust half keeps the classes it first meets: an example run in process
# (pytester forgets the modules it imported, SNS's signing imports cryptography) must
# not be the first to import them, or later certificates here fail ("registered hash").
try:
    import cryptography.hazmat.primitives.asymmetric.padding
    import cryptography.hazmat.primitives.asymmetric.rsa
    import cryptography.hazmat.primitives.hashes
    import cryptography.hazmat.primitives.serialization
    import cryptography.x509  # noqa: F401
except ImportError:  # pragma: no cover - the examples that sign need it anyway
    pass

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
PAGES = [README, *sorted((ROOT / "docs").rglob("*.md"))]
TEXTS = {page: page.read_text(encoding="utf-8") for page in PAGES}
BLOCKS = [
    (page.relative_to(ROOT).as_posix(), number, source)
    for page, text in TEXTS.items()
    for number, source in enumerate(re.findall(r"```python\n(.*?)```", text, re.S))
]
#: First line of an example whose failure report the docs show.
FAILS_ON_PURPOSE = "# This test fails on purpose"
INI = [block for text in TEXTS.values() for block in re.findall(r"```ini\n(.*?)```", text, re.S)]


def test_docs_have_examples():
    assert len(re.findall(r"```python\n", TEXTS[README])) >= 2
    assert len(BLOCKS) >= 20 and len(INI) == 1


#: An example of an operation older botocore models lack says so on a line of its own:
#: ``# needs botocore's sesv2 CreateTenant`` (skipped where the installed model has none).
NEEDS = re.compile(r"^# needs botocore's (ses|sesv2) (\w+)$", re.M)
#: Examples with aiobotocore or aioboto3 need the aio extra (its own venv in CI: ``-k aio``).
AIO = re.compile(r"\baio(botocore|boto3)\b")
IDS = [f"{page}:{n}" + ("-aio" if AIO.search(source) else "") for page, n, source in BLOCKS]


@pytest.mark.parametrize(("page", "number", "source"), BLOCKS, ids=IDS)
def test_example_runs(pytester: pytest.Pytester, monkeypatch, page: str, number: int, source: str):
    monkeypatch.delenv("AWS_ACCESS_KEY_ID", raising=False)
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY", raising=False)
    args = ["-p", "no:hypothesispytest"]
    for service, operation in NEEDS.findall(source):
        model = botocore.session.get_session().get_service_model(service)
        if operation not in model.operation_names:
            pytest.skip(f"this botocore's {service} model has no {operation}")
    if AIO.search(source):
        pytest.importorskip("aiobotocore", reason='the aio extra: pip install -e ".[aio]"')
        args += ["-o", "asyncio_default_fixture_loop_scope=function"]
    # Test functions, and methods of test classes (parametrized ones run more than once).
    tests = len(re.findall(r"^(?:    )?def test_", source, re.M))
    if not tests:  # a script: run it as the body of a test
        source = "def test_script():\n" + "".join(f"    {line}\n" for line in source.splitlines())
        tests = 1
    pytester.makepyfile(source)
    result = pytester.runpytest_inprocess(*args)
    outcomes = result.parseoutcomes()
    if source.startswith(FAILS_ON_PURPOSE):  # shows a failure report
        result.assert_outcomes(failed=tests)
    else:
        assert outcomes.get("passed", 0) >= tests, outcomes
        result.assert_outcomes(passed=outcomes["passed"])  # and nothing else


def test_ini_example_is_accepted(pytester: pytest.Pytester):
    pytester.makeini(INI[0])
    pytester.makepyfile(
        """
        def test_it(ses_account):
            assert ses_account.region == "eu-west-1"
            assert ses_account.quota() == (50000.0, 20.0, 0.0)
            assert ses_account.clock.now().isoformat() == "2026-06-01T00:00:00+00:00"
        """
    )
    result = pytester.runpytest_inprocess("-p", "no:hypothesispytest")
    result.assert_outcomes(passed=1)


def test_readme_opens_with_the_two_commands_ci_runs():
    first_block = re.search(r"```bash\n(.*?)```", TEXTS[README], re.S)
    assert first_block is not None
    commands = [line.split("#")[0].strip() for line in first_block.group(1).splitlines()]
    assert commands == ["uv run --extra test pytest examples", "uv run --extra test pytest"]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    for command in commands:
        assert re.search(rf"^\s*{re.escape(command)}$", ci, re.M), command


def test_the_install_story_is_the_same_in_the_readme_and_the_docs():
    def install(text: str, heading: str) -> str:
        start = text.index(heading)
        return text[text.index("```bash", start) : text.index("## A first test", start)]

    readme = install(TEXTS[README], "## Install it in your project")
    assert readme == install(TEXTS[ROOT / "docs" / "index.md"], "## Install")
    assert "<owner>" not in readme and "python -m build" not in readme  # one way to build


def test_the_wrong_argument_error_is_quoted_as_it_is(pytester: pytest.Pytester):
    """The docs quote the start of the error a wrong marker argument gets."""
    quoted = re.findall(
        r"`(ses_quota got an unexpected argument [^`]*?), \.\.\.`", "".join(TEXTS.values())
    )
    assert quoted
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.ses_quota(max_rate=3)
        def test_it(ses_account):
            pass
        """
    )
    result = pytester.runpytest_inprocess("-p", "no:hypothesispytest")
    result.assert_outcomes(errors=1)
    error = next(line for line in result.outlines if line.startswith("ses_quota got an"))
    for text in quoted:
        assert error.startswith(text), (text, error)


def slug(heading: str) -> str:
    """GitHub's (and mkdocs') anchor for a heading."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def anchors(page: Path) -> set[str]:
    text = re.sub(r"```.*?```", "", page.read_text(encoding="utf-8"), flags=re.S)
    return {slug(h) for h in re.findall(r"^#{1,6} (.+)$", text, re.M)}


LINKS = [
    (page, target)
    for page, text in TEXTS.items()
    for target in re.findall(
        r"\]\(([^)\s]+)\)", re.sub(r"`[^`\n]*`", "", re.sub(r"```.*?```", "", text, flags=re.S))
    )
    if not re.match(r"[a-z]+:", target)
]


@pytest.mark.parametrize(
    ("page", "target"), LINKS, ids=[f"{p.relative_to(ROOT)}->{t}" for p, t in LINKS]
)
def test_relative_link_lands(page: Path, target: str):
    path, _, anchor = target.partition("#")
    file = (page.parent / path).resolve() if path else page
    assert file.exists(), f"{page.relative_to(ROOT)} links to {target}: no such file"
    if anchor:
        assert anchor in anchors(file), f"{page.relative_to(ROOT)} links to {target}: no heading"


@pytest.mark.ses_quota
def test_smtplib_without_a_context_verifies_nothing(ses_smtp):
    """docs/smtp.md: ``starttls()`` without ``context=`` accepts any certificate (the fake's
    CA is in no trust store); a verifying context refuses it unless told about the CA."""
    import smtplib
    import ssl

    with smtplib.SMTP(ses_smtp.host, ses_smtp.port) as client:
        client.starttls()
        client.login(ses_smtp.username, ses_smtp.password)
    with smtplib.SMTP(ses_smtp.host, ses_smtp.port) as client:
        with pytest.raises(ssl.SSLCertVerificationError):
            client.starttls(context=ssl.create_default_context())
    with smtplib.SMTP(ses_smtp.host, ses_smtp.port) as client:
        client.starttls(context=ses_smtp.ssl_context())
        client.login(ses_smtp.username, ses_smtp.password)
