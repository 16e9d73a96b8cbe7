"""The Handlebars that SES's templates are written in, as far as SES documents it:
``{{name}}`` and dotted ``{{a.b}}``, ``{{{raw}}}``, ``{{#if}}``/``{{else}}``/``{{else if}}``,
``{{#unless}}``, ``{{#each}}`` (lists and objects, ``this``, ``@index``, ``@key``,
``@first``, ``@last``, ``../``), ``{{#with}}``, ``{{lookup}}``, comments, ``~`` whitespace
control, standalone lines, and inline partials (``{{#* inline "n"}}`` and ``{{> n}}``).

No Python Handlebars is maintained on PyPI; this is the documented subset. Two rules are
SES's own: a value a template prints that the data lacks (or holds as ``null``) is a
rendering failure, ``Attribute 'x' is not present in the rendering data.``; and nothing is
HTML-escaped ("SES doesn't escape HTML content", the guide's advanced personalization page).
A third: ``{{amazonSESUnsubscribeUrl}}`` is SES's footer placeholder, never template data: it
is kept for subscription management to put the unsubscribe link in.
"""

from __future__ import annotations

__all__ = [
    "UNSUBSCRIBE_NAME",
    "RenderingFailure",
    "TemplateSyntaxError",
    "compile_template",
    "render",
]

import functools
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

_MISSING: Any = object()
_TAG = re.compile(r"\{\{(~?)(\{?)(!--.*?--|!.*?|.*?)(\}?)(~?)\}\}", re.S)
_PARAM = re.compile(r'"([^"]*)"|\'([^\']*)\'|(\S+)')
_STANDALONE = frozenset("#/!^")
#: The footer placeholder of SES's subscription management (see the module's docstring).
UNSUBSCRIBE_NAME = "amazonSESUnsubscribeUrl"


class RenderingFailure(Exception):
    """The data lacks a value the template prints (SES's MissingRenderingAttribute)."""


class TemplateSyntaxError(Exception):
    """The template cannot be read (SES's InvalidTemplate)."""


@dataclass
class _Node:
    kind: str  # "text", "var", "block", "partial", "inline"
    value: str = ""  # the text, a path, a helper's or a partial's name
    params: list[Any] = field(default_factory=list)
    body: list[_Node] = field(default_factory=list)
    inverse: list[_Node] = field(default_factory=list)
    raw: bool = False


def _literal(token: str) -> Any:
    """A parameter: a quoted string, a number, true/false/null, or a path (a str)."""
    if token in ("true", "false", "null"):
        return {"true": True, "false": False, "null": None}[token]
    try:
        return float(token) if "." in token else int(token)
    except ValueError:
        return _Path(token)


class _Path(str):
    """A parameter that names a value (looked up in the context), not a literal."""


def _params(text: str) -> list[Any]:
    found: list[Any] = []
    for match in _PARAM.finditer(text):
        quoted = match.group(1) if match.group(1) is not None else match.group(2)
        found.append(quoted if quoted is not None else _literal(match.group(3)))
    return found


def _tokens(source: str) -> list[tuple[str, str]]:
    """("text", ...) and ("tag", inside) tokens, with ``~`` and standalone lines applied."""
    tokens: list[tuple[str, str]] = []
    position = 0
    strip_next = False
    for match in _TAG.finditer(source):
        text = source[position : match.start()]
        if strip_next:
            text = text.lstrip()
        if match.group(1):
            text = text.rstrip()
        tokens.append(("text", text))
        inside = match.group(3).strip()
        if match.group(2):  # {{{raw}}}
            if not match.group(4):
                raise TemplateSyntaxError(f"unclosed '{{{{{{{inside}': expected '}}}}}}'")
            inside = "&" + inside
        tokens.append(("tag", inside))
        strip_next = bool(match.group(5))
        position = match.end()
    tail = source[position:]
    tokens.append(("text", tail.lstrip() if strip_next else tail))
    _standalone(tokens)
    return tokens


