"""docs/apis.md's lists of faked operations are the registries' (ses/v1.py, ses/v2.py)."""

from __future__ import annotations

import re
from pathlib import Path

import botocore
import pytest

from pytest_sesquota.ses.api import Api, Call, Operations
from pytest_sesquota.ses.v1 import V1, SesV1
from pytest_sesquota.ses.v2 import SesV2
from pytest_sesquota.wire.query import service_model

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs" / "apis.md"
# .ci/run's oldest leg installs botocore at its pin in constraints/oldest.txt.
OLDEST_BOTOCORE = f"botocore=={botocore.__version__}\n" in (
    ROOT / "constraints" / "oldest.txt"
).read_text(encoding="utf-8")
# Blank lines around the list: Python-Markdown needs one before a list.
MARKERS = (
    r"(<!-- faked operations: {api} \(.*?\) -->\n\n)(.*?)(\n\n<!-- end of faked operations -->)"
)


def listed(api: str) -> str:
    text = DOCS.read_text(encoding="utf-8")
    found = re.search(
        # Blank lines around the list: Python-Markdown needs one before a list.
        rf"<!-- faked operations: {api} \(.*?\) -->\n\n(.*?)\n\n<!-- end of faked operations -->",
        text,
        re.S,
    )
    assert found, f"docs/apis.md has no list of the faked {api} operations"
    return found.group(1)


@pytest.mark.parametrize(("api", "registry"), [("ses", SesV1), ("sesv2", SesV2)])
def test_the_docs_list_is_the_registry(api, registry):
    assert listed(api) == registry.markdown(), (
        f"docs/apis.md's list of {registry.label} operations differs from the registry; "
        f"run `python tests/test_apis_docs.py` to write it:\n{registry.markdown()}"
    )


def test_the_registries_answer_what_they_list_and_no_more():
    for registry in (SesV1, SesV2):
        unmodeled = set(registry.names) - set(service_model(registry.dialect.api).operation_names)
        # The oldest supported botocore lacks SES's newer operations; every other has them all.
        assert not unmodeled or OLDEST_BOTOCORE, unmodeled
    # api_rate_limit exempts these alone: SES's quotas page names them (not the bulk send).
    assert SesV1.sends == {"SendEmail", "SendRawEmail", "SendTemplatedEmail"}
    assert SesV2.sends == {"SendEmail"}


def test_a_group_is_one_line_in_a_registry():
    class Greetings(Operations):
        title = "greetings"
        names = ("SayHello",)

        def SayHello(self, call: Call, params: dict) -> dict:
            return {"Said": f"hello from {call.region} in {call.dialect.label}"}

    api = Api(V1, [Greetings()])
    assert api.names == ("SayHello",)
    assert api.markdown() == "- greetings: SayHello"
    with pytest.raises(
        Exception, match="does not fake the SES v1 operation Nope; faked operations: SayHello"
    ):
        api.check_faked("Nope")


def test_a_registry_refuses_a_name_twice_or_a_missing_method():
    class Broken(Operations):
        title = "broken"
        names = ("Missing",)

    with pytest.raises(TypeError, match="Broken lists Missing but lacks its method"):
        Api(V1, [Broken()])
    with pytest.raises(ValueError, match="SES v1: GetSendQuota is in two groups"):
        Api(V1, [*SesV1.groups, SesV1.groups[1]])


def write_docs() -> None:
    """Write the registries' lists into docs/apis.md (``python tests/test_apis_docs.py``)."""
    text = DOCS.read_text(encoding="utf-8")
    for api, registry in (("ses", SesV1), ("sesv2", SesV2)):
        text = re.sub(
            MARKERS.format(api=api),
            lambda m, r=registry: m.group(1) + r.markdown() + m.group(3),
            text,
            count=1,
            flags=re.S,
        )
    DOCS.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    write_docs()
