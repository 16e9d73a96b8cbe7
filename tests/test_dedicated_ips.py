"""Dedicated IPs and pools through SES v2: pools standard and managed, IPs leased by AWS
(``ses_account.lease_dedicated_ips``), moving an IP between pools, warm-up on the virtual
clock, the account's automatic warm-up; SES's errors, exact."""

from __future__ import annotations

from datetime import timedelta

import pytest
from botocore.exceptions import ClientError

from pytest_sesquota.account.account import Account, part_of
from pytest_sesquota.account.dedicated_ips import DedicatedIpPools
from pytest_sesquota.serve.store import Store


def error_of(call, **params):
    with pytest.raises(ClientError) as excinfo:
        call(**params)
    response = excinfo.value.response
    return (
        response["Error"]["Code"],
        response["ResponseMetadata"]["HTTPStatusCode"],
        response["Error"]["Message"],
    )


def ip_of(sesv2, ip):
    return sesv2.get_dedicated_ip(Ip=ip)["DedicatedIp"]


def test_pools_created_listed_got_and_deleted(ses_account, sesv2):
    sesv2.create_dedicated_ip_pool(PoolName="transactional", Tags=[{"Key": "team", "Value": "a"}])
    sesv2.create_dedicated_ip_pool(PoolName="marketing", ScalingMode="MANAGED")
    assert sesv2.list_dedicated_ip_pools()["DedicatedIpPools"] == ["marketing", "transactional"]
    assert sesv2.get_dedicated_ip_pool(PoolName="marketing")["DedicatedIpPool"] == {
        "PoolName": "marketing",
        "ScalingMode": "MANAGED",
    }
    arn = "arn:aws:ses:us-east-1:123456789012:dedicated-ip-pool/transactional"
    assert sesv2.list_tags_for_resource(ResourceArn=arn)["Tags"] == [{"Key": "team", "Value": "a"}]
    assert error_of(sesv2.create_dedicated_ip_pool, PoolName="marketing") == (
        "AlreadyExistsException",
        400,
        "The pool <marketing> already exists.",
    )
    assert error_of(sesv2.create_dedicated_ip_pool, PoolName="ses-shared-pool")[0] == (
        "AlreadyExistsException"
    )
    sesv2.delete_dedicated_ip_pool(PoolName="transactional")
    assert error_of(sesv2.get_dedicated_ip_pool, PoolName="transactional") == (
        "NotFoundException",
        404,
        "The requested pool <transactional> does not exist.",
    )
    assert error_of(sesv2.delete_dedicated_ip_pool, PoolName="transactional")[0] == (
        "NotFoundException"
    )
    assert error_of(sesv2.list_tags_for_resource, ResourceArn=arn)[0] == "NotFoundException"
    pools = part_of(ses_account, DedicatedIpPools)
    assert pools.exists("marketing") and pools.exists("ses-default-dedicated-pool")
    assert not pools.exists("transactional") and not pools.exists("marketing", "eu-west-1")


def test_managed_pools_limit_and_no_way_back_to_standard(ses_account, sesv2):
    for n in range(5):
        sesv2.create_dedicated_ip_pool(PoolName=f"managed{n}", ScalingMode="MANAGED")
    assert error_of(sesv2.create_dedicated_ip_pool, PoolName="m5", ScalingMode="MANAGED") == (
        "LimitExceededException",
        400,
        "You can't have more than 5 managed IP pools in a Region.",
    )
    sesv2.create_dedicated_ip_pool(PoolName="standard")  # standard pools are not counted
    assert error_of(
        sesv2.put_dedicated_ip_pool_scaling_attributes, PoolName="managed0", ScalingMode="STANDARD"
    ) == ("BadRequestException", 400, "The ScalingMode parameter is invalid.")
    sesv2.put_dedicated_ip_pool_scaling_attributes(PoolName="standard", ScalingMode="MANAGED")
    assert sesv2.get_dedicated_ip_pool(PoolName="standard")["DedicatedIpPool"]["ScalingMode"] == (
        "MANAGED"
    )
    assert (
        error_of(
            sesv2.put_dedicated_ip_pool_scaling_attributes, PoolName="nope", ScalingMode="MANAGED"
        )[0]
        == "NotFoundException"
    )


