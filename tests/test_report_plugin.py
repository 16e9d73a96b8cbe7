"""Reports through pytester: the failure section, the summary, JUnit XML, the pictures."""

from __future__ import annotations

import re
import struct
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

ID = "0100*-000001"

SANDBOX_TEST = """
import time
import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

MESSAGE = {"Subject": {"Data": "Hi"}, "Body": {"Text": {"Data": "Hello"}}}


def client():
    config = Config(retries={"mode": "standard", "total_max_attempts": 1})
    return boto3.client("ses", region_name="us-east-1", config=config)


def send(ses, to):
    try:
        ses.send_email(Source="app@example.com", Destination={"ToAddresses": [to]},
                       Message=MESSAGE)
        return True
    except ClientError:
        return False
"""


@pytest.fixture
def run(pytester: pytest.Pytester, monkeypatch):
    monkeypatch.delenv("AWS_ACCESS_KEY_ID", raising=False)
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY", raising=False)

    def run(source: str, *args: str, ini: str | None = None) -> pytest.RunResult:
        pytester.makepyfile(SANDBOX_TEST + source)
        if ini is not None:
            pytester.makeini(ini)
        return pytester.runpytest_inprocess("-p", "no:hypothesispytest", *args)

    return run


def section(result: pytest.RunResult, header: str) -> list[str]:
    """The lines of the "SES conversation" section after ``header``."""
    lines = result.stdout.lines
    start = next(i for i, line in enumerate(lines) if header in line)
    start = next(i for i in range(start, len(lines)) if "SES conversation" in lines[i])
    end = next(
        (i for i in range(start + 1, len(lines)) if lines[i].startswith(("___", "===", "---"))),
        len(lines),
    )
    return lines[start + 1 : end]


def test_a_failing_test_shows_its_ses_conversation(run):
    result = run(
        """
def test_welcome(ses_account):
    ses = client()
    assert send(ses, "a@example.com")
    assert not send(ses, "b@example.com")
    time.sleep(0.4)
    assert send(ses, "b@example.com") , "b was throttled"

def test_passes(ses_account):
    assert send(client(), "a@example.com")
"""
    )
    result.assert_outcomes(failed=1, passed=1)
    result.stdout.fnmatch_lines(
        [
            "*_ test_welcome _*",
            "E   *AssertionError: b was throttled",
            "*- SES conversation -*",
            f"+0.000s us-east-1 SendEmail app@example.com → a@example.com (1 rcpt) accepted {ID}",
            "+0.000s us-east-1 SendEmail app@example.com → b@example.com (1 rcpt) throttled "
            "(rate: 0.00 of 1 available, max 1/s)",
            "+0.000s time.sleep(0.4)",
            "+0.400s us-east-1 SendEmail app@example.com → b@example.com (1 rcpt) throttled "
            "(rate: 0.40 of 1 available, max 1/s) [retry 1]",
            "quota at +0.400s (GetSendQuota):",
            "  us-east-1  Max24HourSend 200, MaxSendRate 1, SentLast24Hours 1",
            "*short test summary info*",
        ],
        consecutive=False,
    )
    assert len(section(result, "_ test_welcome _")) == 6
    assert result.stdout.str().count("SES conversation") == 1  # not for the passing test


