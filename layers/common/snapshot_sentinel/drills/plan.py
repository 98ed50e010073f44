"""The drill planner: which indices of a snapshot a restore drill proves, within its cost caps.

Pure, like the retention and restore planners: the property tests prove its rules over arbitrary
snapshots. A drill restores a sample, not the whole snapshot, because it costs shards and disk on
a live (or scratch) domain every week. The sample:

- never holds a system index (a dot-index), whatever the pattern says;
- stays within ``DrillMaxShards`` primaries and ``DrillMaxGigabytes`` of primary store in total;
- always holds the largest index that fits the caps on its own: the worst case is what a restore
  on the bad day looks like;
- then prefers indices that were not written while the snapshot ran (the catalog recorded the same
  document count before and after it), because their restored count must match exactly; smaller
  ones first, so the sample covers as many indices as the caps allow;
- restores each index as ``drill-<snapshot start>-<run>-<index>``, a name no live index or alias
  holds, where ``<run>`` is a token of the drill's own execution: two drills of the same snapshot at
  once (a schedule delivered twice, a drill started by hand during the scheduled one) never plan,
  restore, verify or delete the same name.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from snapshot_sentinel.errors import InvalidInputError
from snapshot_sentinel.restore.selection import MAX_INDEX_NAME_BYTES, is_system_index, resolve_patterns

DRILL_PREFIX = "drill-"
GIB = 1024**3
SAMPLE = 20
"""Left-out entries the plan carries through Step Functions state (the counts are complete)."""
MAX_PICKS = 50
"""Indices one drill restores at most, whatever DrillMaxShards and DrillMaxGigabytes allow: each pick is
carried through Step Functions state three times (plan, verification, clean-up), about 2 KB at the
longest names, and a run's state must stay under 256 KB (tests/statemachine/test_scale.py)."""


@dataclass(frozen=True)
class IndexCandidate:
    """One index of the snapshot, with what the catalog recorded around the snapshot."""

    name: str
    primaries: int
    size_bytes: int
    docs_before: int | None = None
    docs_after: int | None = None
    writes: int | None = None
    """Write operations during the snapshot, when the catalog recorded them."""

    @property
    def quiet(self) -> bool:
        """Not written while the snapshot ran: its restored count must equal the recorded one."""
        return self.docs_before is not None and self.docs_before == self.docs_after and not self.writes


@dataclass(frozen=True)
class DrillCaps:
    max_shards: int
    max_bytes: int

    @classmethod
    def from_gigabytes(cls, max_shards: int, max_gigabytes: float) -> DrillCaps:
        return cls(max_shards=max_shards, max_bytes=int(max_gigabytes * GIB))


@dataclass(frozen=True)
class Pick:
    source: str
    target: str
    primaries: int
    size_bytes: int
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "target": self.target,
            "primaries": self.primaries,
            "size_bytes": self.size_bytes,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class LeftOut:
    name: str
    reason: str


@dataclass(frozen=True)
class DrillSample:
    picks: tuple[Pick, ...]
    left_out: tuple[LeftOut, ...]

    @property
    def shards(self) -> int:
        return sum(p.primaries for p in self.picks)

    @property
    def size_bytes(self) -> int:
        return sum(p.size_bytes for p in self.picks)

    def summary(self) -> dict[str, Any]:
        """Bounded: every pick (the caps bound them) and a sample of what was left out."""
        return {
            "indices": [p.to_dict() for p in self.picks],
            "shards": self.shards,
            "size_bytes": self.size_bytes,
            "left_out_count": len(self.left_out),
            "left_out_sample": [{"index": o.name, "reason": o.reason} for o in self.left_out[:SAMPLE]],
        }


RUN_TOKEN_CHARS = 8
"""Hex characters of the execution's token: 32 bits, so two drills that overlap in time share a token
with a chance of about one in four billion (and even then the start refuses a held name)."""


def drill_stamp(snapshot_start: datetime) -> str:
    return snapshot_start.astimezone(UTC).strftime("%Y%m%dt%H%M%Sz")


def run_token(execution_id: str) -> str:
    """A short, lower-case token of one execution (its ARN): the same for every step and retry of
    that execution, different for any other."""
    if not execution_id:
        raise InvalidInputError("execution_id is missing: the drill's names are its execution's ($$.Execution.Id)")
    return hashlib.sha256(execution_id.encode()).hexdigest()[:RUN_TOKEN_CHARS]


