"""Input fields the backup and the restore state machines check the same way.

Pure: plain values in, the value or an ``InvalidInputError`` naming the field and the fix out.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from snapshot_sentinel.errors import InvalidInputError

MIN_POLL_SECONDS = 1
MAX_POLL_SECONDS = 3600
MAX_INPUT_BYTES = 16 * 1024
"""The largest input a run accepts. Step Functions fails an execution whose state passes 256 KB with
no Catch and no alert; a run's state carries its input twice (as given, and validated) beside its own
facts, so an input is kept to a size that leaves those facts their room whatever else is at its
largest. 16 KB names hundreds of indices; a pattern names thousands."""


def _input_bytes(data: Any) -> int:
    return len(json.dumps(data, separators=(",", ":"), ensure_ascii=False, default=str).encode())


def input_size(data: Any, what: str) -> None:
    """Refuse an input over :data:`MAX_INPUT_BYTES` (UTF-8 bytes of its compact JSON) before any other
    check, so no error quotes a value that size."""
    size = _input_bytes(data)
    if size > MAX_INPUT_BYTES:
        raise InvalidInputError(
            f"the {what} input is {size:,} bytes; at most {MAX_INPUT_BYTES:,} are accepted (Step Functions carries "
            'it in every state of the run): name indices by wildcard patterns such as "logs-2026.11.*" instead'
        )


def input_object(data: Any, what: str, example: str, keys: Mapping[str, str]) -> Mapping[str, Any]:
    """The ``what`` input as a JSON object of known fields: refuse one over :data:`MAX_INPUT_BYTES`, one
    that is not an object (quoting ``example``), and any field not in ``keys`` (field: meaning), naming
    the allowed ones."""
    input_size(data, what)
    if not isinstance(data, Mapping):
        raise InvalidInputError(f"the input must be a JSON object such as {example}, got {data!r}")
    unknown = sorted(set(data) - set(keys))
    if unknown:
        allowed = "; ".join(f"{key}: {meaning}" for key, meaning in keys.items())
        raise InvalidInputError(
            f"unknown input field(s) {', '.join(map(repr, unknown))}; the allowed fields are {allowed}"
        )
    return data


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


def quotable_input(data: Any) -> Any:
    """The input as a report may quote it: whole up to :data:`MAX_INPUT_BYTES`, else only its size (an
    SNS message holds 256 KB, and the input that was refused for its size would not fit)."""
    size = _input_bytes(data)
    if size <= MAX_INPUT_BYTES:
        return data
    return {"not_quoted": f"the input is {size:,} bytes, over the {MAX_INPUT_BYTES:,} accepted"}
