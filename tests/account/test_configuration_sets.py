from __future__ import annotations

from datetime import timedelta

from pytest_sesquota.account.configuration_sets import ConfigurationSet, ConfigurationSets
from pytest_sesquota.account.events import EventDestination
from pytest_sesquota.account.identities import Identities
from pytest_sesquota.account.ledger import Outgoing

from .conftest import START


def configuration_sets(make_parts, **options):
    parts = make_parts(**options)
    identities = parts.add(Identities(parts.context))
    sets = parts.add(ConfigurationSets(parts.context, identities))
    sets.region(None)  # as the account sets its main region up before any send
    return identities, sets


def outgoing(source="app@example.com", **content):
    return Outgoing("us-east-1", "SendEmail", source, ("a@example.com",), content)


def test_a_send_through_a_set_is_checked(make_parts):
    _identities, sets = configuration_sets(make_parts)
    assert sets.check_send(outgoing()) is None
    refused = sets.check_send(outgoing(configuration_set="cs"))
    assert refused is not None
    assert (refused.kind, refused.message) == (
        "configuration_set_missing",
        "Configuration set <cs> does not exist.",
    )
    sets.put(ConfigurationSet("cs", START))
    assert sets.check_send(outgoing(configuration_set="cs")) is None
    sets.set_sending("cs", False)
    refused = sets.check_send(outgoing(configuration_set="cs"))
    assert refused is not None and refused.kind == "configuration_set_paused"
    sets.set_sending("cs", True)
    sets.set_options("cs", "DeliveryOptions", {"SendingPoolName": "marketing"})
    assert sets.check_send(outgoing(configuration_set="cs")) is None  # no pools part: any pool
    sets.pools = lambda pool, region: False
    refused = sets.check_send(outgoing(configuration_set="cs"))
    assert refused is not None
    assert (refused.kind, refused.message) == (
        "sending_pool_missing",
        "SendingPool <marketing> doesn't exist",
    )
    assert sets.pool_exists("ses-shared-pool") and sets.pool_exists("ses-default-dedicated-pool")


def test_enabling_sending_again_is_a_fresh_start(make_parts):
    parts = make_parts()
    identities = parts.add(Identities(parts.context))
    sets = parts.add(ConfigurationSets(parts.context, identities))
    sets.put(ConfigurationSet("cs", START))
    sets.set_sending("cs", True)
    assert sets.get("cs").last_fresh_start is None  # never paused
    sets.set_sending("cs", False)
    parts.clock.advance(timedelta(minutes=5))
    sets.set_sending("cs", True)
    assert sets.get("cs").last_fresh_start == START + timedelta(minutes=5)


def test_suppression_reasons_are_the_set_s_when_it_has_options(make_parts):
    _identities, sets = configuration_sets(make_parts)
    sets.put(ConfigurationSet("plain", START))
    sets.put(ConfigurationSet("none", START, options={"SuppressionOptions": {}}))
    sets.put(
        ConfigurationSet(
            "bounces", START, options={"SuppressionOptions": {"SuppressedReasons": ["BOUNCE"]}}
        )
    )
    assert sets.suppression_reasons(outgoing()) is None
    assert sets.suppression_reasons(outgoing(configuration_set="plain")) is None
    assert sets.suppression_reasons(outgoing(configuration_set="none")) == frozenset()
    assert sets.suppression_reasons(outgoing(configuration_set="bounces")) == {"BOUNCE"}


def test_an_identity_s_default_set(make_parts):
    identities, sets = configuration_sets(make_parts, verified=["example.com"])
    identities.request_identity("app@example.com")  # pending
    identities.identity("example.com").configuration_set = "domain"
    identities.identity("app@example.com").configuration_set = "address"
    # No set was ever made in the region: no identity can name one, none is looked up.
    send = outgoing()
    assert sets.prepare_send(send) is send
    for name in ("domain", "address"):
        sets.put(ConfigurationSet(name, START))
    # The address's set is not applied before the address is verified: its domain's is.
    assert sets.prepare_send(outgoing()).configuration_set == "domain"
    identities.verify("app@example.com")
    assert sets.prepare_send(outgoing("App <APP@example.com>")).configuration_set == "address"
    assert sets.prepare_send(outgoing(configuration_set="named")).configuration_set == "named"
    assert sets.prepare_send(outgoing("x@other.org")).configuration_set is None
    identities.verify("plain@example.com")  # an address of its own, without a default
    assert sets.prepare_send(outgoing("plain@example.com")).configuration_set is None
    # Without the identity check (``verified`` not given), every identity's set applies.
    identities.check_identities(False)
    identities.request_identity("new@other.org").configuration_set = "new"
    assert sets.prepare_send(outgoing("new@other.org")).configuration_set == "new"


def test_export_restore_and_a_copy_to_read(make_parts):
    _identities, sets = configuration_sets(make_parts)
    region = sets.region(None)
    seen = sets.version(region)
    sets.put(ConfigurationSet("cs", START, options={"VdmOptions": {"DashboardOptions": {}}}))
    sets.put_destination(
        "cs", EventDestination("sns", True, ("SEND",), sns_topic_arn="arn:aws:sns:x")
    )
    sets.set_sending("cs", False)
    sets.set_sending("cs", True)
    assert sets.version(region) != seen
    copy = sets.configuration_set("cs")
    copy.sending_enabled = False
    assert sets.get("cs").sending_enabled  # a copy: the part keeps its own
    _, again = configuration_sets(make_parts)
    again.region(region)
    again.restore(region, sets.export(region))
    assert again.configuration_set("cs") == sets.configuration_set("cs")
    assert again.configuration_sets() == ["cs"]
    assert sets.delete_destination("cs", "sns") and not sets.delete_destination("cs", "sns")
    assert sets.delete("cs") and not sets.delete("cs")