def test_leased_ips_warm_up_over_45_virtual_days(ses_account, sesv2):
    assert sesv2.get_dedicated_ips()["DedicatedIps"] == []
    first, second = ses_account.lease_dedicated_ips(2)
    assert (first, second) == ("198.51.100.1", "198.51.100.2")
    assert ip_of(sesv2, first) == {
        "Ip": first,
        "WarmupStatus": "IN_PROGRESS",
        "WarmupPercentage": 0,
        "PoolName": "ses-default-dedicated-pool",
    }
    ses_account.clock.advance(timedelta(days=9))
    assert ip_of(sesv2, first)["WarmupPercentage"] == 20
    sesv2.put_dedicated_ip_warmup_attributes(Ip=second, WarmupPercentage=90)
    ses_account.clock.advance(timedelta(days=9))
    assert ip_of(sesv2, first)["WarmupPercentage"] == 40
    assert ip_of(sesv2, second) == {
        "Ip": second,
        "WarmupStatus": "DONE",
        "WarmupPercentage": 100,
        "PoolName": "ses-default-dedicated-pool",
    }
    assert error_of(sesv2.put_dedicated_ip_warmup_attributes, Ip=first, WarmupPercentage=101) == (
        "BadRequestException",
        400,
        "Warmup Percentage must be between 0 and 100.",
    )
    assert error_of(sesv2.get_dedicated_ip, Ip="192.0.2.9") == (
        "NotFoundException",
        404,
        "Could not find dedicated IP <192.0.2.9> under this account.",
    )
    # Automatic warm-up off: IPs leased from now on are warm already (the guide).
    sesv2.put_account_dedicated_ip_warmup_attributes(AutoWarmupEnabled=False)
    assert sesv2.get_account()["DedicatedIpAutoWarmupEnabled"] is False
    (third,) = ses_account.lease_dedicated_ips()
    assert ip_of(sesv2, third)["WarmupStatus"] == "DONE"
    assert ip_of(sesv2, first)["WarmupStatus"] == "IN_PROGRESS"  # mid warm-up: unchanged


def test_moving_an_ip_between_pools(ses_account, sesv2):
    sesv2.create_dedicated_ip_pool(PoolName="transactional")
    sesv2.create_dedicated_ip_pool(PoolName="auto", ScalingMode="MANAGED")
    (ip,) = ses_account.lease_dedicated_ips(pool="transactional")
    other = ses_account.lease_dedicated_ips()[0]
    listed = sesv2.get_dedicated_ips(PoolName="transactional")["DedicatedIps"]
    assert [i["Ip"] for i in listed] == [ip]
    sesv2.put_dedicated_ip_in_pool(Ip=other, DestinationPoolName="transactional")
    assert [i["Ip"] for i in sesv2.get_dedicated_ips(PoolName="transactional")["DedicatedIps"]] == [
        ip,
        other,
    ]
    page = sesv2.get_dedicated_ips(PageSize=1)
    assert [i["Ip"] for i in page["DedicatedIps"]] == [ip]
    rest = sesv2.get_dedicated_ips(PageSize=1, NextToken=page["NextToken"])
    assert [i["Ip"] for i in rest["DedicatedIps"]] == [other] and "NextToken" not in rest
    assert error_of(sesv2.put_dedicated_ip_in_pool, Ip=ip, DestinationPoolName="nope") == (
        "NotFoundException",
        404,
        "The requested pool <nope> does not exist.",
    )
    assert (
        error_of(sesv2.put_dedicated_ip_in_pool, Ip="192.0.2.1", DestinationPoolName="auto")[2]
        == "Could not find dedicated IP <192.0.2.1> under this account."
    )
    assert error_of(sesv2.put_dedicated_ip_in_pool, Ip=ip, DestinationPoolName="auto") == (
        "BadRequestException",
        400,
        "The pool <auto> is a managed pool: SES chooses its IPs.",
    )
    # A pool deleted: its IPs go back to the default pool.
    sesv2.delete_dedicated_ip_pool(PoolName="transactional")
    assert ip_of(sesv2, ip)["PoolName"] == "ses-default-dedicated-pool"
    sesv2.put_dedicated_ip_pool_scaling_attributes(PoolName="auto", ScalingMode="MANAGED")
    assert error_of(sesv2.get_dedicated_ips, PoolName="gone")[0] == "NotFoundException"