def _standalone(tokens: list[tuple[str, str]]) -> None:
    """A block tag, comment or partial definition alone on its line leaves no line behind."""
    last = len(tokens) - 1
    for i in range(1, last, 2):
        inside = tokens[i][1]
        if inside == "/inline":  # the newline that ends a partial's definition is not shown
            after = tokens[i + 1][1]
            tokens[i + 1] = ("text", after[2:] if after[:2] == "\r\n" else after.removeprefix("\n"))
        if not inside or (inside[0] not in _STANDALONE and not inside.startswith("else")):
            continue
        before, after = tokens[i - 1][1], tokens[i + 1][1]
        head, newline_before, line = before.rpartition("\n")
        rest, newline_after, tail = after.partition("\n")
        starts_line = bool(newline_before) or i == 1
        ends_line = bool(newline_after) or i + 1 == last
        if starts_line and ends_line and not line.strip() and not rest.strip():
            tokens[i - 1] = ("text", head + newline_before)
            tokens[i + 1] = ("text", tail)


def _parse(tokens: list[tuple[str, str]]) -> tuple[list[_Node], dict[str, list[_Node]]]:
    root: list[_Node] = []
    partials: dict[str, list[_Node]] = {}
    # [the open block, its name, the list being filled: its body or its inverse]
    stack: list[tuple[_Node, str, list[_Node]]] = []
    target = root
    for kind, value in tokens:
        if kind == "text":
            if value:
                target.append(_Node("text", value))
            continue
        if value.startswith("!") or not value:
            continue
        if value.startswith("/"):
            name = value[1:].strip()
            if not stack:
                raise TemplateSyntaxError(f"'{{{{/{name}}}}}' closes no block")
            node, opened, _ = stack.pop()
            while opened == "else if":  # an {{else if}} chain closes with its first block
                node, opened, _ = stack.pop()
            if name != opened:
                raise TemplateSyntaxError(f"'{{{{#{opened}}}}}' is closed by '{{{{/{name}}}}}'")
            if node.kind == "inline":
                partials[str(node.params[0])] = node.body
            target = stack[-1][2] if stack else root
            continue
        if value == "else" or value.startswith("else "):
            if not stack:
                raise TemplateSyntaxError("'{{else}}' outside a block")
            node, name, _ = stack[-1]
            stack[-1] = (node, name, node.inverse)
            target = node.inverse
            if value != "else":  # {{else if x}}: a block within the inverse
                words = _params(value[5:])
                chained = _Node("block", str(words[0]), words[1:])
                node.inverse.append(chained)
                stack.append((chained, "else if", chained.body))
                target = chained.body
            continue
        if value.startswith("#*"):
            words = _params(value[2:])
            if len(words) != 2 or words[0] != "inline":
                raise TemplateSyntaxError(f"'{{{{{value}}}}}': expected {{{{#* inline \"name\"}}}}")
            node = _Node("inline", "inline", [words[1]])
            stack.append((node, "inline", node.body))
            target = node.body
            continue
        if value.startswith("#"):
            words = _params(value[1:])
            if not words:
                raise TemplateSyntaxError("'{{#}}' names no block")
            node = _Node("block", str(words[0]), words[1:])
            target.append(node)
            stack.append((node, str(words[0]), node.body))
            target = node.body
            continue
        if value.startswith(">"):
            words = _params(value[1:])
            target.append(_Node("partial", str(words[0]) if words else "", words[1:]))
            continue
        raw = value.startswith("&")
        words = _params(value[1:] if raw else value)
        if len(words) > 1 and words[0] != "lookup":
            raise TemplateSyntaxError(f"Missing helper: '{words[0]}'")
        target.append(_Node("var", str(words[0]), words[1:], raw=raw))
    if stack:
        raise TemplateSyntaxError(f"'{{{{#{stack[-1][1]}}}}}' is not closed")
    for name in _partials_used(root, partials):
        if name not in partials:
            raise TemplateSyntaxError(f"The partial {name} could not be found")
    return root, partials


def _partials_used(nodes: Sequence[_Node], partials: Mapping[str, list[_Node]]) -> set[str]:
    used: set[str] = set()
    for node in nodes:
        if node.kind == "partial":
            used.add(node.value)
        used |= _partials_used(node.body, partials) | _partials_used(node.inverse, partials)
    for body in partials.values():
        used |= {n.value for n in body if n.kind == "partial"}
    return used


# -- rendering ------------------------------------------------------------------------
@dataclass
class _Frame:
    context: Any
    data: dict[str, Any]
    parent: _Frame | None = None


def _lookup(frame: _Frame, path: str) -> Any:
    if path.startswith("@root"):
        while frame.parent is not None:
            frame = frame.parent
        path = path[5:].lstrip("./") or "this"
    elif path.startswith("@"):
        return frame.data.get(path[1:], _MISSING)
    while path.startswith("../"):
        frame = frame.parent or frame
        path = path[3:]
    if path in ("this", "."):
        return frame.context
    parts = re.split(r"[./]", path.removeprefix("this.").removeprefix("./"))
    value = frame.context
    for part in parts:
        if isinstance(value, Mapping) and part in value:
            value = value[part]
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return _MISSING
    return value