def test_failures_at_setup_and_teardown_show_it_too(run):
    result = run(
        """
@pytest.fixture
def broken_setup(ses_account):
    send(client(), "setup@example.com")
    raise RuntimeError("setup boom")

@pytest.fixture
def broken_teardown(ses_account):
    yield
    send(client(), "teardown@example.com")
    raise RuntimeError("teardown boom")

def test_setup(broken_setup):
    pass

def test_teardown(broken_teardown):
    send(client(), "call@example.com")

def test_plain_failure_without_the_fake():
    assert False
"""
    )
    result.assert_outcomes(errors=2, passed=1, failed=1)
    assert section(result, "ERROR at setup of test_setup")[1:] == [
        "quota at +0.000s (GetSendQuota):",
        "  us-east-1  Max24HourSend 200, MaxSendRate 1, SentLast24Hours 1",
    ]
    result.stdout.fnmatch_lines(
        [
            "*ERROR at setup of test_setup*",
            "*RuntimeError: setup boom",
            "*- SES conversation -*",
            f"+0.000s us-east-1 SendEmail app@example.com → setup@example.com (1 rcpt) "
            f"accepted {ID}",
            "*ERROR at teardown of test_teardown*",
            "*RuntimeError: teardown boom",
            "*- SES conversation -*",
            "+0.000s us-east-1 SendEmail app@example.com → call@example.com (1 rcpt) accepted *",
            "+0.000s us-east-1 SendEmail app@example.com → teardown@example.com (1 rcpt) "
            "throttled (rate: 0.00 of 1 available, max 1/s)",
            "quota at +0.000s (GetSendQuota):",
        ]
    )
    assert result.stdout.str().count("SES conversation") == 2


def test_long_conversations_go_whole_to_the_cache_directory(run, pytester):
    result = run(
        """
def test_many(ses_account):
    ses = client()
    for n in range(30):
        send(ses, f"u{n}@example.com")
        time.sleep(0.5)
    assert False
"""
    )
    result.assert_outcomes(failed=1)
    lines = section(result, "_ test_many _")
    stem = "test_long_conversations_go_whole_to_the_cache_directory.py__test_many"
    path = pytester.path / ".pytest_cache" / "d" / "sesquota" / f"{stem}.txt"
    assert lines[15] == (
        "… 30 more requests and sleeps from +3.500s to +11.000s: 8 accepted, 7 throttled "
        "(rate), 15 time.sleep …"
    )
    assert lines[-1] == f"full conversation (60 entries): {path}"
    whole = path.read_text(encoding="utf-8").splitlines()
    assert len(whole) == 3 + 60 + 2
    assert whole[0] == (
        "SES conversation of test_long_conversations_go_whole_to_the_cache_directory.py::test_many"
    )


def test_without_the_cache_a_long_conversation_is_shown_whole(run):
    result = run(
        """
def test_many(ses_account):
    for n in range(30):
        send(client(), f"u{n}@example.com")
        time.sleep(0.5)
    assert False
""",
        "-p",
        "no:cacheprovider",
    )
    assert len(section(result, "_ test_many _")) == 60 + 2


def test_conversation_dir_option_writes_every_failing_conversation(run, pytester):
    result = run(
        """
@pytest.mark.parametrize("n", [1, 2])
def test_short(ses_account, n):
    send(client(), "a@example.com")
    assert False
""",
        "--ses-quota-conversation-dir=out/conversations",
    )
    result.assert_outcomes(failed=2)
    directory = pytester.path / "out" / "conversations"
    stem = "test_conversation_dir_option_writes_every_failing_conversation.py__test_short"
    assert sorted(p.name for p in directory.iterdir()) == [f"{stem}_1.txt", f"{stem}_2.txt"]
    result.stdout.fnmatch_lines([f"full conversation (1 entries): {directory / stem}_1.txt"])


def test_summary_lists_each_test_using_the_fake_and_the_totals(run):
    source = """
def test_burst(ses_account):
    ses = client()
    for n in range(3):
        while not send(ses, f"u{n}@example.com"):
            time.sleep(0.5)

@pytest.mark.ses_quota(sent_last_24_hours=200)
def test_daily(ses_account):
    assert not send(client(), "a@example.com")
    ses_account.clock.advance(days=1)
    assert send(client(), "a@example.com")

def test_plain():
    pass
"""
    expected = [
        "*= SES quota summary =*",
        "accepted  throttled:rate  throttled:daily  rejected  retries     virtual time  test",
        "       3               4                0         0        4           2.000s  "
        "test_summary*.py::test_burst",
        "       1               0                1         0        1  1d00h00m00.000s  "
        "test_summary*.py::test_daily",
        "       4               4                1         0        5  1d00h00m02.000s  "
        "total (2 tests)",
    ]
    result = run(source, "--ses-quota-summary")
    result.assert_outcomes(passed=3)
    result.stdout.fnmatch_lines(expected, consecutive=True)
    result = run(source)
    assert "SES quota summary" not in result.stdout.str()
    result = run(source, ini="[pytest]\nses_quota_summary = true\n")
    result.stdout.fnmatch_lines(expected, consecutive=True)


