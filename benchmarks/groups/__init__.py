"""The benchmark groups, one module each; a group is imported only when it runs.

A new group (a new front door, say) is a module here with a function
``(size: Size) -> list[Row]`` and one line in :data:`GROUPS`.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

from ..measure import Row, Size

#: ``--only`` name -> ``module:function`` in this package, in the full run's order.
GROUPS: dict[str, str] = {
    "ses": "per_send:ses",
    "sesv2": "per_send:sesv2",
    "floor": "floor:floor",
    "config-set": "configuration_set:configuration_set",
    "aio": "aio:aio",
    "smtp": "smtp:smtp",
    "serve": "serve:serve",
    "engine": "engine:engine",
    "fixture": "fixture:fixture_overhead",
    "unused": "unused:unused_plugin",
    "virtual-time": "virtual_time:virtual_time",
    "children": "children:children",
}


def load(name: str) -> Callable[[Size], list[Row]]:
    module, function = GROUPS[name].split(":")
    group: Callable[[Size], list[Row]] = getattr(
        importlib.import_module(f"{__name__}.{module}"), function
    )
    return group


def describe(name: str) -> str:
    """The first line of the group's docstring (importing its module)."""
    return (load(name).__doc__ or "").strip().splitlines()[0]
