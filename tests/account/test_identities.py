from __future__ import annotations

import pytest

from pytest_sesquota.account.identities import Identities


def test_the_marker_s_verified_identities_turn_the_check_on(make_parts):
    parts = make_parts(verified=["app@example.com", "example.org"])
    identities = parts.add(Identities(parts.context))
    region = identities.region(None)
    assert identities.checked(region)
    assert identities.is_verified("App <APP@example.com>")
    assert identities.is_verified("anyone@example.org")
    assert not identities.is_verified("b@example.com")
    assert identities.unverified(region, "b@example.com", ["c@x.org"], sandbox=True) == [
        "b@example.com",
        "c@x.org",
    ]
    assert identities.unverified(region, "app@example.com", ["c@x.org"], sandbox=False) == []
    assert (
        identities.unverified(
            region, "app@example.com", ["success@simulator.amazonses.com"], sandbox=True
        )
        == []
    )


def test_without_verified_nothing_is_checked(make_parts):
    parts = make_parts()
    identities = parts.add(Identities(parts.context))
    assert not identities.checked(identities.region(None))
    identities.check_identities(True)
    assert identities.checked(identities.region(None))


def test_requested_identities_are_pending_until_verified(make_parts):
    parts = make_parts()
    identities = parts.add(Identities(parts.context))
    domain = identities.request_identity("example.com")
    assert (domain.kind, domain.status, len(domain.token or "")) == ("Domain", "Pending", 43)
    identities.verify("example.com")
    assert identities.identity("EXAMPLE.com").status == "Success"
    assert identities.request_identity("example.com").status == "Success"
    identities.delete_identity("example.com")
    assert identities.identities() == []
    with pytest.raises(ValueError, match="is not an email address or a domain"):
        identities.verify(" ")


def test_a_change_moves_the_version_and_export_restores(make_parts):
    parts = make_parts()
    identities = parts.add(Identities(parts.context))
    region = identities.region(None)
    before = identities.version(region)
    identities.verify("a@example.com")
    assert identities.version(region) != before
    other = make_parts()
    again = other.add(Identities(other.context))
    again.region(region)
    again.restore(region, identities.export(region))
    assert again.identities() == identities.identities()


def test_settings_are_exported_and_restored(make_parts):
    from pytest_sesquota.account.identity import Dkim

    parts = make_parts()
    identities = parts.add(Identities(parts.context))
    region = identities.region(None)
    identities.request_identity("example.com")
    identities.set_dkim("example.com", Dkim("EXTERNAL", "Pending", ["s1"]))
    identities.set_mail_from("example.com", "m.example.com", "RejectMessage")
    identities.put_settings("example.com", configuration_set="marketing")
    other = make_parts()
    again = other.add(Identities(other.context))
    again.region(region)
    again.restore(region, identities.export(region))
    assert again.identity("example.com") == identities.identity("example.com")
    assert again.identity("example.com").configuration_set == "marketing"
    with pytest.raises(TypeError, match="unexpected setting 'colour'"):
        identities.put_settings("example.com", colour="red")


def test_a_send_pays_for_the_mail_from_check_only_where_one_rejects(make_parts):
    from pytest_sesquota.account.ledger import Outgoing

    parts = make_parts()
    identities = parts.add(Identities(parts.context))
    region = identities.region(None)
    send = Outgoing(region, "SendEmail", "a@example.com", ("b@example.org",), {})
    assert identities.check_send(send) is None and region not in identities._rejecting
    identities.request_identity("example.com")
    identities.set_mail_from("example.com", "m.example.com", "RejectMessage")
    refused = identities.check_send(send)
    assert refused is not None and refused.kind == "mail_from_unverified"
    identities.set_identity_status("example.com", mail_from="Success")
    assert identities.check_send(send) is None
