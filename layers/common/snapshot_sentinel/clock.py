"""Time: the one place the domain code asks for it (so tests can run it on a virtual clock), and
when to look at a running snapshot or restore again: ETA-driven waits inside the history quota.

Pure: progress and times in, seconds out. One rule for every polling loop of every state machine
(the backup's snapshot, the restore's safety snapshot and its restore, the drill's restore); the
check step reads progress (a snapshot's ``_status``, a restore's ``_recovery``) and this module
turns it into the next wait:

- **ETA.** The rate so far (fraction done over time elapsed since the work started) predicts the
  remainder; the next wait is half of it, so the checks close in on the end geometrically: a
  six-hour snapshot takes about a dozen checks instead of 360 at 60 s.
- **Floor.** Never less than the run's poll interval, raised when the deadline is far enough that
  checks at that interval could exhaust the history quota (:meth:`HistoryBudget.minimum_wait_seconds`).
  Without progress (nothing copied yet, or the progress read failed) the floor is the wait.
- **Ceiling.** Never past the deadline: the check at the deadline raises the deadline alert (and a
  drill goes on to its clean-up).

**The history quota.** AWS fails an execution whose history reaches 25,000 events, with no Catch
and no alert. Each state machine has a :class:`HistoryBudget`: each check costs at most
``events_per_check`` events (the Wait, the Task with every retry its Retry allows, the Choice) and
the rest of a run at most ``events_outside_checks``; ``tests/unit/test_clock.py`` derives both
from each definition. Every wait but the last (cut at the deadline) is at least the floor, so a
loop makes at most ``max_wait / floor + 1`` checks; the floor is chosen so that this many checks
at their worst, in every loop a run may enter, stay within :data:`HISTORY_EVENTS_BUDGET` (20,000:
a fifth of the quota left as margin). A restore that replaces indices watches two things (its
safety snapshot, then the restore), each up to its own deadline: its two loops share the budget.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any


def utc_now() -> datetime:
    return datetime.now(UTC)


def parse_timestamp(value: str) -> datetime:
    """An ISO 8601 timestamp as Step Functions and the domain write it (``Z`` or offset)."""
    moment = datetime.fromisoformat(value.strip())
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


HISTORY_EVENTS_BUDGET = 20_000
"""Events a run may use at most, whatever its parameters (AWS's hard quota is 25,000)."""


@dataclass(frozen=True)
class HistoryBudget:
    """One state machine's worst case in history events, and the wait floor that keeps it in budget."""

    events_per_check: int
    """Worst case of one check: Wait (2) + Task entered/exited (2) + 9 attempts of 3 events each
    (1 + 5 transient-error retries + 3 Lambda-service retries) + Choice (2)."""
    events_outside_checks: int
    """Worst case of everything else in a run (every other state once, each Task with all its
    retries, the alert, the end), with room for a few more states."""

    def max_checks(self, loops: int = 1) -> int:
        """Checks one loop may make at worst when a run enters ``loops`` polling loops (they share the budget)."""
        return (HISTORY_EVENTS_BUDGET - self.events_outside_checks) // self.events_per_check // loops

    def minimum_wait_seconds(self, poll_interval_seconds: int, max_wait_seconds: float, loops: int = 1) -> int:
        """The floor of every wait: the poll interval, or more when the deadline is so far away that
        checks at the poll interval could pass :meth:`max_checks` (one check is kept for the deadline)."""
        return max(poll_interval_seconds, math.ceil(max_wait_seconds / (self.max_checks(loops) - 1)))

    def longest_loop_checks(self, poll_interval_seconds: int, max_wait_seconds: float, loops: int = 1) -> int:
        """Checks of the longest loop the parameters allow: every wait at the floor, then one at the deadline."""
        floor = self.minimum_wait_seconds(poll_interval_seconds, max_wait_seconds, loops)
        return math.floor(max_wait_seconds / floor) + 1

    def longest_run_events(self, poll_interval_seconds: int, max_wait_seconds: float, loops: int = 1) -> int:
        """History events of the longest run through ``loops`` loops, every check and step at its worst."""
        checks = self.longest_loop_checks(poll_interval_seconds, max_wait_seconds, loops)
        return self.events_outside_checks + loops * self.events_per_check * checks


BACKUP = HistoryBudget(events_per_check=33, events_outside_checks=300)
"""BackupStateMachine: one loop (the snapshot)."""
RESTORE = HistoryBudget(events_per_check=33, events_outside_checks=400)
"""RestoreStateMachine: the restore's loop, and before it the safety snapshot's when indices are
replaced (``loops=2`` for both then)."""
DRILL = HistoryBudget(events_per_check=33, events_outside_checks=300)
"""DrillStateMachine: one loop (the drill's restore), then always its clean-up and report."""

EVENTS_PER_POLL_MAX = BACKUP.events_per_check
EVENTS_OUTSIDE_POLLS_MAX = BACKUP.events_outside_checks
MAX_POLLS = BACKUP.max_checks()
"""Checks a backup run may make at worst."""


def minimum_wait_seconds(
    poll_interval_seconds: int, max_wait_seconds: float, budget: HistoryBudget = BACKUP, loops: int = 1
) -> int:
    """:meth:`HistoryBudget.minimum_wait_seconds` of ``budget`` (the backup's by default)."""
    return budget.minimum_wait_seconds(poll_interval_seconds, max_wait_seconds, loops)


def longest_run_polls(poll_interval_seconds: int, max_wait_seconds: float) -> int:
    """Checks of the longest backup run the parameters allow."""
    return BACKUP.longest_loop_checks(poll_interval_seconds, max_wait_seconds)


def longest_run_events(poll_interval_seconds: int, max_wait_seconds: float) -> int:
    """History events of that run, every check and step at its worst."""
    return BACKUP.longest_run_events(poll_interval_seconds, max_wait_seconds)


@dataclass(frozen=True)
class Progress:
    """Where a running snapshot is, from ``_status``: shards and bytes done out of total."""

    shards_done: int = 0
    shards_total: int = 0
    bytes_done: int = 0
    bytes_total: int = 0

    @classmethod
    def from_status(cls, entry: dict[str, Any]) -> Progress:
        """One entry of ``_status``'s ``snapshots``. ``stats.processed`` is written only while it
        differs from ``incremental`` (the bytes this snapshot must copy): absent means all copied."""
        shards = entry.get("shards_stats") or {}
        stats = entry.get("stats") or {}
        incremental = stats.get("incremental") or {}
        processed = stats.get("processed") or incremental
        return cls(
            shards_done=int(shards.get("done", 0)) + int(shards.get("failed", 0)),
            shards_total=int(shards.get("total", 0)),
            bytes_done=int(processed.get("size_in_bytes", 0)),
            bytes_total=int(incremental.get("size_in_bytes", 0)),
        )

    @classmethod
    def from_recoveries(cls, recoveries: Mapping[str, Sequence[Mapping[str, Any]]]) -> Progress:
        """``<indices>/_recovery``, by index: every shard copy listed, DONE or not, and the bytes
        each must copy (``total`` less ``reused``) against those it has. A copy not started yet is
        not listed, so the fraction runs ahead of the truth: the wait errs shorter, never longer."""
        shards_done = shards_total = bytes_done = bytes_total = 0
        for shards in recoveries.values():
            for shard in shards:
                shards_total += 1
                shards_done += shard.get("stage") == "DONE"
                size = (shard.get("index") or {}).get("size") or {}
                to_copy = max(0, int(size.get("total_in_bytes") or 0) - int(size.get("reused_in_bytes") or 0))
                bytes_total += to_copy
                bytes_done += min(to_copy, int(size.get("recovered_in_bytes") or 0))
        return cls(shards_done=shards_done, shards_total=shards_total, bytes_done=bytes_done, bytes_total=bytes_total)

    @property
    def fraction(self) -> float | None:
        """Share done, by bytes when the snapshot has bytes to copy, else by shards; None if unknown."""
        if self.bytes_total > 0:
            return min(1.0, self.bytes_done / self.bytes_total)
        if self.shards_total > 0:
            return min(1.0, self.shards_done / self.shards_total)
        return None

    def to_dict(self) -> dict[str, Any]:
        fraction = self.fraction
        return {
            "shards_done": self.shards_done,
            "shards_total": self.shards_total,
            "bytes_done": self.bytes_done,
            "bytes_total": self.bytes_total,
            "percent": None if fraction is None else round(100 * fraction, 1),
        }


def predicted_remaining_seconds(progress: Progress | None, *, started: datetime | None, now: datetime) -> float | None:
    """Seconds left at the rate so far; None while nothing is done or the start is unknown."""
    fraction = progress.fraction if progress else None
    if fraction is None or fraction <= 0 or started is None:
        return None
    elapsed = max(0.0, (now - started).total_seconds())
    return elapsed * (1 - fraction) / fraction


def next_wait_seconds(remaining: float | None, *, floor_seconds: int, now: datetime, deadline: datetime) -> int:
    """About half the predicted remainder, at least ``floor_seconds``, never past the deadline."""
    wait = floor_seconds if remaining is None else max(floor_seconds, math.ceil(remaining / 2))
    until_deadline = math.ceil((deadline - now).total_seconds())
    return max(1, min(wait, until_deadline))


def remaining_text(seconds: float | None) -> str | None:
    """ "about 40 minutes left" (rounded as a person would say it)."""
    if seconds is None:
        return None
    minutes = seconds / 60
    if minutes < 1:
        return "less than a minute left"
    if minutes < 90:
        count = round(minutes)
        return f"about {count} minute{'s' if count != 1 else ''} left"
    hours = minutes / 60
    if hours < 36:
        return f"about {round(hours * 2) / 2:g} hours left"
    return f"about {round(hours / 24, 1):g} days left"


def wait_facts(
    progress: Progress | None, *, started: datetime | None, now: datetime, deadline: datetime, floor_seconds: int
) -> dict[str, Any]:
    """What a restore's or a drill's check carries for its Wait state and its report: progress, the
    predicted remainder in words, the floor and the next wait (:func:`next_wait_seconds`)."""
    remaining = predicted_remaining_seconds(progress, started=started, now=now)
    return {
        "progress": progress.to_dict() if progress is not None else None,
        "remaining_seconds": None if remaining is None else round(remaining),
        "remaining_text": remaining_text(remaining),
        "min_wait_seconds": floor_seconds,
        "next_wait_seconds": next_wait_seconds(remaining, floor_seconds=floor_seconds, now=now, deadline=deadline),
    }
