"""How the reports write a moment of virtual time: its offset from the test's start,
the same in the SES conversation, the session summary and the quota picture."""

from __future__ import annotations

__all__ = ["offset"]


def offset(seconds: float) -> str:
    """Virtual time since the test started: ``+0.412s``, ``+2m03.000s``, ``+1d02h00m00.000s``."""
    ms = max(0, round(seconds * 1000))
    s, ms = divmod(ms, 1000)
    m, s = divmod(s, 60)
    h, m = divmod(m, 60)
    d, h = divmod(h, 24)
    if d:
        return f"+{d}d{h:02d}h{m:02d}m{s:02d}.{ms:03d}s"
    if h:
        return f"+{h}h{m:02d}m{s:02d}.{ms:03d}s"
    if m:
        return f"+{m}m{s:02d}.{ms:03d}s"
    return f"+{s}.{ms:03d}s"