def test_summary_without_any_test_using_the_fake(run):
    result = run("def test_plain():\n    pass\n", "--ses-quota-summary")
    result.stdout.fnmatch_lines(["*= SES quota summary =*", "no test used the fake SES account"])


JUNIT_SOURCE = """
def test_throttled(ses_account):
    ses = client()
    assert send(ses, "a@example.com")
    assert not send(ses, "b@example.com")
    time.sleep(1)
    assert send(ses, "b@example.com")

@pytest.mark.parametrize("n", [1, 2, 3])
def test_sends(ses_account, n):
    for _ in range(n):
        assert send(client(), "a@example.com")
        ses_account.clock.advance(seconds=1)

def test_plain():
    pass
"""


def junit_properties(path: Path) -> dict[str, dict[str, str]]:
    root = ET.parse(path).getroot()
    return {
        case.get("name", ""): {p.get("name", ""): p.get("value", "") for p in case.iter("property")}
        for case in root.iter("testcase")
    }


def test_junit_xml_has_the_figures_as_test_properties(run, pytester):
    result = run(JUNIT_SOURCE, "--junitxml=junit.xml")
    result.assert_outcomes(passed=5)
    properties = junit_properties(pytester.path / "junit.xml")
    assert properties["test_throttled"] == {
        "ses_requests": "3",
        "ses_accepted": "2",
        "ses_accepted_recipients": "2",
        "ses_throttled_rate": "1",
        "ses_throttled_daily": "0",
        "ses_rejected": "0",
        "ses_retries": "1",
        "ses_sleeps": "1",
        "ses_virtual_seconds": "1.0",
        "ses_dropped": "0",
        "ses_faults": "0",
        "ses_bounce_rate": "0.0",
        "ses_complaint_rate": "0.0",
    }
    assert properties["test_sends[3]"]["ses_accepted"] == "3"
    assert properties["test_sends[3]"]["ses_virtual_seconds"] == "3.0"
    assert properties["test_plain"] == {}


def test_under_xdist_the_summary_and_junit_come_from_the_workers(run, pytester):
    pytest.importorskip("xdist")
    result = run(JUNIT_SOURCE, "-p", "xdist", "-n", "2", "--ses-quota-summary", "--junitxml=j.xml")
    result.assert_outcomes(passed=5)
    totals = "       8               1                0         0        1        7.000s  "
    result.stdout.fnmatch_lines(["*= SES quota summary =*", totals + "total (4 tests)"])
    assert junit_properties(pytester.path / "j.xml")["test_sends[2]"]["ses_accepted"] == "2"


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_plot_option_writes_a_picture_per_test_using_the_fake(run, pytester):
    source = """
def test_throttled(ses_account):
    ses = client()
    assert send(ses, "a@example.com")
    assert not send(ses, "b@example.com")

@pytest.mark.parametrize("n", [1])
def test_sends(ses_account, n):
    assert send(client(), "a@example.com")

def test_plain():
    pass
"""
    result = run(source, "--ses-quota-plot=pictures", "--junitxml=junit.xml")
    result.assert_outcomes(passed=3)
    directory = pytester.path / "pictures"
    stem = "test_plot_option_writes_a_picture_per_test_using_the_fake.py__"
    names = sorted(p.name for p in directory.iterdir())
    assert names == [f"{stem}test_sends_1.png", f"{stem}test_throttled.png"]
    for name in names:
        assert png_size((directory / name).read_bytes()) == (1300, 620)
    properties = junit_properties(pytester.path / "junit.xml")
    assert properties["test_throttled"]["ses_plot"] == str(directory / names[-1])
    assert "ses_plot" not in properties["test_plain"]


