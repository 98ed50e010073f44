"""The steps of DrillStateMachine that act on a domain: plan, start the restore, check it. The
verification is :mod:`.verify`, the clean-up :mod:`.cleanup`, the input :mod:`.input`.

They reuse the restore layer's cluster access (:class:`RestoreDomain`) and snapshot choice, but
not RestoreStateMachine as a nested execution: a drill needs its own names, settings and, above
all, a clean-up state reached from every failure, which a nested execution would hide behind one
Task (and moto's ``.sync`` integration, the harness every test runs on, is not reliable).

Each step carries only the bounded plan (the caps bound the picks) and its own small facts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from snapshot_sentinel import errors
from snapshot_sentinel.client import DomainClient
from snapshot_sentinel.clock import DRILL, Progress, parse_timestamp, wait_facts
from snapshot_sentinel.drills.catalog import Catalog, live_counts, stored_sizes
from snapshot_sentinel.drills.counts import count_rule
from snapshot_sentinel.drills.errors import (
    DrillDeadlineError,
    DrillNothingToRestoreError,
    DrillShardFailedError,
    DrillTargetExistsError,
)
from snapshot_sentinel.drills.input import index_patterns, validate_drill_input
from snapshot_sentinel.drills.plan import IndexCandidate, drill_prefix, sample_indices
from snapshot_sentinel.drills.settings import DrillSettings
from snapshot_sentinel.errors import UNANSWERED
from snapshot_sentinel.models import SUCCESS, iso
from snapshot_sentinel.naming import counted
from snapshot_sentinel.observability import logger
from snapshot_sentinel.restore.cluster import RestoreDomain, allocation_reason
from snapshot_sentinel.restore.snapshots import choose_default_snapshot

WAITING_SAMPLE = 10
EXPLAINS_PER_CHECK = 3


def plan_drill(
    client: DomainClient,
    catalog: Catalog,
    settings: DrillSettings,
    raw_input: Any,
    *,
    now: datetime,
    execution_id: str | None,
    target: DomainClient | None = None,
) -> dict[str, Any]:
    """Choose the snapshot and the sample; changes nothing.

    ``client`` is the backed-up domain (its snapshots, its live indices' sizes); ``target`` is where
    the drill restores, a separate drill domain (``settings.target``) or, by default, the same one: its
    existing indices are the names a drill may not take. Every name carries a token of
    ``execution_id``, so no other drill, of this snapshot or another, plans the same names."""
    config = validate_drill_input(raw_input)
    if config["snapshot_name"]:
        snapshot = client.get_snapshot(settings.repository, config["snapshot_name"])
        why = "named in the input"
        if snapshot.state != SUCCESS:
            raise DrillNothingToRestoreError(f"snapshot [{snapshot.name}] is {snapshot.state}; a drill needs SUCCESS")
    else:
        chosen, why = choose_default_snapshot(
            client.list_snapshots(settings.repository),
            managed=True,
            prefix=settings.prefix,
            stack_name=settings.stack_name,
        )
        if chosen is None:
            raise DrillNothingToRestoreError(why)
        snapshot = client.get_snapshot(settings.repository, chosen.name)
    if snapshot.start_time is None:
        raise DrillNothingToRestoreError(f"snapshot [{snapshot.name}] has no start time")
    catalog_note = "recorded"
    try:
        recorded = catalog.read(snapshot.name)
    except Exception as exc:  # noqa: BLE001 an unreadable catalog costs the count check, never the drill
        recorded, catalog_note = {}, f"unreadable ({type(exc).__name__}): counts not checked"
    if not recorded and catalog_note == "recorded":
        catalog_note = "missing"
    live = {c.name: c for c in live_counts(client)}
    candidates: list[IndexCandidate] = []
    unknown: list[str] = []
    for name in snapshot.indices:
        if name in recorded:
            r = recorded[name]
            writes = count_rule(r.docs_before or 0, r.docs_after, r.ops_before, r.ops_after).writes
            candidates.append(IndexCandidate(name, r.primaries, r.size_bytes, r.docs_before, r.docs_after, writes))
        elif name in live:
            candidates.append(IndexCandidate(name, live[name].primaries, live[name].size_bytes))
        elif not name.startswith("."):
            unknown.append(name)
    unknown_why = "size unknown: not in the catalog and not live"
    if unknown:
        try:
            stored = stored_sizes(client, settings.repository, snapshot.name)
        except errors.DomainError as exc:
            stored, unknown_why = {}, f"{unknown_why}, and the snapshot's _status failed ({type(exc).__name__})"
        candidates += [IndexCandidate(name, *stored[name]) for name in unknown if name in stored]
        unknown = [name for name in unknown if name not in stored]
    patterns = config["indices"] or index_patterns(settings.indices, "DrillIndices")
    prefix = drill_prefix(snapshot.start_time, execution_id or "")
    sample = sample_indices(
        candidates,
        settings.caps,
        prefix=prefix,
        patterns=patterns,
        existing=RestoreDomain(target or client).existing_indices(),
    )
    picks, left_out = [], [{"index": o.name, "reason": o.reason} for o in sample.left_out]
    left_out += [{"index": n, "reason": unknown_why} for n in unknown]
    for pick in sample.picks:
        if pick.target != f"{prefix}{pick.source}":
            left_out.append({"index": pick.source, "reason": "name too long for the drill's rename pattern"})
            continue
        entry = pick.to_dict()
        counted = recorded.get(pick.source)
        entry["docs_before"] = counted.docs_before if counted else None
        entry["docs_after"] = counted.docs_after if counted else None
        entry["ops_before"] = counted.ops_before if counted else None
        entry["ops_after"] = counted.ops_after if counted else None
        picks.append(entry)
    if not picks:
        shown = "; ".join(f"{o['index']}: {o['reason']}" for o in left_out[:5])
        raise DrillNothingToRestoreError(
            f"no index of snapshot [{snapshot.name}] fits the drill's caps and pattern ({shown or 'no indices'})"
        )
    return {
        "snapshot_name": snapshot.name,
        "snapshot_start": iso(snapshot.start_time),
        "snapshot_why": why,
        "name_prefix": prefix,
        "keep_restored": config["keep_restored"],
        "drill_domain": settings.target.name if target is not None else None,
        "catalog": catalog_note,
        "picks": picks,
        "shards": sum(p["primaries"] for p in picks),
        "size_bytes": sum(p["size_bytes"] for p in picks),
        "left_out_count": len(left_out),
        "left_out_sample": left_out[:20],
        "planned_at": iso(now),
        "deadline": iso(now + settings.max_wait),
        "poll_interval_seconds": settings.poll_interval_seconds,
        "min_wait_seconds": DRILL.minimum_wait_seconds(
            settings.poll_interval_seconds, settings.max_wait.total_seconds()
        ),
    }


def targets(plan: Mapping[str, Any]) -> list[str]:
    return [str(p["target"]) for p in plan.get("picks") or []]


def restore_body(plan: Mapping[str, Any]) -> dict[str, Any]:
    """Exactly the picks, renamed to ``drill-<snapshot start>-<run>-<index>``, no replicas, no aliases."""
    return {
        "indices": ",".join(str(p["source"]) for p in plan["picks"]),
        "ignore_unavailable": False,
        "include_global_state": False,
        "include_aliases": False,
        "partial": False,
        "rename_pattern": "(.+)",
        "rename_replacement": f"{plan['name_prefix']}$1",
        "index_settings": {"index.number_of_replicas": 0},
    }


def start_drill(client: DomainClient, repository: str, plan: Mapping[str, Any], *, now: datetime) -> dict[str, Any]:
    """Send the restore once, only when no drill name is held; after no answer, the targets that
    exist are this drill's own (none existed before the request)."""
    domain = RestoreDomain(client)
    names = targets(plan)
    held = [n for n in names if n in domain.existing_indices()]
    if held:
        raise DrillTargetExistsError(
            f"{len(held)} drill name(s) are held by live indices (first: {', '.join(held[:5])}); nothing was "
            "restored and the clean-up leaves them alone"
        )
    facts = {
        "sent": True,
        "answered": True,
        "started_at": iso(now),
        "polls": 0,
        **wait_facts(None, started=now, now=now, deadline=_deadline(plan), floor_seconds=_floor(plan)),
    }
    try:
        domain.restore(repository, str(plan["snapshot_name"]), restore_body(plan))
    except UNANSWERED:
        facts["answered"] = False
    return facts


def _floor(plan: Mapping[str, Any]) -> int:
    """The plan's wait floor; a plan made before the upgrade to one polling rule has only the interval."""
    return int(plan.get("min_wait_seconds") or plan.get("poll_interval_seconds") or 60)


def _deadline(plan: Mapping[str, Any]) -> datetime:
    return parse_timestamp(str(plan["deadline"]))


def _recovery_progress(domain: RestoreDomain, names: Sequence[str]) -> Progress | None:
    """Bytes recovered so far, from ``_recovery``: a hint for the next wait, so a failed read costs
    only the estimate (the floor is the wait then)."""
    try:
        return Progress.from_recoveries(domain.recoveries(names))
    except errors.DomainError as exc:
        logger.warning("no progress from _recovery; waiting the minimum", extra={"error": str(exc)})
        return None


def check_drill(
    client: DomainClient, plan: Mapping[str, Any], progress: Mapping[str, Any], *, now: datetime
) -> dict[str, Any]:
    """One check: every target's primaries active (replicas are 0)? A primary that cannot be
    allocated fails the drill at once; the deadline fails it too. While it runs, ``_recovery``'s
    bytes give the next wait (:mod:`snapshot_sentinel.clock`)."""
    domain = RestoreDomain(client)
    names = targets(plan)
    health = domain.index_health(names)
    waiting: list[dict[str, Any]] = []
    unassigned: list[tuple[str, int]] = []
    for name in names:
        entry = health.get(name)
        if entry is None:
            waiting.append({"index": name, "status": "missing"})
            continue
        primaries = int(entry.get("number_of_shards") or 0)
        active = int(entry.get("active_primary_shards") or 0)
        for shard_id, shard in (entry.get("shards") or {}).items():
            if not shard.get("primary_active") and not int(shard.get("initializing_shards") or 0):
                unassigned.append((name, int(shard_id)))
        if active < primaries or primaries == 0:
            waiting.append({"index": name, "status": entry.get("status"), "active": active, "primaries": primaries})
    for index, shard in unassigned[:EXPLAINS_PER_CHECK]:
        try:
            decisive, reason = allocation_reason(domain.primary_allocation(index, shard))
        except errors.DomainError as exc:
            decisive, reason = False, f"allocation explain failed: {exc}"
        if decisive:
            raise DrillShardFailedError(f"drill index [{index}] primary shard [{shard}] cannot be allocated: {reason}")
    done = not waiting
    if not done and now >= _deadline(plan):
        first = waiting[0]
        raise DrillDeadlineError(
            f"{len(waiting)} of {counted(len(names), 'drill index')} still not active at the deadline "
            f"(MaxWaitMinutes); first: [{first['index']}] is {first['status']}"
        )
    return {
        **{k: progress.get(k) for k in ("sent", "answered", "started_at")},
        "polls": int(progress.get("polls") or 0) + 1,
        "done": done,
        "waiting_count": len(waiting),
        "waiting_sample": waiting[:WAITING_SAMPLE],
        "finished_at": iso(now) if done else None,
        **wait_facts(
            None if done else _recovery_progress(domain, names),
            started=parse_timestamp(str(progress["started_at"])) if progress.get("started_at") else None,
            now=now,
            deadline=_deadline(plan),
            floor_seconds=_floor(plan),
        ),
    }
