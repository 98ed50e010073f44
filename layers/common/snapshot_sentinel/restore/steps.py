"""The steps of RestoreStateMachine: the run every step works on, and the plan step. The other steps
are :mod:`.safety` (safety snapshot, set aside, open again), :mod:`.start` and :mod:`.watch`.

Every step that acts first re-reads the domain and re-plans: the state machine carries only a
bounded summary of the plan (counts, samples, a fingerprint of its source -> target pairs), so
a step never acts on a list it was handed, and a cluster that changed under the run (a new index
with a target's name) stops it before anything is closed or restored over.

That re-plan reads the live aliases (``GET _alias``) again too, rather than carrying the plan's alias
decision in the state: a target name that has become an alias since the plan is a blocker each step
must see before it closes or restores anything, the same read gives the aliases that moved, and the
decision's re-added definitions are not bounded in size as the state must be.

None of them waits: the state machine's Wait states space the checks.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from snapshot_sentinel.client import DomainClient
from snapshot_sentinel.clock import parse_timestamp
from snapshot_sentinel.drills.catalog import Catalog
from snapshot_sentinel.models import PARTIAL, SUCCESS, SnapshotInfo, iso
from snapshot_sentinel.naming import managed_snapshot_name
from snapshot_sentinel.restore.aliases import BackupRecord
from snapshot_sentinel.restore.cluster import RestoreDomain
from snapshot_sentinel.restore.errors import (
    RestoreBlockedError,
    RestoreTargetExistsError,
)
from snapshot_sentinel.restore.plan import (
    ClusterFacts,
    RestoreOptions,
    RestorePlan,
    no_snapshot_plan,
    plan_restore,
)
from snapshot_sentinel.restore.settings import RestoreSettings
from snapshot_sentinel.restore.snapshots import choose_default_snapshot
from snapshot_sentinel.restore.validation import RestoreConfig

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

SAFETY_PREFIX = "pre-restore"
OLDER_SNAPSHOTS_SEARCHED = 20
"""Older SUCCESS snapshots read (one request) to find a home for a PARTIAL snapshot's failed indices."""
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


def restore_run(
    client: DomainClient, settings: RestoreSettings, config: Mapping[str, Any], dynamodb: DynamoDBClient | None = None
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


def plan_of(
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
        summary = plan_of(run, snapshot, why, run.domain.facts()).summary()
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


def replan(run: RestoreRun, planned: dict[str, Any], *, set_aside: bool = False) -> tuple[RestorePlan, ClusterFacts]:
    """A fresh plan of the planned snapshot; the cluster may have changed, the pairs must not.
    ``set_aside``: after the safety snapshot, a closed target is one this run closed."""
    snapshot = run.client.get_snapshot(run.repository, str(planned["snapshot_name"]))
    cluster = run.domain.facts()
    plan = plan_of(run, snapshot, "planned", cluster, set_aside=set_aside)
    if plan.fingerprint() != planned.get("fingerprint"):
        raise RestoreTargetExistsError(
            "the snapshot or its selection changed since the plan (its source -> target pairs differ); "
            "nothing was changed by this step; run the restore again to plan afresh"
        )
    return plan, cluster


def blocked_error(plan: RestorePlan) -> RestoreBlockedError:
    shown = "; ".join(plan.blockers[:5])
    more = f" (and {len(plan.blockers) - 5} more)" if len(plan.blockers) > 5 else ""
    return RestoreBlockedError(f"{len(plan.blockers)} blocker(s) appeared since the plan: {shown}{more}")
