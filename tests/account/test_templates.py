from __future__ import annotations

from pytest_sesquota.account.ledger import Template
from pytest_sesquota.account.templates import Templates

from .conftest import START


def test_put_update_delete_and_a_copy_to_read(make_parts):
    parts = make_parts()
    templates = parts.add(Templates(parts.context))
    templates.put(Template("t", "Hi {{name}}", "text", None, START))
    listed = templates.templates()
    listed.clear()  # a copy: the part keeps its own
    assert list(templates.templates()) == ["t"]
    templates.update("t", subject="Hello", text=None, html="<p>", region="us-east-1")
    assert templates.template("t") == Template("t", "Hello", None, "<p>", START)
    assert templates.delete("t") and not templates.delete("t")
    assert templates.templates() == {}


def test_export_restore_and_versions(make_parts):
    parts = make_parts()
    templates = parts.add(Templates(parts.context))
    region = templates.region(None)
    seen = templates.version(region)
    templates.put(Template("t", "s", None, None, START))
    assert templates.version(region) != seen
    other = make_parts()
    again = other.add(Templates(other.context))
    again.region(region)
    again.restore(region, templates.export(region))
    assert again.templates() == templates.templates()