def test_a_managed_pool_s_ips_are_warmed_by_ses(ses_account, sesv2):
    sesv2.create_dedicated_ip_pool(PoolName="auto")
    (ip,) = ses_account.lease_dedicated_ips(pool="auto")
    sesv2.put_dedicated_ip_pool_scaling_attributes(PoolName="auto", ScalingMode="MANAGED")
    assert ip_of(sesv2, ip)["WarmupStatus"] == "NOT_APPLICABLE"
    assert ip_of(sesv2, ip)["WarmupPercentage"] == -1


def test_lease_checks_its_arguments(ses_account):
    with pytest.raises(ValueError, match=r"count=0\): expected a whole number >= 1"):
        ses_account.lease_dedicated_ips(0)
    with pytest.raises(ValueError, match=r"pool='nope'\): no such pool in us-east-1 \(pools: "):
        ses_account.lease_dedicated_ips(pool="nope")
    (ip,) = ses_account.lease_dedicated_ips(region="eu-west-1")
    assert [i.ip for i in ses_account.dedicated_ips("eu-west-1")] == [ip]
    assert ses_account.dedicated_ips() == []
    assert ses_account.release_dedicated_ip(ip, "eu-west-1")
    assert not ses_account.release_dedicated_ip(ip, "eu-west-1")


def test_pools_and_ips_survive_a_state_file(tmp_path):
    first = Account(profile="production")
    pools = part_of(first, DedicatedIpPools)
    from pytest_sesquota.account.dedicated_ips import DedicatedIpPool

    pools.put_pool(DedicatedIpPool("p", "STANDARD", first.clock.now()))
    first.lease_dedicated_ips(2, pool="p")
    pools.set_auto_warmup(False)
    store = Store(tmp_path / "ses.sqlite")
    try:
        store.save(first)
        second = Account(profile="production")
        store.load(second)
    finally:
        store.close()
    again = part_of(second, DedicatedIpPools)
    assert again.pools() == pools.pools()
    assert second.dedicated_ips() == first.dedicated_ips()
    assert again.auto_warmup_enabled() is False


def test_the_control_api_leases_ips(ses_server, ses_account):
    import json
    import urllib.error
    import urllib.request

    import jsonschema

    from pytest_sesquota.serve.openapi import OPENAPI

    def post(document):
        request = urllib.request.Request(
            ses_server.endpoint_url + "/_sesquota/dedicated-ips",
            data=json.dumps(document).encode(),
            method="POST",
        )
        try:
            with urllib.request.urlopen(request) as reply:
                return reply.status, json.loads(reply.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read())

    status, leased = post({"count": 2, "region": "eu-west-1"})
    schema = {"$ref": "#/components/schemas/Leased", "components": OPENAPI["components"]}
    jsonschema.validate(leased, schema, cls=jsonschema.Draft202012Validator)
    assert (status, leased) == (
        200,
        {"leased": ["198.51.100.1", "198.51.100.2"], "region": "eu-west-1"},
    )
    assert [ip.ip for ip in ses_account.dedicated_ips("eu-west-1")] == leased["leased"]
    assert post({"count": 0}) == (
        400,
        {"error": "BadRequest", "message": "count must be a whole number from 1 to 256."},
    )
    status, refused = post({"pool": "nope"})
    assert (status, refused["message"]) == (
        400,
        "lease_dedicated_ips(pool='nope'): no such pool in us-east-1 (pools: none); "
        "create it with CreateDedicatedIpPool first",
    )
