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
