"""The outbox worker runs as a subprocess; the test watches SES through ``ses_account``.

``ses_server`` serves the test's fake account on a loopback port; ``env()`` points the
worker's boto3 at it. The worker sleeps on real time, in its own process, so while it
runs the test lets the virtual clock tick (``ses_clock.ticking``): 10 virtual seconds
per real second. Everything asserted is read from the account's ledger, in virtual time.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from pytest_sesquota import SesAccount, SesServer

EXAMPLES = Path(__file__).resolve().parent.parent


def run_worker(ses_server: SesServer, ses_account: SesAccount, tmp_path: Path, count: int):
    queue = tmp_path / "queue.jsonl"
    queue.write_text(
        "".join(
            json.dumps({"to": f"customer{n:02}@example.org", "subject": "Receipt", "body": "..."})
            + "\n"
            for n in range(count)
        )
    )
    env = {**os.environ, **ses_server.env(), "PYTHONPATH": str(EXAMPLES)}
    with ses_account.clock.ticking(speed=10):
        worker = subprocess.run(
            [sys.executable, "-m", "outbox.worker", str(queue)],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
    return json.loads(worker.stdout)


@pytest.mark.ses_quota(profile="sandbox", verified=["shop@example.com", "example.org"])
def test_worker_retries_every_throttled_message_until_it_is_sent(ses_server, ses_account, tmp_path):
    report = run_worker(ses_server, ses_account, tmp_path, count=8)

    addresses = [f"customer{n:02}@example.org" for n in range(8)]
    assert sorted(report["sent"]) == addresses
    assert report["deferred"] == [] and report["failed"] == {}
    # SES accepted each message exactly once, in queue order, with the ids the worker kept.
    assert [m.recipients[0] for m in ses_account.sent] == addresses
    assert {m.recipients[0]: m.message_id for m in ses_account.sent} == report["sent"]
    # The worker ran into the sandbox's 1 per second and retried: SES saw every attempt.
    assert report["throttled"] == len(ses_account.throttled) > 0
    assert all(t.reason == "rate" for t in ses_account.throttled)
    # Never more than one accepted message in any virtual second.
    per_second = Counter(int(m.time.timestamp()) for m in ses_account.sent)
    assert max(per_second.values()) == 1


@pytest.mark.ses_quota(profile="sandbox", sent_last_24_hours=197)
def test_worker_defers_what_the_daily_quota_refuses(ses_server, ses_account, tmp_path):
    report = run_worker(ses_server, ses_account, tmp_path, count=6)

    assert sorted(report["sent"]) == [f"customer{n:02}@example.org" for n in range(3)]
    assert report["deferred"] == [f"customer{n:02}@example.org" for n in range(3, 6)]
    assert ses_account.quota() == (200.0, 1.0, 200.0)
    assert ses_account.throttled[-1].reason == "daily"
