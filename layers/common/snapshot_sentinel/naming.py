"""Snapshot names (the domain's validation rules, the managed name of a run) and counted nouns as a
person writes them ("1 index", "4 indices", "0 blockers"). Pure."""

from __future__ import annotations

import re
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


_STAMP = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})t([0-9]{2})-([0-9]{2})-([0-9]{2})z")
"""The UTC timestamp of a managed name (``2026-11-28t02-00-00z``), lowercase so the domain accepts it."""

SUBSET_SUFFIX = "-subset"
"""Ends the name a run derives when the caller gave ``indices`` but no ``snapshot_name``."""


def managed_snapshot_name(prefix: str, started_at: datetime) -> str:
    """``<prefix>-<UTC timestamp>``, lowercase so the domain accepts it: ``nightly-2026-11-28t02-00-00z``."""
    t = started_at.astimezone(UTC)
    return f"{prefix}-{t.year:04d}-{t.month:02d}-{t.day:02d}t{t.hour:02d}-{t.minute:02d}-{t.second:02d}z"


def run_snapshot_name(prefix: str, started_at: datetime, *, subset: bool) -> str:
    """The name a run derives when its input gives none.

    A run of the default (full) set of indices gets the managed name; a run of a caller's subset
    gets the managed name followed by ``-subset``, which is outside the managed format: retention
    never prunes it, and it can never count as a full backup, on every engine generation
    (Elasticsearch before 7.3 keeps no metadata to record the scope in).
    """
    name = managed_snapshot_name(prefix, started_at)
    return name + SUBSET_SUFFIX if subset else name


def is_managed_name(prefix: str, name: str) -> bool:
    """True when ``name`` is exactly ``<prefix>-<UTC timestamp>`` as :func:`managed_snapshot_name` writes it.

    Nothing before, nothing after, a real date: ``nightly-2026-11-28t02-00-00z`` is, while
    ``nightly-archive-before-migration``, ``nightly-before-upgrade-2-17``,
    ``nightly-2026-11-28t02-00-00z-subset`` and ``nightly-2026-13-01t00-00-00z`` are not.
    """
    head = f"{prefix}-"
    if not prefix or not name.startswith(head):
        return False
    match = _STAMP.fullmatch(name, len(head))
    if match is None:
        return False
    year, month, day, hour, minute, second = (int(part) for part in match.groups())
    try:
        datetime(year, month, day, hour, minute, second, tzinfo=UTC)
    except ValueError:
        return False
    return True


PLURALS = {"index": "indices", "replica": "replicas"}


def plural(count: int, noun: str) -> str:
    """``noun`` for ``count`` of it: itself for exactly one, else its plural (of its last word:
    "restored index" -> "restored indices")."""
    if count == 1:
        return noun
    *before, last = noun.split(" ")
    return " ".join([*before, PLURALS.get(last, last + "s")])


def counted(count: int, noun: str) -> str:
    """``"1 index"``, ``"4 indices"``: the count and its noun, agreeing."""
    return f"{count} {plural(count, noun)}"
