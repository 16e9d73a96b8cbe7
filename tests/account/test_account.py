"""The façade: the public names of ``ses_account`` are those it had before the account was
built from parts (taken from that code), and each is a part's."""

from __future__ import annotations

import inspect

from pytest_sesquota import SesAccount
from pytest_sesquota.account.account import Account, part_of, parts_of
from pytest_sesquota.account.quotas import Quotas

#: ``ses_account``'s public names before the account was built from parts.
PUBLIC = {
    "account_details", "active", "add_ses_callbacks", "allow_api_call", "available_rate",
    "check_identities", "clock", "delete_identity", "deny_production_access", "dropped",
    "enforcement_status", "faults", "grant_production_access", "identities", "identity",
    "in_sandbox", "internal_errors", "is_verified", "log_request", "move_out_of_sandbox",
    "new_message_id", "on_request", "options", "pause_sending", "production_access_review",
    "put_account_details", "quota", "record_bounces", "record_complaints", "recording",
    "region", "regions", "reject", "rejected", "request_identity", "request_production_access",
    "requests", "reset", "resume_sending", "schedule", "seed", "send", "send_many",
    "send_statistics", "sending_enabled", "sent", "set_enforcement_status", "set_quota",
    "suppress", "suppressed", "templates", "throttled", "unsuppress", "verify",
}  # fmt: skip


#: Names added since, one a line (the resources and events of SES's whole API).
ADDED = {
    "events",
    "set_identity_status",
    "verification_emails",
    "click_verification_link",
    "unsubscribe",
    "published",
    "add_publisher",
    "pending_events",
    "on_event",
    "mailbox",
    "open",
    "click",
    "subscribe",
    "sns",
    "delegating_account",
    "set_sending_principal",
    "tenant",
    "tenants",
    "set_tenant_status",
    "set_identity_certificate_status",
    "set_inbox_placement",
    "deliverability_tests",
    "list_on_blacklist",
    "recommend",
    "set_address_insights",
    "jobs",
    "fail_job",
    "export_file",
    "receive_email",
    "received",
    "active_receipt_rule_set",
    "lease_dedicated_ips",
    "release_dedicated_ip",
    "dedicated_ips",
    "configuration_set",
    "configuration_sets",
    "reputation",
    "set_reputation_policy",
    "set_review_outcome",
    "tenant_reputation",
    "configuration_set_reputation",
    "on_rates",
}


def test_ses_account_s_public_names_are_those_and_the_added_ones():
    account = SesAccount()
    assert {name for name in dir(account) if not name.startswith("_")} == PUBLIC | ADDED


def test_a_forwarded_name_keeps_its_part_s_signature_and_doc():
    assert inspect.signature(Account.set_quota) == inspect.signature(Quotas.set_quota)
    assert Account.set_quota.__doc__ == Quotas.set_quota.__doc__
    account = Account()
    assert account.set_quota.__self__ is part_of(account, Quotas)


def test_reset_builds_every_part_anew_and_sets_the_regions_up_again():
    account = Account(profile="sandbox", regions={"eu-west-1": {"profile": "production"}})
    before = parts_of(account)
    account.verify("a@example.com")
    account.reset()
    assert not any(a is b for a, b in zip(before, parts_of(account), strict=True))
    assert account.identities() == []
    assert account.regions() == ["us-east-1", "eu-west-1"]
    assert not account.in_sandbox("eu-west-1")


def test_a_region_is_set_up_in_every_part_on_first_use():
    account = Account(profile="production", sent_last_24_hours=3)
    assert account.sending_enabled("ap-south-1")
    assert account.quota("ap-south-1") == (50_000.0, 14.0, 0.0)  # usage is the main region's
    assert account.regions() == ["us-east-1", "ap-south-1"]
