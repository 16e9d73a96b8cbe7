"""docs/apis.md's lists of faked operations are the registries' (ses/v1.py, ses/v2.py)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pytest_sesquota.ses.api import Api, Call, Operations
from pytest_sesquota.ses.v1 import V1, SesV1
from pytest_sesquota.ses.v2 import SesV2

DOCS = Path(__file__).resolve().parent.parent / "docs" / "apis.md"


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
        f"put this between its markers:\n{registry.markdown()}"
    )


def test_the_registries_answer_what_they_list_and_no_more():
    assert len(SesV1.names) == 17 and len(SesV2.names) == 18
    assert SesV1.sends == {
        "SendEmail",
        "SendRawEmail",
        "SendTemplatedEmail",
        "SendBulkTemplatedEmail",
    }
    assert SesV2.sends == {"SendEmail", "SendBulkEmail"}


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
