"""Virtual time: ``examples/newsletter`` sends its messages at 14 per second, paced with
back-off on throttles, on the virtual clock of each time backend: virtual seconds per
wall second."""

from __future__ import annotations

import sys

from pytest_sesquota import SesAccount

from ..measure import ROOT, Row, Size, clock


def virtual_time(size: Size) -> list[Row]:
    """Virtual time: examples/newsletter's paced sends, virtual against wall seconds."""
    sys.path.insert(0, str(ROOT / "examples"))
    from newsletter import mailer  # type: ignore[import-not-found]  # examples/

    messages = size.pick(full=20_000, quick=2_000, smoke=30)
    readers = [f"reader{i}@example.org" for i in range(messages)]
    rows: list[Row] = []
    for backend in ("freezegun", "time-machine"):
        with SesAccount(profile="production", time_backend=backend) as account:
            start = clock()
            result = mailer.send_newsletter(readers, "Issue #1", "Hello!")
            wall = clock() - start
            virtual = account.clock.elapsed()
            assert len(result.sent) == messages and not result.deferred
            note = (
                f"{messages:,} messages at 14/s: {virtual:,.0f} virtual s in {wall:.1f} wall s, "
                f"{len(account.throttled)} throttles"
            )
        rows.append(
            Row(
                "virtual time (examples/newsletter)",
                f"virtual / wall, {backend}",
                virtual / wall,
                "x",
                note=note,
            )
        )
    return rows
