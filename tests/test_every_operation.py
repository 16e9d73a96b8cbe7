"""Every operation of the installed botocore's SES models is answered.

Each operation of ``ses`` (v1) and ``sesv2`` is called through boto3 with the least
parameters its model takes, in the test's process and over HTTP to ``sesquota serve``'s
server: it must be answered with a modeled response or one of its modeled errors (or a
common error of its protocol), never ``NotImplemented`` and never an internal failure. A
botocore release that adds an operation makes this test name it.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterator
from typing import Any

import boto3
import botocore.session
import pytest
from botocore import xform_name
from botocore.exceptions import ClientError
from botocore.model import OperationModel, Shape
from conftest import NO_RETRIES

from pytest_sesquota import SesAccount
from pytest_sesquota.clock.sesclock import DetachedClock
from pytest_sesquota.serve.server import SesHttpServer

_SESSION = botocore.session.get_session()
SERVICES = ("ses", "sesv2")

#: Errors any operation of a protocol may answer without its model naming them (the AWS
#: Query API's common errors; v2 models BadRequestException on nearly every operation).
COMMON = {
    "ses": {"InvalidParameterValue", "ValidationError", "MissingParameter"},
    "sesv2": {"BadRequestException"},
}

#: Operations not answered yet (NotImplemented). Each one answered leaves this list; an
#: operation answered while still listed fails the test (strict xfail). A new operation
#: (a newer botocore) is answered by a method of an operation group, listed in the group's
#: ``names``, the group in the API's registry (``ses/v1.py``, ``ses/v2.py``): see
#: docs/developing.md, "Adding a resource".
NOT_YET: set[tuple[str, str]] = set()


def _model(service: str) -> Any:
    return _SESSION.get_service_model(service)


def _operations() -> list[tuple[str, str]]:
    return [(s, name) for s in SERVICES for name in sorted(_model(s).operation_names)]


def _string(name: str, shape: Shape) -> str:
    enum = shape.metadata.get("enum")
    if enum:
        return str(enum[0])
    lowered = name.lower()
    if "arn" in lowered:
        value = "arn:aws:ses:us-east-1:123456789012:identity/example.com"
    elif "email" in lowered or "address" in lowered or lowered in ("source", "from"):
        value = "sender@example.com"
    elif "domain" in lowered or "identity" in lowered:
        value = "example.com"
    elif "data" in lowered or "policy" in lowered or "document" in lowered:
        value = "{}"
    elif "ip" == lowered or lowered.endswith("ip"):
        value = "192.0.2.1"
    else:
        value = "sesquota1"
    minimum = int(shape.metadata.get("min", 0))
    return value + "x" * max(0, minimum - len(value))


def minimal(shape: Shape, name: str = "", depth: int = 0) -> Any:
    """The least value of ``shape`` botocore's parameter validation accepts."""
    kind = shape.type_name
    if kind == "structure":
        if depth > 6:
            return {}
        return {
            member: minimal(shape.members[member], member, depth + 1)
            for member in shape.required_members
        }
    if kind == "list":
        count = max(1, int(shape.metadata.get("min", 0)))
        return [minimal(shape.member, name, depth + 1) for _ in range(count)]
    if kind == "map":
        return {}
    if kind == "string":
        return _string(name, shape)
    if kind in ("integer", "long"):
        return max(1, int(shape.metadata.get("min", 1)))
    if kind in ("float", "double"):
        return max(1.0, float(shape.metadata.get("min", 1.0)))
    if kind == "boolean":
        return True
    if kind == "timestamp":
        return datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
    if kind == "blob":
        return b"From: sender@example.com\r\nTo: to@example.com\r\nSubject: hi\r\n\r\nhi"
    raise AssertionError(f"no minimal value for a {kind}")


def minimal_input(operation: OperationModel) -> dict[str, Any]:
    shape = operation.input_shape
    return {} if shape is None else minimal(shape)


def _modeled_errors(operation: OperationModel) -> set[str]:
    codes = set()
    for error in operation.error_shapes:
        codes.add(error.metadata.get("error", {}).get("code", error.name))
        codes.add(error.name)
    return codes


def _params() -> list[Any]:
    return [
        pytest.param(
            service,
            name,
            id=f"{service}.{name}",
            marks=[pytest.mark.xfail(reason="not answered yet", strict=True)]
            if (service, name) in NOT_YET
            else [],
        )
        for service, name in _operations()
    ]


