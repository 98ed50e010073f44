"""A drill's input: ``{"snapshot_name", "indices", "keep_restored"}``, all optional; anything else is
refused with the key named. Pure."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from snapshot_sentinel.errors import InvalidInputError
from snapshot_sentinel.inputs import input_size

INPUT_KEYS = ("snapshot_name", "indices", "keep_restored")


def index_patterns(value: Any, field: str) -> list[str] | None:
    """Index names or patterns from a comma-separated string or a list; None for none. ``field`` names
    the input key (or parameter) in the error."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return [p.strip() for p in value.split(",") if p.strip()] or None
    if isinstance(value, list) and all(isinstance(v, str) and v for v in value):
        return list(value)
    raise InvalidInputError(f"{field} must be a comma-separated string or a list of index names/patterns")


def validate_drill_input(raw: Any) -> dict[str, Any]:
    """``{"snapshot_name", "indices", "keep_restored"}``, all optional; anything else is refused."""
    if raw is None:
        raw = {}
    input_size(raw, "drill")
    if not isinstance(raw, Mapping):
        raise InvalidInputError('the drill input must be a JSON object such as {"keep_restored": false}')
    unknown = sorted(set(raw) - set(INPUT_KEYS))
    if unknown:
        raise InvalidInputError(
            f"unknown input key {unknown[0]!r}; a drill accepts only {', '.join(INPUT_KEYS)} (remove {unknown[0]!r})"
        )
    name = raw.get("snapshot_name")
    if name is not None and (not isinstance(name, str) or not name):
        raise InvalidInputError("snapshot_name must be a non-empty string (a snapshot of the repository)")
    keep = raw.get("keep_restored", False)
    if not isinstance(keep, bool):
        raise InvalidInputError("keep_restored must be true or false")
    return {"snapshot_name": name, "indices": index_patterns(raw.get("indices"), "indices"), "keep_restored": keep}
