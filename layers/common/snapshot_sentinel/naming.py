"""Snapshot names: the domain's validation rules, and the managed name of a run."""

from __future__ import annotations

from datetime import UTC, datetime

FORBIDDEN_CHARACTERS = frozenset('\\/*?"<>|')
MAX_NAME_BYTES = 255


def name_problem(name: str) -> str | None:
    """Why the domain would reject ``name`` (rules of invalid_snapshot_name_exception), or None.

    The checks run in the engine's order, so the first problem is the one the domain reports.
    """
    if not name:
        return "cannot be empty"
    if any(ch.isspace() for ch in name):
        return "must not contain whitespace"
    if "," in name:
        return "must not contain ','"
    if "#" in name:
        return "must not contain '#'"
    if name.startswith("_"):
        return "must not start with '_'"
    if name != name.lower():
        return "must be lowercase"
    if FORBIDDEN_CHARACTERS & set(name):
        return 'must not contain the following characters [ , ", *, \\, <, |, ,, >, /, ?]'
    if len(name.encode()) > MAX_NAME_BYTES:
        return f"must be at most {MAX_NAME_BYTES} bytes"
    return None


def managed_snapshot_name(prefix: str, started_at: datetime) -> str:
    """``<prefix>-<UTC timestamp>``, lowercase so the domain accepts it: ``nightly-2026-11-28t02-00-00z``."""
    stamp = started_at.astimezone(UTC).strftime("%Y-%m-%dt%H-%M-%Sz")
    return f"{prefix}-{stamp}"
