"""The Tenants part alone: tenants, their statuses, what they refuse, their own
suppression lists, and their state saved and restored."""

from __future__ import annotations

import pytest

from pytest_sesquota.account.identities import Identities
from pytest_sesquota.account.ledger import Outgoing
from pytest_sesquota.account.templates import Templates
from pytest_sesquota.account.tenants import Tenants

IDENTITY = "arn:aws:ses:us-east-1:123456789012:identity/example.com"


def build(make_parts):
    parts = make_parts()
    identities = parts.add(Identities(parts.context))
    templates = parts.add(Templates(parts.context))
    part = parts.add(Tenants(parts.context, identities, templates))
    part.region(None)
    return part


def send(tenant="acme", recipients=("a@example.net", "gone@example.net")):
    return Outgoing(
        "us-east-1", "SendEmail", "news@example.com", recipients, {"tenant_name": tenant}
    )


def test_what_a_tenant_refuses(make_parts):
    tenants = build(make_parts)
    assert tenants.check_send(Outgoing("us-east-1", "SendEmail", "a@b.c", ("x@y.z",), {})) is None
    assert tenants.check_send(send()).kind == "tenant_missing"
    tenant = tenants.create("acme")
    with pytest.raises(KeyError):
        tenants.create("acme")
    refused = tenants.check_send(send())
    assert (refused.kind, refused.message) == (
        "not_authorized",
        f"Tenant not associated with resources [{IDENTITY}].",
    )
    tenant.resources[IDENTITY] = tenants.clock.now()
    assert tenants.check_send(send()) is None
    tenants.set_tenant_status("acme", "DISABLED", cause="Found")
    assert (tenant.sending_status, tenants.check_send(send()).kind) == ("DISABLED", "tenant_paused")
    tenants.set_tenant_status("acme", "ENABLED")
    assert tenant.sending_status == "ENABLED"


def test_a_tenant_s_own_list_and_its_state(make_parts):
    tenants = build(make_parts)
    tenant = tenants.create("acme", (("BOUNCE",), "TENANT"))
    tenant.suppression.put("gone@example.net", "BOUNCE", tenants.clock.now())
    assert tenants.suppressed_recipients(send()) == ("gone@example.net",)
    assert tenants.suppressed_recipients(send(tenant=None)) is None
    region = tenants.region(None)
    again = build(make_parts)
    again.region(region)
    again.restore(region, tenants.export(region))
    assert again.export(region) == tenants.export(region)
    tenant.suppression_attributes = (("BOUNCE",), "ACCOUNT")
    assert tenants.suppressed_recipients(send()) is None  # the account's list decides
    assert tenants.delete("acme") and not tenants.delete("acme")
