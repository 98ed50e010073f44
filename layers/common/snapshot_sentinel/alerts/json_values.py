"""Tolerant readers of JSON values: what a state machine sent, whatever its shape, read without
raising. Every report that reads a run's record (alerts, restore, drills) coerces through these.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any


def mapping(value: Any) -> Mapping[str, Any]:
    """``value`` when it is a JSON object, else an empty one."""
    return value if isinstance(value, Mapping) else {}


def sequence(value: Any) -> Sequence[Any]:
    """``value`` when it is a JSON array, else an empty one."""
    return value if isinstance(value, list | tuple) else ()


def text(value: Any) -> str:
    """A scalar as stripped text ("" for None and containers), always encodable as UTF-8."""
    if value is None or isinstance(value, Mapping | list | tuple):
        return ""
    return str(value).strip().encode("utf-8", "replace").decode("utf-8")


def integer(value: Any) -> int | None:
    """``value`` as a whole number (never a boolean), or None."""
    if isinstance(value, bool):
        return None
    try:
        return int(value)
    except (TypeError, ValueError, OverflowError):
        return None


def as_json(value: Any) -> str:
    """``value`` as JSON text, whatever it holds (its repr when it cannot be dumped)."""
    try:
        dumped = json.dumps(value, ensure_ascii=False, default=str, sort_keys=True)
    except (TypeError, ValueError, RecursionError):
        dumped = repr(value)
    return dumped.encode("utf-8", "replace").decode("utf-8")


def clip(value: str, limit: int) -> str:
    """``value`` cut to about ``limit`` characters, saying how many were left out."""
    if len(value) <= limit:
        return value
    kept = max(limit - 40, limit // 2)
    return f"{value[:kept]} ... [{len(value) - kept} more characters]"


def one_line(value: str, limit: int) -> str:
    """``value`` on one line (runs of whitespace as one space), clipped."""
    return clip(" ".join(value.split()), limit)
