"""The restore planner: snapshot + input + the live cluster -> one decision per index, each with a reason.

Pure, like retention's planner: the property tests prove its rules over arbitrary clusters, and
the steps that act (safety snapshot, delete, restore) only ever do what a fresh plan says.

Decisions, per index of the snapshot:

- ``restore``: restored under its target name, which no index or alias holds.
- ``replace`` (``on_conflict: "delete"`` only): the target is an existing open index; it is saved
  in a safety snapshot, then closed (set aside: its name stays taken, so a live writer's next
  document fails with index_closed_exception instead of creating a fresh index) and restored over;
  if the restore cannot go ahead it is reopened as it was. The engine restores over a closed index
  only with the same number of primary shards: when the backup recorded the snapshot's count and it
  differs from the live one, the plan blocks, naming both.
- ``skip``: left out, with the reason (system index not named exactly, failed shards in a
  PARTIAL snapshot, not selected).
- ``block``: the restore cannot go ahead safely; the run fails before touching anything.

Blockers: a snapshot that is not SUCCESS or PARTIAL; a name in ``indices`` the snapshot lacks; an
invalid or shared target name; the security index; a target held by an existing index (with
``on_conflict: "fail"``), by a closed index (it cannot be snapshotted first) or by an alias; a
conflict to replace on a stack whose repository is read-only (nowhere to put the safety
snapshot) or with another shard count than the snapshot's; nothing left to restore; and
primaries that alone exceed the cluster's shard limit.

Aliases: :mod:`.aliases` decides which of the snapshot's aliases come back (never one that has
moved to other indices since), from the live aliases and what the backup recorded.
"""

from __future__ import annotations

import hashlib
import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from snapshot_sentinel.models import PARTIAL, SUCCESS, SnapshotInfo, iso
from snapshot_sentinel.restore.aliases import AliasPlan, BackupRecord, plan_aliases
from snapshot_sentinel.restore.selection import Rename, select
from snapshot_sentinel.restore.snapshots import older_holders

SAMPLE = 20
"""Entries of each list the plan's summary carries through Step Functions state."""

DEFAULT_MAX_SHARDS_PER_NODE = 1000
ASSUMED_REPLICAS = 1


class Action(StrEnum):
    RESTORE = "restore"
    REPLACE = "replace"
    SKIP = "skip"
    BLOCK = "block"


@dataclass(frozen=True)
class Decision:
    source: str
    target: str | None
    action: Action
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source, "target": self.target, "action": str(self.action), "reason": self.reason}


@dataclass(frozen=True)
class ClusterFacts:
    """What the planner needs to know about the live cluster."""

    indices: Mapping[str, str]
    """Every existing index (hidden and closed included) -> ``open`` or ``close``."""
    aliases: frozenset[str] = frozenset()
    alias_holders: Mapping[str, frozenset[str]] = field(default_factory=dict)
    """Every alias -> the indices it points at now."""
    primaries: Mapping[str, int] = field(default_factory=dict)
    """Every index -> its primary shards."""
    max_shards_per_node: int = DEFAULT_MAX_SHARDS_PER_NODE
    data_nodes: int = 1
    open_shards: int = 0


@dataclass(frozen=True)
class RestoreOptions:
    indices: Sequence[str] | None = None
    rename: Rename | None = None
    on_conflict: str = "fail"
    replicas: int | None = None
    """``index.number_of_replicas`` from index_settings, when the input sets it."""
    safety_snapshot_possible: bool = True
    """False on a read-only stack: there is nowhere to write a safety snapshot."""
    include_aliases: bool = False
    """The input asks for the snapshot's aliases (the plan restores those that have not moved)."""
    set_aside: bool = False
    """The steps after the safety snapshot: a closed target is one this run closed to restore over."""


