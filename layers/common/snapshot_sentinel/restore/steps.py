"""The steps of RestoreStateMachine: plan, safety snapshot, set aside, start, check.

Every step that acts first re-reads the domain and re-plans: the state machine carries only a
bounded summary of the plan (counts, samples, a fingerprint of its source -> target pairs), so
a step never acts on a list it was handed, and a cluster that changed under the run (a new index
with a target's name) stops it before anything is closed or restored over.

Replacing an index never frees its name: once the safety snapshot holds it, it is closed (a live
writer then gets index_closed_exception rather than auto-creating a fresh index in the gap), the
restore goes over the closed index, and if the engine refuses the restore the closed indices are
opened again as they were.

None of them waits: the state machine's Wait states space the checks.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from snapshot_sentinel import errors
from snapshot_sentinel.backup.settings import SnapshotSettings
from snapshot_sentinel.backup.steps import TakeRequest, take_snapshot
from snapshot_sentinel.client import DomainClient
from snapshot_sentinel.clock import RESTORE, Progress, parse_timestamp, wait_facts
from snapshot_sentinel.drills.catalog import Catalog
from snapshot_sentinel.errors import UNANSWERED
from snapshot_sentinel.models import PARTIAL, SUCCESS, SnapshotInfo, iso
from snapshot_sentinel.naming import counted, managed_snapshot_name, plural
from snapshot_sentinel.restore.aliases import BackupRecord
from snapshot_sentinel.restore.cluster import RestoreDomain, allocation_reason
from snapshot_sentinel.restore.errors import (
    RestoreBlockedError,
    RestoreDeadlineError,
    RestoreShardFailedError,
    RestoreStartUnconfirmedError,
    RestoreTargetExistsError,
    SafetySnapshotFailedError,
)
from snapshot_sentinel.restore.plan import (
    ClusterFacts,
    RestoreOptions,
    RestorePlan,
    choose_default_snapshot,
    no_snapshot_plan,
    plan_restore,
)
from snapshot_sentinel.restore.selection import Selection, select
from snapshot_sentinel.restore.validation import RestoreConfig

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

SAFETY_PREFIX = "pre-restore"
OLDER_SNAPSHOTS_SEARCHED = 20
"""Older SUCCESS snapshots read (one request) to find a home for a PARTIAL snapshot's failed indices."""
EXPLAINS_PER_CHECK = 3
WAITING_SAMPLE = 10
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class RestoreRun:
    """One execution's fixed facts, from the stack's settings and the validated input."""

    client: DomainClient
    config: RestoreConfig
    own_repository: str
    prefix: str
    stack_name: str
    read_only: bool
    catalog: Catalog | None = None
    """The drill catalog, where the backup recorded each full snapshot's aliases and shard counts."""

    @property
    def domain(self) -> RestoreDomain:
        return RestoreDomain(self.client)

    @property
    def repository(self) -> str:
        return self.config.repository

    def options(self, *, set_aside: bool = False) -> RestoreOptions:
        return RestoreOptions(
            indices=self.config.indices,
            rename=self.config.rename,
            on_conflict=self.config.on_conflict,
            replicas=self.config.replicas_override,
            safety_snapshot_possible=not self.read_only,
            include_aliases=self.config.include_aliases,
            set_aside=set_aside,
        )

    @property
    def execution_start(self) -> datetime:
        return parse_timestamp(self.config.execution_start_time)

    @property
    def safety_snapshot_name(self) -> str:
        """Decided by the execution's start, so a retried step finds the same name; outside the
        managed prefix, so retention never deletes it."""
        return managed_snapshot_name(SAFETY_PREFIX, self.execution_start)


# ------------------------------------------------------------------------------------ planning


def _resolve_snapshot(run: RestoreRun) -> tuple[SnapshotInfo | None, str]:
    if run.config.snapshot_name:
        return run.client.get_snapshot(run.repository, run.config.snapshot_name), "named in the input"
    listed = run.client.list_snapshots(run.repository)
    chosen, why = choose_default_snapshot(
        listed,
        managed=run.repository == run.own_repository,
        prefix=run.prefix,
        stack_name=None if run.read_only else run.stack_name,
    )
    if chosen is None:
        return None, why
    return run.client.get_snapshot(run.repository, chosen.name), why


