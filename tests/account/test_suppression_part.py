from __future__ import annotations

import pytest

from pytest_sesquota.account.suppression import Suppression


def test_put_read_delete_and_restore(make_parts):
    parts = make_parts()
    suppression = parts.add(Suppression(parts.context))
    suppression.suppress("Gone@Example.com", reason="COMPLAINT")
    region = suppression.region(None)
    assert "gone@example.com" in suppression.list_of(region)
    [entry] = suppression.suppressed("GONE@example.com")
    assert (entry.email_address, entry.reason) == ("Gone@Example.com", "COMPLAINT")
    other = make_parts()
    again = other.add(Suppression(other.context))
    again.region(region)
    again.restore(region, suppression.export(region))
    assert again.suppressed() == suppression.suppressed()
    assert suppression.unsuppress("gone@example.com") and not suppression.unsuppress("x@y.z")
    with pytest.raises(ValueError, match="valid reasons: 'BOUNCE', 'COMPLAINT'"):
        suppression.suppress("a@b.c", reason="SPAM")  # type: ignore[arg-type]
