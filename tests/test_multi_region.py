"""Multi-region endpoints (SES v2 global endpoints): Create, Get, List, Delete, and sends
that name one: refused when it does not exist, sent from its two regions in turn when it
does (each region's quota counts its own)."""

from __future__ import annotations

import json
import urllib.request

import boto3
import botocore.session
import pytest
from botocore.exceptions import ClientError
from conftest import NO_RETRIES, SIMPLE

from pytest_sesquota.account.account import Account
from pytest_sesquota.serve.store import Store

_MODEL = botocore.session.get_session().get_service_model("sesv2")
needs_endpoints = pytest.mark.skipif(
    "CreateMultiRegionEndpoint" not in _MODEL.operation_names,
    reason="this botocore predates multi-region endpoints",
)
pytestmark = needs_endpoints


def error_of(call, **params):
    with pytest.raises(ClientError) as excinfo:
        call(**params)
    response = excinfo.value.response
    return (
        response["Error"]["Code"],
        response["ResponseMetadata"]["HTTPStatusCode"],
        response["Error"]["Message"],
    )


def create(sesv2, name="global", secondary="us-west-2"):
    return sesv2.create_multi_region_endpoint(
        EndpointName=name, Details={"RoutesDetails": [{"Region": secondary}]}
    )


def test_created_got_listed_and_deleted_in_the_primary_region(ses_account, sesv2):
    made = create(sesv2, "global")
    assert made["Status"] == "CREATING"
    got = sesv2.get_multi_region_endpoint(EndpointName="global")
    assert (got["EndpointId"], got["Status"], got["Routes"]) == (
        made["EndpointId"],
        "READY",
        [{"Region": "us-east-1"}, {"Region": "us-west-2"}],
    )
    assert got["CreatedTimestamp"] == ses_account.clock.start_time
    (listed,) = sesv2.list_multi_region_endpoints()["MultiRegionEndpoints"]
    assert (listed["EndpointName"], listed["Regions"]) == ("global", ["us-east-1", "us-west-2"])
    elsewhere = boto3.client("sesv2", region_name="us-west-2", config=NO_RETRIES)
    assert elsewhere.list_multi_region_endpoints()["MultiRegionEndpoints"] == []
    assert error_of(elsewhere.get_multi_region_endpoint, EndpointName="global") == (
        "NotFoundException",
        404,
        "Multi-region endpoint global does not exist.",
    )
    assert error_of(create, sesv2=sesv2) == (
        "AlreadyExistsException",
        400,
        "Multi-region endpoint global already exists.",
    )
    assert sesv2.delete_multi_region_endpoint(EndpointName="global")["Status"] == "DELETING"
    assert error_of(sesv2.delete_multi_region_endpoint, EndpointName="global")[0] == (
        "NotFoundException"
    )


def test_bad_input(ses_account, sesv2):
    assert error_of(create, sesv2=sesv2, secondary="us-east-1") == (
        "BadRequestException",
        400,
        "The secondary region must differ from the primary region.",
    )
    assert error_of(create, sesv2=sesv2, secondary="mars") == (
        "BadRequestException",
        400,
        "Invalid region: mars",
    )
    assert error_of(create, sesv2=sesv2, name="bad name")[2].startswith(
        "1 validation error detected: Value 'bad name' at 'endpointName'"
    )
    two = {"RoutesDetails": [{"Region": "us-west-2"}, {"Region": "eu-west-1"}]}
    assert error_of(sesv2.create_multi_region_endpoint, EndpointName="x", Details=two) == (
        "BadRequestException",
        400,
        "RoutesDetails must contain exactly one route configuration.",
    )