def drill_prefix(snapshot_start: datetime, execution_id: str) -> str:
    """``drill-<snapshot start>-<run>-``: what every index of one drill execution is named with."""
    return f"{DRILL_PREFIX}{drill_stamp(snapshot_start)}-{run_token(execution_id)}-"


def drill_target(prefix: str, index: str) -> str:
    """``<prefix><index>``; a name past the engine's 255 bytes keeps a hash of the rest."""
    name = f"{prefix}{index}"
    if len(name.encode()) <= MAX_INDEX_NAME_BYTES:
        return name
    digest = hashlib.sha256(index.encode()).hexdigest()[:12]
    head = name.encode()[: MAX_INDEX_NAME_BYTES - len(digest) - 1].decode("utf-8", "ignore")
    return f"{head}-{digest}"


def is_drill_index(name: str, prefix: str) -> bool:
    """Whether ``name`` carries this drill execution's own prefix (clean-up checks both this and the
    drill's own picks before deleting anything)."""
    return prefix.startswith(DRILL_PREFIX) and name.startswith(prefix) and len(name) > len(prefix)


def sample_indices(
    candidates: Sequence[IndexCandidate],
    caps: DrillCaps,
    *,
    prefix: str,
    patterns: Sequence[str] | None = None,
    existing: Iterable[str] = (),
) -> DrillSample:
    """The indices a drill restores, each with why; everything else is left out with why."""
    chosen, _, missing = resolve_patterns([c.name for c in candidates], patterns)
    chosen_set = set(chosen)
    taken = set(existing)
    left_out = [LeftOut(name, "the snapshot holds no such index") for name in missing]
    eligible: list[IndexCandidate] = []
    for candidate in candidates:
        if is_system_index(candidate.name):
            left_out.append(LeftOut(candidate.name, "system index: drills never restore one"))
        elif candidate.name not in chosen_set:
            left_out.append(LeftOut(candidate.name, "not matched by DrillIndices"))
        elif candidate.primaries > caps.max_shards or candidate.size_bytes > caps.max_bytes:
            left_out.append(LeftOut(candidate.name, _over_caps(candidate, caps)))
        elif drill_target(prefix, candidate.name) in taken:
            left_out.append(LeftOut(candidate.name, "its drill name is held by a live index; clean that up first"))
        else:
            eligible.append(candidate)

    picks: list[Pick] = []
    shards = size = 0
    if eligible:
        largest = max(eligible, key=lambda c: (c.size_bytes, c.primaries, c.name))
        picks.append(_pick(largest, prefix, "the largest index that fits the caps: the worst case"))
        shards, size = largest.primaries, largest.size_bytes
        rest = sorted(
            (c for c in eligible if c is not largest),
            key=lambda c: (not c.quiet, c.size_bytes, c.primaries, c.name),
        )
        for candidate in rest:
            if len(picks) >= MAX_PICKS:
                full = f"the sample is full ({MAX_PICKS} indices: what a run carries)"
                left_out.append(LeftOut(candidate.name, full))
                continue
            if shards + candidate.primaries > caps.max_shards or size + candidate.size_bytes > caps.max_bytes:
                left_out.append(LeftOut(candidate.name, "the sample is full (DrillMaxShards / DrillMaxGigabytes)"))
                continue
            reason = (
                "not written during the snapshot: its count must match exactly"
                if candidate.quiet
                else "written during the snapshot: its count must lie within what those writes allow"
            )
            picks.append(_pick(candidate, prefix, reason))
            shards += candidate.primaries
            size += candidate.size_bytes
    return DrillSample(tuple(picks), tuple(left_out))


def _pick(candidate: IndexCandidate, prefix: str, reason: str) -> Pick:
    return Pick(
        source=candidate.name,
        target=drill_target(prefix, candidate.name),
        primaries=candidate.primaries,
        size_bytes=candidate.size_bytes,
        reason=reason,
    )


def _over_caps(candidate: IndexCandidate, caps: DrillCaps) -> str:
    if candidate.primaries > caps.max_shards:
        return f"{candidate.primaries} primary shards, over DrillMaxShards ({caps.max_shards})"
    return f"{candidate.size_bytes / GIB:.1f} GiB, over DrillMaxGigabytes ({caps.max_bytes / GIB:.1f})"
