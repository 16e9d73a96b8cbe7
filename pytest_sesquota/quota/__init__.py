"""SES's quotas on any clock: the sending quotas' engine and the API rate limit.

The daily quota's modes are named here, not in the engine: the options read them when
the plugin loads, and a suite that never uses the fake should not load the engine.
"""

from __future__ import annotations

from typing import Literal

__all__ = ["DAILY_MODES", "DailyMode"]

#: How the rolling 24-hour quota is checked: refuse a send that *would exceed* it
#: (the default), or accept while the usage is *below* the maximum (seed 002 says both).
DailyMode = Literal["would_exceed", "below_max"]
DAILY_MODES: tuple[DailyMode, ...] = ("would_exceed", "below_max")