@pytest.mark.ses_quota(profile="production")
def test_sends_through_an_endpoint_go_from_its_two_regions_in_turn(ses_account, sesv2):
    pytest.importorskip("awscrt", reason="botocore signs these sends with SigV4a (botocore[crt])")
    endpoint_id = create(sesv2)["EndpointId"]
    # A client in any region reaches the endpoint: the request goes to its global host.
    client = boto3.client("sesv2", region_name="eu-west-1", config=NO_RETRIES)
    for n in range(3):
        client.send_email(
            FromEmailAddress="app@example.com",
            Destination={"ToAddresses": [f"user{n}@example.com"]},
            Content=SIMPLE,
            EndpointId=endpoint_id,
        )
    assert [(m.region, m.endpoint_id) for m in ses_account.sent] == [
        ("us-east-1", endpoint_id),
        ("us-west-2", endpoint_id),
        ("us-east-1", endpoint_id),
    ]
    assert ses_account.quota("us-east-1")[2] == 2.0
    assert ses_account.quota("us-west-2")[2] == 1.0
    assert ses_account.quota("eu-west-1")[2] == 0.0


def test_a_send_naming_an_endpoint_that_does_not_exist_is_refused(ses_account, sesv2):
    pytest.importorskip("awscrt", reason="botocore signs these sends with SigV4a (botocore[crt])")
    assert error_of(
        sesv2.send_email,
        FromEmailAddress="app@example.com",
        Destination={"ToAddresses": ["a@example.com"]},
        Content=SIMPLE,
        EndpointId="abcd1234.ef12",
    ) == ("NotFoundException", 404, "Multi-region endpoint with ID abcd1234.ef12 does not exist.")
    (rejected,) = ses_account.rejected
    assert (rejected.reason, rejected.code) == ("endpoint_missing", "NotFoundException")
    assert ses_account.sent == []


@pytest.mark.ses_quota(profile="production")
def test_through_sesquota_serve_over_http(ses_server, ses_account):
    # No SDK: the JSON an application's own HTTP client would send, EndpointId and all.
    def post(path, document):
        request = urllib.request.Request(
            ses_server.endpoint_url + path,
            data=json.dumps(document).encode(),
            headers={
                "Content-Type": "application/json",
                "X-Amz-Date": "20260101T000000Z",
                # The server checks a signature's shape, not its value.
                "Authorization": "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/ses/"
                "aws4_request, SignedHeaders=host, Signature=0",
            },
            method="POST",
        )
        try:
            with urllib.request.urlopen(request) as reply:
                return reply.status, json.loads(reply.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read())

    status, made = post(
        "/v2/email/multi-region-endpoints",
        {"EndpointName": "g", "Details": {"RoutesDetails": [{"Region": "eu-west-1"}]}},
    )
    assert (status, made["Status"]) == (200, "CREATING")
    message = {
        "FromEmailAddress": "app@example.com",
        "Destination": {"ToAddresses": ["a@example.com"]},
        "Content": SIMPLE,
    }
    assert (
        post("/v2/email/outbound-emails", {**message, "EndpointId": made["EndpointId"]})[0] == 200
    )
    status, refused = post("/v2/email/outbound-emails", {**message, "EndpointId": "nope.x"})
    assert (status, refused["message"]) == (
        404,
        "Multi-region endpoint with ID nope.x does not exist.",
    )
    assert [m.region for m in ses_account.sent] == ["us-east-1"]


def test_endpoints_survive_a_state_file(tmp_path):
    from pytest_sesquota.account.account import part_of
    from pytest_sesquota.account.multi_region import MultiRegionEndpoint, MultiRegionEndpoints

    first = Account(profile="production")
    part_of(first, MultiRegionEndpoints).put(
        MultiRegionEndpoint("g", "abcd1234.ef12", "us-east-1", "us-west-2", first.clock.now())
    )
    assert part_of(first, MultiRegionEndpoints).route("abcd1234.ef12") == "us-east-1"
    store = Store(tmp_path / "ses.sqlite")
    try:
        store.save(first)
        second = Account(profile="production")
        store.load(second)
    finally:
        store.close()
    # The turn is kept too: the next send goes to the secondary region.
    assert part_of(second, MultiRegionEndpoints).route("abcd1234.ef12") == "us-west-2"
