"""An account's email templates, per region."""

from __future__ import annotations

__all__ = ["Templates"]

from collections.abc import Mapping
from typing import Any

from .ledger import Outgoing, Template
from .options import RegionSettings
from .part import Context, Part


class Templates(Part):
    """Templates by name; the operations (``ses/templates.py``) say SES's errors."""

    key = "templates"

    def __init__(self, context: Context) -> None:
        super().__init__(context)
        self._templates: dict[str, dict[str, Template]] = {}

    def set_up(self, region: str, settings: RegionSettings) -> None:
        self._templates[region] = {}

    def templates(self, region: str | None = None) -> dict[str, Template]:
        """The region's templates by name (a copy: change them through this part)."""
        name = self.region(region)
        with self.lock:
            return dict(self._templates[name])

    def template(self, name: str, region: str | None = None) -> Template | None:
        return self._templates[self.region(region)].get(name)

    def put(self, template: Template, region: str | None = None) -> None:
        """Store a template, replacing any of the same name."""
        where = self.region(region)
        with self.lock:
            self._templates[where][template.name] = template
            self.changed(where)

    def update(
        self, name: str, *, subject: str | None, text: str | None, html: str | None, region: str
    ) -> None:
        where = self.region(region)
        with self.lock:
            template = self._templates[where][name]
            template.subject, template.text, template.html = subject, text, html
            self.changed(where)

    def delete(self, name: str, region: str | None = None) -> bool:
        """Remove a template; whether there was one."""
        where = self.region(region)
        with self.lock:
            found = self._templates[where].pop(name, None) is not None
            if found:
                self.changed(where)
            return found

    def undelivered(self, send: Outgoing) -> Mapping[str, str]:
        """A templated message that failed to render reaches no one (SES publishes a
        Rendering Failure event instead of delivering it)."""
        if send.content.get("rendering_failure") is None:
            return {}
        return dict.fromkeys(send.recipients, "rendering_failure")

    # -- the state file ------------------------------------------------------------
    def export(self, region: str) -> list[dict[str, Any]]:
        return [
            {
                "name": t.name,
                "subject": t.subject,
                "text": t.text,
                "html": t.html,
                "created": t.created,
            }
            for t in self._templates[region].values()
        ]

    def restore(self, region: str, data: list[dict[str, Any]]) -> None:
        self._templates[region] = {item["name"]: Template(**item) for item in data}
