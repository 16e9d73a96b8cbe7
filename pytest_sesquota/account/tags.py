"""Tags on the account's resources, by ARN (SES v2's TagResource and friends, and the
``Tags`` a resource is created with): one place for every taggable resource."""

from __future__ import annotations

__all__ = ["Tags"]

from collections.abc import Iterable, Mapping
from typing import Any

from .options import RegionSettings
from .part import Context, Part


class Tags(Part):
    """Each resource's tags (key -> value, in the order first set), per region."""

    key = "tags"

    def __init__(self, context: Context) -> None:
        super().__init__(context)
        self._tags: dict[str, dict[str, dict[str, str]]] = {}

    def set_up(self, region: str, settings: RegionSettings) -> None:
        self._tags[region] = {}

    def tag(self, arn: str, tags: Mapping[str, str], region: str | None = None) -> None:
        """Add or replace tags of the resource ``arn``."""
        where = self.region(region)
        with self.lock:
            self._tags[where].setdefault(arn, {}).update(tags)
            self.changed(where)

    def untag(self, arn: str, keys: Iterable[str], region: str | None = None) -> None:
        where = self.region(region)
        with self.lock:
            found = self._tags[where].get(arn, {})
            for key in keys:
                found.pop(key, None)
            self.changed(where)

    def tags_of(self, arn: str, region: str | None = None) -> dict[str, str]:
        """The resource's tags (a copy)."""
        with self.lock:
            return dict(self._tags[self.region(region)].get(arn, {}))

    def forget(self, arn: str, region: str | None = None) -> None:
        """The resource is gone: so are its tags."""
        where = self.region(region)
        with self.lock:
            if self._tags[where].pop(arn, None) is not None:
                self.changed(where)

    # -- the state file ------------------------------------------------------------
    def export(self, region: str) -> dict[str, Any]:
        return {arn: dict(tags) for arn, tags in self._tags[region].items()}

    def restore(self, region: str, data: dict[str, Any]) -> None:
        self._tags[region] = {arn: dict(tags) for arn, tags in data.items()}