def _older_snapshots(run: RestoreRun, snapshot: SnapshotInfo) -> list[SnapshotInfo]:
    started = snapshot.start_time or _EPOCH
    listed = [
        s
        for s in run.client.list_snapshots(run.repository)
        if s.state == SUCCESS and s.name != snapshot.name and (s.start_time or _EPOCH) < started
    ]
    listed.sort(key=lambda s: (s.start_time or _EPOCH, s.name), reverse=True)
    return run.domain.snapshots(run.repository, [s.name for s in listed[:OLDER_SNAPSHOTS_SEARCHED]])


def _backup_record(run: RestoreRun, snapshot: SnapshotInfo) -> BackupRecord | None:
    """What the backup recorded of ``snapshot`` (aliases, shard counts); None when nothing was."""
    if run.catalog is None:
        return None
    recorded = run.catalog.read(snapshot.name)
    if not recorded:
        return None
    return BackupRecord(
        aliases={name: item.aliases for name, item in recorded.items() if item.aliases is not None},
        primaries={name: item.primaries for name, item in recorded.items() if item.primaries},
    )


def _plan(
    run: RestoreRun, snapshot: SnapshotInfo, why: str, cluster: ClusterFacts, *, set_aside: bool = False
) -> RestorePlan:
    older = _older_snapshots(run, snapshot) if snapshot.state == PARTIAL and snapshot.failures else []
    return plan_restore(
        snapshot,
        run.repository,
        cluster,
        run.options(set_aside=set_aside),
        older=older,
        snapshot_reason=why,
        record=_backup_record(run, snapshot),
    )


def plan_step(run: RestoreRun, *, now: datetime) -> dict[str, Any]:
    """Resolve the snapshot, read the cluster, plan; the Choice states read ``action``."""
    snapshot, why = _resolve_snapshot(run)
    if snapshot is None:
        summary = no_snapshot_plan(run.repository, why)
    else:
        summary = _plan(run, snapshot, why, run.domain.facts()).summary()
    if summary["blockers"]:
        action = "blocked"
    elif run.config.dry_run:
        action = "dry_run"
    elif summary["counts"]["replace"]:
        action = "replace"
    else:
        action = "restore"
    summary.update(
        action=action,
        snapshot_name=snapshot.name if snapshot else None,
        planned_at=iso(now),
        safety_snapshot=run.safety_snapshot_name if action == "replace" else None,
    )
    return summary


def _replan(run: RestoreRun, planned: dict[str, Any], *, set_aside: bool = False) -> tuple[RestorePlan, ClusterFacts]:
    """A fresh plan of the planned snapshot; the cluster may have changed, the pairs must not.
    ``set_aside``: after the safety snapshot, a closed target is one this run closed."""
    snapshot = run.client.get_snapshot(run.repository, str(planned["snapshot_name"]))
    cluster = run.domain.facts()
    plan = _plan(run, snapshot, "planned", cluster, set_aside=set_aside)
    if plan.fingerprint() != planned.get("fingerprint"):
        raise RestoreTargetExistsError(
            "the snapshot or its selection changed since the plan (its source -> target pairs differ); "
            "nothing was changed by this step; run the restore again to plan afresh"
        )
    return plan, cluster


def _blocked(plan: RestorePlan) -> RestoreBlockedError:
    shown = "; ".join(plan.blockers[:5])
    more = f" (and {len(plan.blockers) - 5} more)" if len(plan.blockers) > 5 else ""
    return RestoreBlockedError(f"{len(plan.blockers)} blocker(s) appeared since the plan: {shown}{more}")


# ------------------------------------------------------------------------------ safety snapshot


def take_safety_snapshot(
    run: RestoreRun, planned: dict[str, Any], *, now: datetime, max_wait: timedelta
) -> dict[str, Any]:
    """Snapshot exactly the conflicting indices into the stack's own repository."""
    plan, _ = _replan(run, planned)
    if plan.blocked:
        raise _blocked(plan)
    conflicts = plan.conflicts
    if not conflicts:
        raise RestoreTargetExistsError("the plan's conflicting indices are gone; nothing to save, nothing deleted")
    request = TakeRequest(
        repository=run.own_repository,
        name=run.safety_snapshot_name,
        indices=",".join(conflicts),
        stack_name=run.stack_name,
        execution_id=run.config.execution_id,
        execution_start=run.execution_start,
    )
    floor = RESTORE.minimum_wait_seconds(run.config.poll_interval_seconds, max_wait.total_seconds(), loops=2)
    facts = take_snapshot(run.client, request, now=now, max_wait=max_wait, min_wait_seconds=floor)
    facts["indices_count"] = len(conflicts)
    return facts