def _value(frame: _Frame, param: Any) -> Any:
    return _lookup(frame, param) if isinstance(param, _Path) else param


def _truthy(value: Any) -> bool:
    """JavaScript's truth, as Handlebars' ``if`` reads it (an empty list is false)."""
    if value is _MISSING or value is None or value is False or value == "" or value == []:
        return False
    return not (isinstance(value, (int, float)) and value == 0)


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, list):
        return ",".join("" if v is None else _shown(v) for v in value)
    if isinstance(value, Mapping):
        return "[object Object]"
    return str(value)


class _Renderer:
    def __init__(self, partials: Mapping[str, list[_Node]]) -> None:
        self.partials = partials

    def nodes(self, nodes: Sequence[_Node], frame: _Frame, out: list[str]) -> None:
        for node in nodes:
            if node.kind == "text":
                out.append(node.value)
            elif node.kind == "var" and node.value == UNSUBSCRIBE_NAME and not node.params:
                out.append("{{" + UNSUBSCRIBE_NAME + "}}")  # SES's own: the link goes there
            elif node.kind == "var":
                value = _lookup(frame, node.value)
                if node.value == "lookup":
                    target = _value(frame, node.params[0]) if node.params else _MISSING
                    key = _value(frame, node.params[1]) if len(node.params) > 1 else _MISSING
                    value = (
                        target.get(str(key), _MISSING)
                        if isinstance(target, Mapping)
                        else (_MISSING)
                    )
                if value is _MISSING or value is None:
                    raise RenderingFailure(
                        f"Attribute '{node.value}' is not present in the rendering data."
                    )
                out.append(_shown(value))
            elif node.kind == "partial":
                context = _value(frame, node.params[0]) if node.params else frame.context
                self.nodes(self.partials[node.value], _Frame(context, frame.data, frame), out)
            elif node.kind == "block":
                self.block(node, frame, out)

    def block(self, node: _Node, frame: _Frame, out: list[str]) -> None:
        name = node.value
        value = _value(frame, node.params[0]) if node.params else _lookup(frame, name)
        if name in ("if", "unless"):
            chosen = node.body if _truthy(value) != (name == "unless") else node.inverse
            self.nodes(chosen, frame, out)
        elif name == "with":
            if _truthy(value):
                self.nodes(node.body, _Frame(value, frame.data, frame), out)
            else:
                self.nodes(node.inverse, frame, out)
        elif name == "each" or isinstance(value, list):
            self.each(node, value, frame, out)
        elif _truthy(value):  # a section: {{#name}} renders with the value as its context
            context = value if isinstance(value, Mapping) else frame.context
            self.nodes(node.body, _Frame(context, frame.data, frame), out)
        else:
            self.nodes(node.inverse, frame, out)

    def each(self, node: _Node, value: Any, frame: _Frame, out: list[str]) -> None:
        if isinstance(value, Mapping):
            items = list(value.items())
        elif isinstance(value, list):
            items = list(enumerate(value))
        else:
            items = []
        if not items:
            self.nodes(node.inverse, frame, out)
            return
        for index, (key, item) in enumerate(items):
            data = {
                **frame.data,
                "index": index,
                "key": key,
                "first": index == 0,
                "last": index == len(items) - 1,
            }
            self.nodes(node.body, _Frame(item, data, frame), out)


@functools.lru_cache(maxsize=256)
def compile_template(source: str) -> Callable[[Mapping[str, Any]], str]:
    """The template ``source`` as a function of its data; :class:`TemplateSyntaxError`
    when it cannot be read."""
    nodes, partials = _parse(_tokens(source))
    renderer = _Renderer(partials)

    def render_with(data: Mapping[str, Any]) -> str:
        out: list[str] = []
        renderer.nodes(nodes, _Frame(data, {}), out)
        return "".join(out)

    return render_with


def render(source: str | None, data: Mapping[str, Any]) -> str | None:
    """``source`` filled with ``data``; :class:`RenderingFailure` when a printed value is
    missing, :class:`TemplateSyntaxError` when the template cannot be read."""
    if source is None:
        return None
    return compile_template(source)(data)
