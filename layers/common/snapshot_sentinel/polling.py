"""When to look at a running snapshot again: ETA-driven waits inside the execution history quota.

Pure: progress and times in, seconds out. The check step reads progress from
``GET _snapshot/<repo>/<name>/_status`` and this module turns it into the next wait:

- **ETA.** The rate so far (fraction done over time elapsed since the snapshot started)
  predicts the remainder; the next wait is half of it, so the checks close in on the end
  geometrically: a six-hour snapshot takes about a dozen checks instead of 360 at 60 s.
- **Floor.** Never less than the run's poll interval, raised when the deadline is far enough
  that checks at that interval could exhaust the history quota (:func:`minimum_wait_seconds`).
  Without progress (nothing copied yet, or ``_status`` unreadable) the floor is the wait.
- **Ceiling.** Never past the deadline: the check at the deadline raises the deadline alert.

**The history quota.** AWS fails an execution whose history reaches 25,000 events, with no
Catch and no alert. Each check costs at most :data:`EVENTS_PER_POLL_MAX` events (the Wait, the
Task with every retry its Retry allows, the Choice) and the rest of a run at most
:data:`EVENTS_OUTSIDE_POLLS_MAX`; ``tests/unit/test_polling.py`` derives both from the
definition. Every wait but the last (cut at the deadline) is at least the floor, so a run makes
at most ``max_wait / floor + 1`` checks; the floor is chosen so that this many checks at their
worst stay within :data:`HISTORY_EVENTS_BUDGET` (20,000: a fifth of the quota left as margin).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any

HISTORY_EVENTS_BUDGET = 20_000
"""Events a run may use at most, whatever its parameters (AWS's hard quota is 25,000)."""

EVENTS_PER_POLL_MAX = 33
"""Worst case of one check: Wait (2) + Task entered/exited (2) + 9 attempts of 3 events each
(1 + 5 transient-error retries + 3 Lambda-service retries) + Choice (2)."""

EVENTS_OUTSIDE_POLLS_MAX = 300
"""Worst case of everything else in a run (input, take step with all its retries, retention,
alert, the end), with room for a few more states."""

MAX_POLLS = (HISTORY_EVENTS_BUDGET - EVENTS_OUTSIDE_POLLS_MAX) // EVENTS_PER_POLL_MAX
"""Checks a run may make at worst."""


def minimum_wait_seconds(poll_interval_seconds: int, max_wait_seconds: float) -> int:
    """The floor of every wait: the poll interval, or more when the deadline is so far away that
    checks at the poll interval could pass :data:`MAX_POLLS` (one check is kept for the deadline)."""
    return max(poll_interval_seconds, math.ceil(max_wait_seconds / (MAX_POLLS - 1)))


def longest_run_polls(poll_interval_seconds: int, max_wait_seconds: float) -> int:
    """Checks of the longest run the parameters allow: every wait at the floor, then one at the deadline."""
    return math.floor(max_wait_seconds / minimum_wait_seconds(poll_interval_seconds, max_wait_seconds)) + 1


def longest_run_events(poll_interval_seconds: int, max_wait_seconds: float) -> int:
    """History events of that run, every check and step at its worst."""
    return EVENTS_OUTSIDE_POLLS_MAX + EVENTS_PER_POLL_MAX * longest_run_polls(poll_interval_seconds, max_wait_seconds)


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