@dataclass(frozen=True)
class RestorePlan:
    snapshot: SnapshotInfo
    repository: str
    decisions: tuple[Decision, ...]
    blockers: tuple[str, ...]
    headroom: dict[str, Any]
    advice: tuple[dict[str, str | None], ...] = ()
    warnings: tuple[str, ...] = ()
    snapshot_reason: str = ""
    aliases: AliasPlan = field(default_factory=lambda: AliasPlan(include_aliases=False))

    @property
    def restored(self) -> tuple[Decision, ...]:
        return tuple(d for d in self.decisions if d.action in (Action.RESTORE, Action.REPLACE))

    @property
    def replaced(self) -> tuple[Decision, ...]:
        return tuple(d for d in self.decisions if d.action is Action.REPLACE)

    @property
    def skipped(self) -> tuple[Decision, ...]:
        return tuple(d for d in self.decisions if d.action is Action.SKIP)

    @property
    def conflicts(self) -> tuple[str, ...]:
        """The existing indices this plan deletes (after the safety snapshot), sorted."""
        return tuple(sorted(str(d.target) for d in self.replaced))

    @property
    def blocked(self) -> bool:
        return bool(self.blockers)

    @property
    def pairs(self) -> tuple[tuple[str, str], ...]:
        """Every source -> target the restore involves (restored, replaced or blocked)."""
        return tuple((d.source, d.target) for d in self.decisions if d.target is not None)

    def fingerprint(self) -> str:
        """Identifies the snapshot and the source -> target pairs, so a later step can tell the plan
        it acts on is the one that was reported. Independent of what exists: a retried step sees
        the targets its first attempt deleted or restored, and still the same fingerprint."""
        digest = hashlib.sha256(f"{self.repository}:{self.snapshot.name}:{self.snapshot.uuid}\n".encode())
        for source, target in self.pairs:
            digest.update(f"{source}>{target}\n".encode())
        return digest.hexdigest()[:16]

    def summary(self) -> dict[str, Any]:
        """Bounded facts for Step Functions state: counts and samples, never every index."""
        skipped = self.skipped
        return {
            "snapshot": {
                "name": self.snapshot.name,
                "state": self.snapshot.state,
                "start_time": iso(self.snapshot.start_time),
                "indices_count": len(self.snapshot.indices),
                "why": self.snapshot_reason,
            },
            "repository": self.repository,
            "counts": {
                "in_snapshot": len(self.snapshot.indices),
                "restore": len(self.restored),
                "replace": len(self.replaced),
                "skip": len(skipped),
                "blockers": len(self.blockers),
            },
            "restore_sample": [{"source": d.source, "target": d.target} for d in self.restored[:SAMPLE]],
            "replace_sample": list(self.conflicts[:SAMPLE]),
            "skipped_by_reason": dict(Counter(d.reason for d in skipped).most_common(SAMPLE)),
            "skipped_sample": [{"index": d.source, "reason": d.reason} for d in skipped[:SAMPLE]],
            "blockers": list(self.blockers[:SAMPLE]),
            "advice": list(self.advice[:SAMPLE]),
            "warnings": list(self.warnings[:SAMPLE]),
            "headroom": self.headroom,
            "aliases": self.aliases.summary(),
            "fingerprint": self.fingerprint(),
        }


# ------------------------------------------------------------------------------------ planning


def _headroom(snapshot: SnapshotInfo, restoring: int, cluster: ClusterFacts, replicas: int | None) -> dict[str, Any]:
    per_index = snapshot.shards_total / len(snapshot.indices) if snapshot.indices and snapshot.shards_total else 1.0
    primaries = math.ceil(per_index * restoring) if restoring else 0
    copies = 1 + (ASSUMED_REPLICAS if replicas is None else replicas)
    limit = cluster.max_shards_per_node * max(cluster.data_nodes, 1)
    return {
        "limit": limit,
        "max_shards_per_node": cluster.max_shards_per_node,
        "data_nodes": cluster.data_nodes,
        "open_shards": cluster.open_shards,
        "restoring_primaries": primaries,
        "replicas": ASSUMED_REPLICAS if replicas is None else replicas,
        "replicas_assumed": replicas is None,
        "restoring_shards": primaries * copies,
        "free": limit - cluster.open_shards,
    }


