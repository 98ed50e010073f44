"""Watching a restore: one check of every target's health and recovery per call (the state machine's
Wait states space them), and the restored indices' measurement for the report.

A restore that lists every shard DONE in ``_recovery`` may still have failed (failed shards drop out
of it): health and unassigned primaries are read too."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from snapshot_sentinel import errors
from snapshot_sentinel.clock import Progress, parse_timestamp, wait_facts
from snapshot_sentinel.models import PARTIAL, SnapshotInfo, iso
from snapshot_sentinel.naming import counted
from snapshot_sentinel.restore.cluster import allocation_reason
from snapshot_sentinel.restore.errors import (
    RestoreDeadlineError,
    RestoreShardFailedError,
)
from snapshot_sentinel.restore.report import measure
from snapshot_sentinel.restore.selection import Selection, select
from snapshot_sentinel.restore.steps import RestoreRun

EXPLAINS_PER_CHECK = 3
WAITING_SAMPLE = 10


def restored_selection(run: RestoreRun, snapshot: SnapshotInfo) -> Selection:
    """The restore's source -> target pairs, recomputed from the snapshot and the input alone."""
    failed = {f.index for f in snapshot.failures if f.index} if snapshot.state == PARTIAL else set()
    return select(snapshot.indices, run.config.indices, run.config.rename, failed=failed)


def check_restore(run: RestoreRun, snapshot_name: str, progress: dict[str, Any], *, now: datetime) -> dict[str, Any]:
    """One progress check: per-index health (shards) and recovery of every target."""
    snapshot = run.client.get_snapshot(run.repository, snapshot_name)
    targets = list(restored_selection(run, snapshot).targets)
    health = run.domain.index_health(targets)
    recoveries = run.domain.recoveries(targets)
    waiting: list[dict[str, Any]] = []
    unassigned: list[tuple[str, int]] = []
    counts = {"indices": len(targets), "done": 0, "green": 0, "yellow": 0, "red": 0, "missing": 0}
    shards_total = shards_done = 0
    for target in targets:
        entry = health.get(target)
        if entry is None:
            counts["missing"] += 1
            waiting.append({"index": target, "status": "missing"})
            continue
        status = str(entry.get("status", "red"))
        counts[status] = counts.get(status, 0) + 1
        primaries = int(entry.get("number_of_shards") or 0)
        shard_recoveries = recoveries.get(target) or []
        primary_ids = {r.get("id") for r in shard_recoveries if r.get("primary") and r.get("stage") == "DONE"}
        shards_total += primaries
        shards_done += len(primary_ids)
        for shard_id, shard in (entry.get("shards") or {}).items():
            if not shard.get("primary_active") and not int(shard.get("initializing_shards") or 0):
                unassigned.append((target, int(shard_id)))
        all_done = all(r.get("stage") == "DONE" for r in shard_recoveries)
        if int(entry.get("active_primary_shards") or 0) == primaries and len(primary_ids) >= primaries and all_done:
            counts["done"] += 1
        else:
            waiting.append(
                {
                    "index": target,
                    "status": status,
                    "primaries_active": int(entry.get("active_primary_shards") or 0),
                    "primaries": primaries,
                    "recovering": sum(1 for r in shard_recoveries if r.get("stage") != "DONE"),
                }
            )
    reasons: dict[str, str] = {}
    for index, shard in unassigned[:EXPLAINS_PER_CHECK]:
        try:
            decisive, reason = allocation_reason(run.domain.primary_allocation(index, shard))
        except errors.DomainError as exc:
            decisive, reason = False, f"allocation explain failed: {exc}"
        reasons[index] = reason
        if decisive:
            raise RestoreShardFailedError(f"index [{index}] primary shard [{shard}] cannot be allocated: {reason}")
    done = counts["done"] == len(targets)
    # An execution started before the upgrade to one polling rule carries no floor: its Wait reads none.
    floor = int(progress.get("min_wait_seconds") or run.config.poll_interval_seconds)
    deadline = progress.get("deadline")
    deadline_at = parse_timestamp(str(deadline)) if deadline else now + timedelta(seconds=floor)
    started = progress.get("started_at")
    result = {
        "done": done,
        "started_at": progress.get("started_at"),
        "deadline": progress.get("deadline"),
        "polls": int(progress.get("polls", 0)) + 1,
        "targets_count": len(targets),
        "adopted": bool(progress.get("adopted", False)),
        "counts": counts,
        "primaries": {"total": shards_total, "done": shards_done, "unassigned": len(unassigned)},
        "waiting_sample": waiting[:WAITING_SAMPLE],
        "checked_at": iso(now),
        "finished_at": iso(now) if done else None,
        **wait_facts(
            Progress.from_recoveries(recoveries),
            started=parse_timestamp(str(started)) if started else None,
            now=now,
            deadline=deadline_at,
            floor_seconds=floor,
        ),
    }
    if not done and deadline and now >= deadline_at:
        first = waiting[0] if waiting else {"index": "?", "status": "?"}
        why = reasons.get(str(first["index"]))
        raise RestoreDeadlineError(
            f"{len(waiting)} of {counted(len(targets), 'restored index')} still not active after MaxWaitMinutes; "
            f"first: [{first['index']}] is {first['status']}" + (f" ({why})" if why else "")
        )
    return result


def restored_indices(run: RestoreRun, snapshot_name: str) -> tuple[list[tuple[str, str]], dict[str, dict[str, Any]]]:
    """The restore's pairs and each target's docs, shards and size, for the report."""
    snapshot = run.client.get_snapshot(run.repository, snapshot_name)
    pairs = list(restored_selection(run, snapshot).pairs)
    return pairs, run.domain.index_stats([target for _, target in pairs])


def measure_restored(run: RestoreRun, snapshot_name: str) -> dict[str, Any]:
    """The restored indices' totals and first rows (:func:`.report.measure`), small enough for the state."""
    pairs, stats = restored_indices(run, snapshot_name)
    return measure(pairs, stats)
