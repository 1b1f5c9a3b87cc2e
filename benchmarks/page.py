"""A page `make bench` measures: what load.py drives and targets.py builds."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Page:
    key: str
    label: str
    role: str | None
    min_ratio: float | None = None
    max_p99_ms: float | None = None
    targets: list[tuple[str, str]] = field(default_factory=list)  # (path, cookie)