def plan_restore(
    snapshot: SnapshotInfo,
    repository: str,
    cluster: ClusterFacts,
    options: RestoreOptions,
    *,
    older: Sequence[SnapshotInfo] = (),
    snapshot_reason: str = "named in the input",
    record: BackupRecord | None = None,
) -> RestorePlan:
    """Decide every index of ``snapshot``; see the module docstring for the rules."""
    blockers: list[str] = []
    if snapshot.state not in (SUCCESS, PARTIAL):
        blockers.append(
            f"snapshot [{snapshot.name}] is {snapshot.state or 'in an unknown state'}: only SUCCESS and PARTIAL "
            "snapshots can be restored; choose another snapshot_name"
        )
    failed = {f.index for f in snapshot.failures if f.index} if snapshot.state == PARTIAL else set()
    selection = select(snapshot.indices, options.indices, options.rename, failed=failed)
    blockers.extend(selection.problems)

    decisions: list[Decision] = []
    advice: list[dict[str, str | None]] = []
    holder_of = older_holders(snapshot, older) if failed else None
    for skip in selection.skipped:
        reason = skip.reason
        if holder_of is not None and skip.index in failed:
            holder = holder_of(skip.index)
            advice.append({"index": skip.index, "older_snapshot": holder})
            reason = (
                f"{reason}; newest older SUCCESS snapshot holding it: {holder}"
                if holder
                else f"{reason}; no older SUCCESS snapshot holding it was found"
            )
        decisions.append(Decision(skip.index, None, Action.SKIP, reason))

    for source, target in selection.pairs:
        state = cluster.indices.get(target)
        if target in cluster.aliases:
            decisions.append(Decision(source, target, Action.BLOCK, f"[{target}] is an existing alias"))
            blockers.append(
                f"[{target}] is an existing alias; an index cannot take its name. Restore under another name "
                "(rename_prefix) or remove the alias first"
            )
        elif state is None:
            decisions.append(Decision(source, target, Action.RESTORE, "no index or alias holds the target name"))
        elif options.on_conflict != "delete":
            decisions.append(Decision(source, target, Action.BLOCK, f"[{target}] exists ({state})"))
            blockers.append(
                f"[{target}] exists ({'closed' if state == 'close' else 'open'}); restore under another name "
                '(rename_prefix), or set on_conflict "delete" to snapshot and delete it first'
            )
        elif state == "close" and options.set_aside:
            decisions.append(Decision(source, target, Action.REPLACE, f"[{target}] is set aside (closed) by this run"))
        elif state == "close":
            decisions.append(Decision(source, target, Action.BLOCK, f"[{target}] is a closed index"))
            blockers.append(
                f"[{target}] is a closed index, which cannot be saved in a safety snapshot; open it (POST "
                f"{target}/_open) or delete it yourself, then run the restore again"
            )
        elif not options.safety_snapshot_possible:
            decisions.append(Decision(source, target, Action.BLOCK, f"[{target}] exists and cannot be saved first"))
            blockers.append(
                f"[{target}] exists and this stack's repository is read-only, so no safety snapshot can be "
                "taken before deleting it; restore under another name (rename_prefix) or delete it yourself"
            )
        elif (shards := _shard_mismatch(source, target, cluster, record)) is not None:
            live, saved = shards
            reason = f"[{target}] has {live} primary shards, not {saved}"
            decisions.append(Decision(source, target, Action.BLOCK, reason))
            blockers.append(
                f"[{target}] has {live} primary shards and [{source}] had {saved} in snapshot [{snapshot.name}]; the "
                "engine restores over an existing index only with the same shard count. Restore under another name "
                f"(rename_prefix) and reindex, or delete [{target}] yourself (after a snapshot of it), then run again"
            )
        else:
            decisions.append(
                Decision(source, target, Action.REPLACE, f"[{target}] exists: safety snapshot, close, restore over it")
            )

    restoring = sum(1 for d in decisions if d.action in (Action.RESTORE, Action.REPLACE))
    if restoring == 0 and not blockers:
        blockers.append(
            f"nothing to restore: snapshot [{snapshot.name}] holds {len(snapshot.indices)} indices and the input "
            "selects none of them (system indices need their exact name)"
        )
    headroom = _headroom(snapshot, restoring, cluster, options.replicas)
    warnings: list[str] = []
    if headroom["restoring_primaries"] > headroom["free"]:
        blockers.append(
            f"shard limit: restoring about {headroom['restoring_primaries']} primary shards, but the cluster has "
            f"{cluster.open_shards} of {headroom['limit']} shards open (cluster.max_shards_per_node "
            f"{cluster.max_shards_per_node} x {cluster.data_nodes} data nodes); restore fewer indices, close or "
            "delete unused ones, or raise the limit"
        )
    elif headroom["restoring_shards"] > headroom["free"]:
        warnings.append(
            f"shard limit: with {headroom['replicas']} replica(s) the restore needs about "
            f"{headroom['restoring_shards']} shards and {headroom['free']} are free; consider "
            '"index_settings": {"index.number_of_replicas": 0}'
        )
    restored = [(d.source, str(d.target)) for d in decisions if d.action in (Action.RESTORE, Action.REPLACE)]
    aliases = plan_aliases(
        restored,
        wanted=options.include_aliases,
        live=cluster.alias_holders,
        live_indices=cluster.indices.keys(),
        record=record,
    )
    return RestorePlan(
        snapshot=snapshot,
        repository=repository,
        decisions=tuple(decisions),
        blockers=tuple(blockers),
        headroom=headroom,
        advice=tuple(advice),
        warnings=tuple(warnings),
        snapshot_reason=snapshot_reason,
        aliases=aliases,
    )


def _shard_mismatch(
    source: str, target: str, cluster: ClusterFacts, record: BackupRecord | None
) -> tuple[int, int] | None:
    """(live, snapshot) primary shards of a replaced index when both are known and differ."""
    saved = record.primaries.get(source) if record is not None else None
    live = cluster.primaries.get(target)
    if saved and live and saved != live:
        return live, saved
    return None


def no_snapshot_plan(repository: str, reason: str) -> dict[str, Any]:
    """The summary of a plan that found no snapshot to restore (the default had no candidate)."""
    return {
        "snapshot": None,
        "repository": repository,
        "counts": {"in_snapshot": 0, "restore": 0, "replace": 0, "skip": 0, "blockers": 1},
        "restore_sample": [],
        "replace_sample": [],
        "skipped_by_reason": {},
        "skipped_sample": [],
        "blockers": [f"{reason}; give snapshot_name (GET _snapshot/{repository}/_all lists them)"],
        "advice": [],
        "warnings": [],
        "headroom": {},
        "aliases": AliasPlan(include_aliases=False).summary(),
        "fingerprint": "",
    }
