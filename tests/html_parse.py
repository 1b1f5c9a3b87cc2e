"""A few helpers that read rendered pages as HTML elements (stdlib parser, no extra dependency)."""

from __future__ import annotations

from html.parser import HTMLParser


class _Collector(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, {k: (v if v is not None else "") for k, v in attrs}))

    handle_startendtag = handle_starttag


def elements(html: str, tag: str | None = None, **attrs) -> list[dict]:
    """Start tags of ``tag`` (any if None) whose attributes contain ``attrs`` (``class_`` for class words)."""
    collector = _Collector()
    collector.feed(html)
    wanted_class = attrs.pop("class_", None)
    found = []
    for name, have in collector.elements:
        if tag and name != tag:
            continue
        if any(have.get(k.replace("_", "-")) != v for k, v in attrs.items()):
            continue
        if wanted_class and wanted_class not in have.get("class", "").split():
            continue
        found.append({"tag": name, **have})
    return found