def _saved_or_refuse(run: RestoreRun, plan: RestorePlan, safety_name: str, *, closed: Sequence[str] = ()) -> str:
    """Every index the plan replaces must be in the SUCCESS safety snapshot ``safety_name``."""
    saved = run.client.get_snapshot(run.own_repository, safety_name)
    if saved.state != SUCCESS:
        raise SafetySnapshotFailedError(f"safety snapshot [{saved.name}] is {saved.state}; nothing was closed")
    unsaved = [name for name in plan.conflicts if name not in saved.indices]
    if unsaved:
        reopened = _reopen(run, closed)
        raise RestoreTargetExistsError(
            f"{counted(len(unsaved), 'index')} the restore would replace "
            f"{'is' if len(unsaved) == 1 else 'are'} not in safety snapshot [{saved.name}] (first: "
            f"{', '.join(unsaved[:5])}); they appeared after it was taken; nothing was restored{reopened}"
        )
    return saved.name


def _reopen(run: RestoreRun, closed: Sequence[str]) -> str:
    """Open the indices this run set aside again; the sentence the error adds about it."""
    if not closed:
        return ""
    run.domain.open_indices(closed)
    were = "was" if len(closed) == 1 else "were"
    first = ", ".join(closed[:5])
    return f"; the {counted(len(closed), 'index')} set aside {were} opened again as before (first: {first})"


def set_aside_conflicts(run: RestoreRun, planned: dict[str, Any], safety: dict[str, Any]) -> dict[str, Any]:
    """Close exactly the indices the plan restores over, once each is in the SUCCESS safety snapshot.

    Closing keeps the name taken: between this step and the restore a live writer's document fails
    (index_closed_exception) instead of auto-creating a fresh, near-empty index under the name.
    A retried step finds the indices it closed already closed, and closes nothing twice.
    """
    plan, cluster = _replan(run, planned, set_aside=True)
    if plan.blocked:
        raise _blocked(plan)
    saved = _saved_or_refuse(run, plan, str(safety["name"]))
    still_open = [name for name in plan.conflicts if cluster.indices.get(name) == "open"]
    requests_sent = run.domain.close_indices(still_open)
    return {
        "safety_snapshot": saved,
        "closed_count": len(plan.conflicts),
        "closed_sample": list(plan.conflicts[:WAITING_SAMPLE]),
        "requests": requests_sent,
    }


def reopen_set_aside(run: RestoreRun, planned: dict[str, Any]) -> dict[str, Any]:
    """After a failure between setting aside and restoring: open again every index the plan
    replaces that is still closed (an index the restore already went over is open: left alone)."""
    snapshot = run.client.get_snapshot(run.repository, str(planned["snapshot_name"]))
    cluster = run.domain.facts()
    plan = _plan(run, snapshot, "planned", cluster, set_aside=True)
    closed = [name for name in plan.conflicts if cluster.indices.get(name) == "close"]
    return {
        "reopened_count": len(closed),
        "reopened_sample": closed[:WAITING_SAMPLE],
        "requests": run.domain.open_indices(closed),
    }


# ------------------------------------------------------------------------------------ restoring


def restore_body(run: RestoreRun, plan: RestorePlan) -> dict[str, Any]:
    """The restore request: exactly the planned sources, never the caller's patterns."""
    body: dict[str, Any] = {
        "indices": ",".join(d.source for d in plan.restored),
        "ignore_unavailable": False,
        "include_global_state": False,
        "include_aliases": plan.aliases.include_aliases,
        "partial": False,
    }
    rename = run.config.rename
    if rename is not None:
        body["rename_pattern"] = rename.pattern
        body["rename_replacement"] = rename.replacement
    if run.config.index_settings:
        body["index_settings"] = run.config.index_settings
    return body


def _restored_by_us(run: RestoreRun, snapshot: str, names: list[str]) -> bool:
    """True when every index in ``names`` was recovered from ``snapshot`` since this run started."""
    recoveries = run.domain.recoveries(names)
    since = (run.execution_start - timedelta(seconds=1)).timestamp() * 1000
    for name in names:
        shards = recoveries.get(name) or []
        from_us = [
            r
            for r in shards
            if r.get("type") == "SNAPSHOT"
            and (r.get("source") or {}).get("snapshot") == snapshot
            and (r.get("source") or {}).get("repository") == run.repository
            and int(r.get("start_time_in_millis") or 0) >= since
        ]
        if not from_us:
            return False
    return True


