"""The state file keeps each part of the account, and a save writes only the parts that
changed: a send serializes the quotas, never the region's identities or templates."""

from __future__ import annotations

from pytest_sesquota import SesAccount
from pytest_sesquota.account.account import part_of
from pytest_sesquota.account.identities import Identities
from pytest_sesquota.account.templates import Templates
from pytest_sesquota.clock.sesclock import DetachedClock
from pytest_sesquota.serve.retention import Retention
from pytest_sesquota.serve.store import Store


def send(account, source="a@x.org", to="b@x.org"):
    account.send(region=None, operation="SendEmail", source=source, recipients=[to])


def test_a_send_does_not_serialize_the_regions_resources(tmp_path, monkeypatch):
    account = SesAccount(profile="production", max_send_rate=-1, clock=DetachedClock())
    account.verify(*(f"user{n}@example.com" for n in range(2_000)))
    store = Store(tmp_path / "ses.sqlite")
    try:
        store.save(account, Retention())
        exported: list[str] = []
        for kind in (Identities, Templates):
            part = part_of(account, kind)
            original = part.export
            monkeypatch.setattr(
                part, "export", lambda r, o=original, k=kind: exported.append(k.__name__) or o(r)
            )
        statements: list[str] = []
        send(account)
        store._db.set_trace_callback(statements.append)
        store.save(account, Retention(), ["us-east-1"])
        assert exported == []
        assert not any(
            "INSERT OR REPLACE INTO parts" in s and "identities" in s for s in statements
        )
        account.verify("late@example.com")
        store.save(account, Retention(), ["us-east-1"])
        assert exported == ["Identities"]
    finally:
        store.close()


def test_every_part_survives_a_restart(tmp_path):
    account = SesAccount(profile="sandbox", verified=["app@example.com"], clock=DetachedClock())
    account.request_identity("example.org", "eu-west-1")
    account.suppress("gone@example.com", reason="COMPLAINT")
    account.put_account_details({"MailType": "MARKETING"})
    account.request_production_access()
    account.set_enforcement_status("PROBATION")
    account.pause_sending("eu-west-1")
    account.record_bounces(2)
    send(account, "app@example.com", "success@simulator.amazonses.com")
    store = Store(tmp_path / "ses.sqlite")
    try:
        store.save(account)
    finally:
        store.close()
    again = SesAccount(profile="sandbox", clock=DetachedClock())
    store = Store(tmp_path / "ses.sqlite")
    try:
        assert store.load(again)
    finally:
        store.close()
    assert again.identities() == account.identities()
    assert again.identities("eu-west-1") == account.identities("eu-west-1")
    assert again.suppressed() == account.suppressed()
    assert again.account_details() == {"MailType": "MARKETING"}
    assert again.production_access_review() == account.production_access_review()
    assert (again.enforcement_status(), again.sending_enabled("eu-west-1")) == ("PROBATION", False)
    assert again.send_statistics() == account.send_statistics()
    assert again.quota() == account.quota()
    assert again.sent == account.sent