@pytest.mark.ses_quota(profile="production")
@pytest.mark.parametrize(("service", "operation"), _params())
def test_every_operation_is_answered(ses_account: Any, service: str, operation: str) -> None:
    client = boto3.client(service, region_name="us-east-1", config=NO_RETRIES)
    _call_and_check(client, service, operation)
    assert not ses_account.internal_errors, ses_account.internal_errors


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[SesAccount, str]]:
    """One account behind ``sesquota serve``'s HTTP server, on loopback (no fake in the test's
    process: boto3 signs and sends real HTTP)."""
    account = SesAccount(profile="production", clock=DetachedClock())
    with SesHttpServer(account) as server:
        yield account, server.endpoint_url


@pytest.mark.parametrize(("service", "operation"), _params())
def test_every_operation_is_answered_by_sesquota_serve(
    served: tuple[SesAccount, str], service: str, operation: str
) -> None:
    account, endpoint = served
    client = boto3.client(
        service,
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="fake",
        aws_secret_access_key="fake",
        config=NO_RETRIES,
    )
    asked = len(account.requests)
    _call_and_check(client, service, operation)
    assert len(account.requests) == asked + 1  # over HTTP, to the served account
    assert not account.internal_errors, account.internal_errors


def _call_and_check(client: Any, service: str, operation: str) -> None:
    model = _model(service).operation_model(operation)
    params = minimal_input(model)
    try:
        getattr(client, xform_name(operation))(**params)
    except ClientError as error:
        code = error.response["Error"]["Code"]
        allowed = _modeled_errors(model) | COMMON[service]
        assert code != "NotImplemented", (
            f"{service} {operation} is not answered: add it to an operation group of "
            f"pytest_sesquota/ses/ and the group to ses/{'v1' if service == 'ses' else 'v2'}.py's "
            "registry (docs/developing.md, 'Adding a resource')"
        )
        assert code in allowed, (
            f"{service} {operation}({params!r}) answered {code}: "
            f"{error.response['Error'].get('Message')!r}; its model allows "
            f"{', '.join(sorted(allowed))}"
        )


def test_not_yet_names_operations_of_the_models() -> None:
    """The list of operations not answered yet holds operations of the two models (older
    botocore releases lack some of the newest)."""
    assert {service for service, _ in NOT_YET} <= set(SERVICES)
    assert all(re.fullmatch(r"[A-Z][A-Za-z]+", name) for _, name in NOT_YET)


def test_the_readme_counts_the_operations_answered() -> None:
    """The README's "all 188 in botocore's models" is the registries' size, every one of them
    answered (NOT_YET empty)."""
    from pathlib import Path

    from pytest_sesquota.ses.v1 import SesV1
    from pytest_sesquota.ses.v2 import SesV2

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    said = re.search(r"all (\d+) in\s+botocore's models", readme)
    assert said, "README.md no longer says how many operations are answered"
    assert int(said.group(1)) == len(SesV1.names) + len(SesV2.names)
    assert not NOT_YET


def test_what_every_operation_made_is_kept_by_the_state_file(tmp_path: Any) -> None:
    """Every operation but the deletes through boto3 on one account (creating what each
    creates with its least parameters), then ``sesquota serve --state``'s store written
    and read into a new account: every part of the account exports the same state from
    both (SES's events are not parts: the state file keeps the ledger, not them)."""
    from pytest_sesquota.account.account import Account, parts_of
    from pytest_sesquota.serve.codec import dumps
    from pytest_sesquota.serve.store import Store

    with SesAccount(profile="production") as first:
        for service in SERVICES:
            client = boto3.client(service, region_name="us-east-1", config=NO_RETRIES)
            for name in _model(service).operation_names:
                if name.startswith("Delete"):  # what was made stays, to be kept
                    continue
                try:
                    getattr(client, xform_name(name))(
                        **minimal_input(_model(service).operation_model(name))
                    )
                except ClientError:
                    pass
        assert not first.internal_errors, first.internal_errors
        store = Store(tmp_path / "ses.sqlite")
        try:
            store.save(first)
            second = Account(profile="production")
            store.load(second)
        finally:
            store.close()
        kept = {p.key: dumps(p.export("us-east-1")) for p in parts_of(second) if p.key}
        made = {p.key: dumps(p.export("us-east-1")) for p in parts_of(first) if p.key}
    assert kept == made
    assert len(made) > 20  # every resource's part, not a few
    for part in ("configuration_sets", "contact_lists", "templates", "receiving"):
        assert "sesquota1" in made[part], part  # what the walk created, kept