def _adopt_or_refuse(run: RestoreRun, snapshot: str, present: list[str], context: str) -> None:
    if not _restored_by_us(run, snapshot, present):
        raise RestoreTargetExistsError(
            f"{len(present)} target {plural(len(present), 'index')} "
            f"{'exists and was' if len(present) == 1 else 'exist and were'} not restored by this run {context} (first: "
            f"{', '.join(present[:5])}); nothing was restored over them"
        )


def start_restore(run: RestoreRun, planned: dict[str, Any], *, now: datetime, max_wait: timedelta) -> dict[str, Any]:
    """Send the restore once; after no answer (504, reset, timeout) look at the targets first.

    A target that is open when this step begins is either this run's own restore, applied by an
    attempt whose answer was lost (its shards were recovered from this snapshot since the run
    started: adopted, nothing sent), or someone else's index (refused, nothing sent). When the plan
    replaces indices, they are closed (set aside by the step before) and each must be in the safety
    snapshot; if the engine refuses the restore they are opened again as they were. Aliases that
    have moved since the snapshot stay out; the others are added back after a restore without them.
    """
    replacing = planned.get("action") == "replace"
    plan, cluster = _replan(run, planned, set_aside=replacing)
    targets = [target for _, target in plan.pairs]
    snapshot = plan.snapshot.name
    # A run that replaces indices already watched its safety snapshot: its two loops share the budget.
    loops = 2 if replacing else 1
    floor = RESTORE.minimum_wait_seconds(run.config.poll_interval_seconds, max_wait.total_seconds(), loops)
    facts: dict[str, Any] = {
        "started_at": iso(now),
        "deadline": iso(now + max_wait),
        "polls": 0,
        "done": False,
        "targets_count": len(targets),
        "adopted": False,
        "aliases_added": 0,
        **wait_facts(None, started=now, now=now, deadline=now + max_wait, floor_seconds=floor),
    }
    set_aside = [name for name in plan.conflicts if cluster.indices.get(name) == "close"] if replacing else []
    if replacing:
        _saved_or_refuse(run, plan, str(planned.get("safety_snapshot")), closed=set_aside)
    present = [t for t in targets if cluster.indices.get(t) == "open" or (t in cluster.indices and not replacing)]
    if present:
        _adopt_or_refuse(run, snapshot, present, "before this step")
        facts["adopted"] = True
    elif plan.blocked:
        raise _blocked(plan)
    else:
        try:
            run.domain.restore(run.repository, snapshot, restore_body(run, plan))
        except UNANSWERED as exc:
            existing = run.domain.existing_indices()
            present = [t for t in targets if existing.get(t) == "open" or (t in existing and not replacing)]
            if not present:
                raise RestoreStartUnconfirmedError(
                    f"the restore request got no answer ({exc}) and no target index is restored; safe to send again"
                ) from exc
            _adopt_or_refuse(run, snapshot, present, "after the request got no answer")
            facts["adopted"] = True
        except errors.DomainError as exc:
            if isinstance(exc, errors.TRANSIENT_ERRORS) or not set_aside:
                raise
            reopened = _reopen(run, set_aside)
            raise type(exc)(f"{exc.reason}{reopened}", status=exc.status, error_type=exc.error_type) from exc
    if plan.aliases.add:
        run.domain.add_aliases(plan.aliases.add)
        facts["aliases_added"] = len(plan.aliases.add)
    return facts


# ------------------------------------------------------------------------------------ watching


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


def restore_run(
    client: DomainClient, settings: SnapshotSettings, config: Mapping[str, Any], dynamodb: DynamoDBClient | None = None
) -> RestoreRun:
    """The run a handler works on: the stack's settings and the validated input from state
    (``dynamodb``: a client for the catalog, for the steps that read what the backup recorded)."""
    catalog = Catalog(dynamodb, settings.catalog_table) if dynamodb is not None and settings.catalog_table else None
    return RestoreRun(
        catalog=catalog,
        client=client,
        config=RestoreConfig.from_dict(config),
        own_repository=settings.domain.repository,
        prefix=settings.prefix,
        stack_name=settings.stack_name,
        read_only=settings.read_only,
    )


def restored_indices(run: RestoreRun, snapshot_name: str) -> tuple[list[tuple[str, str]], dict[str, dict[str, Any]]]:
    """The restore's pairs and each target's docs, shards and size, for the report."""
    snapshot = run.client.get_snapshot(run.repository, snapshot_name)
    pairs = list(restored_selection(run, snapshot).pairs)
    return pairs, run.domain.index_stats([target for _, target in pairs])