def test_plot_option_without_matplotlib_says_how_to_install_it(run, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # as if not installed
    result = run("def test_it(): pass\n", "--ses-quota-plot=pictures")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        [
            "ERROR: --ses-quota-plot draws pictures with matplotlib, which cannot be imported "
            '(*). Install it with: pip install "pytest-sesquota[[]plot]"'
        ]
    )


def test_plot_directory_that_is_a_file_is_a_usage_error(run, pytester):
    (pytester.path / "taken").write_text("")
    result = run("def test_it(): pass\n", "--ses-quota-plot=taken")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        [f"ERROR: --ses-quota-plot=taken: {pytester.path / 'taken'} exists and is not a directory"]
    )


def test_options_are_documented(run):
    result = run("", "--help")
    result.stdout.fnmatch_lines(
        [
            "pytest-sesquota (fake Amazon SES account):",
            "  --ses-quota-summary*",
            "  --ses-quota-plot=DIR*",
            "  --ses-quota-conversation-dir=DIR*",
            "  --ses-quota-baseline=PATH",
            "  --ses-quota-baseline-tolerance=FRACTION",
            "*(default: 0.1, that is 10%)",
            "  --ses-quota-baseline-update",
        ],
        consecutive=False,
    )
    result.stdout.fnmatch_lines(["  ses_quota_summary (bool):*"])


def test_a_broken_report_never_breaks_pytest(run, monkeypatch):
    from pytest_sesquota.report import conversation as _report
    from pytest_sesquota.report.summary import Figures

    def boom(*args, **kwargs):
        raise ValueError("boom")

    monkeypatch.setattr(_report, "entries", boom)
    monkeypatch.setattr(Figures, "of", classmethod(boom))
    result = run("def test_it(ses_account):\n    assert False\n", "--ses-quota-summary")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*- SES conversation -*",
            "pytest-sesquota could not tell the conversation: ValueError('boom')",
            "*- pytest-sesquota could not report everything -*",
            "figures of test_a_broken_report_never_breaks_pytest.py::test_it: ValueError('boom')",
        ]
    )


REPORTS_PAGE = Path(__file__).resolve().parent.parent / "docs" / "reports.md"


def test_documented_failure_report_is_what_pytest_prints(pytester, monkeypatch):
    """The failure report in docs/reports.md is real output of its example (message ids aside)."""
    monkeypatch.delenv("AWS_ACCESS_KEY_ID", raising=False)
    text = REPORTS_PAGE.read_text(encoding="utf-8")
    source = re.search(r"```python\n(# This test fails on purpose.*?)```", text, re.S)
    shown = re.search(r"```text\n(-+ SES conversation -+\n.*?)```", text, re.S)
    assert source and shown
    pytester.makepyfile(test_welcome=source.group(1))
    result = pytester.runpytest_inprocess("-p", "no:hypothesispytest", "--ses-quota-summary")
    result.assert_outcomes(failed=1)
    expected = [
        re.sub(r"\b0100[0-9a-f]{12}-[0-9a-f-]{36}-(\d{6})\b", r"0100*-\1", line.replace("[", "[[]"))
        for line in shown.group(1).splitlines()
    ]
    result.stdout.fnmatch_lines(expected, consecutive=True)


def test_the_account_is_let_go_after_the_test(run):
    result = run(
        """
import gc
import weakref

accounts = []

def test_first(ses_account):
    accounts.append(weakref.ref(ses_account))

def test_second():
    gc.collect()
    assert accounts[0]() is None
"""
    )
    result.assert_outcomes(passed=2)
