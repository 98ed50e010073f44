"""Input fields the backup and the restore state machines check the same way.

Pure: plain values in, the value or an ``InvalidInputError`` naming the field and the fix out.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from snapshot_sentinel.errors import InvalidInputError

MIN_POLL_SECONDS = 1
MAX_POLL_SECONDS = 3600


def poll_interval(data: Mapping[str, Any], default: int) -> int:
    """``poll_interval_seconds``: a whole number of seconds within the bounds, ``default`` if absent."""
    value = data.get("poll_interval_seconds", default)
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInputError(f"input field 'poll_interval_seconds' must be a whole number of seconds, got {value!r}")
    if not MIN_POLL_SECONDS <= value <= MAX_POLL_SECONDS:
        raise InvalidInputError(
            f"input field 'poll_interval_seconds' must be between {MIN_POLL_SECONDS} and {MAX_POLL_SECONDS}, "
            f"got {value}"
        )
    return value


def index_parts(value: Any, *, example: str) -> list[str]:
    """``indices`` as a comma string or a list of strings, split into stripped entries; anything
    else is an error quoting ``example``. The callers decide which entries they accept."""
    if isinstance(value, str):
        return [part.strip() for part in value.split(",")]
    if isinstance(value, list) and all(isinstance(part, str) for part in value):
        return [part.strip() for part in value]
    raise InvalidInputError(
        f"input field 'indices' must be a comma string or a list of strings such as \"{example}\", got {value!r}"
    )
