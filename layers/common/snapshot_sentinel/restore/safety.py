"""The steps of a restore that replaces indices: snapshot exactly the conflicting indices into the
stack's own repository, close them once that snapshot holds them (set aside), and open them again
after a failure before the restore went over them.

Replacing an index never frees its name: once the safety snapshot holds it, it is closed (a live
writer then gets index_closed_exception rather than auto-creating a fresh index in the gap), the
restore goes over the closed index, and if the engine refuses the restore the closed indices are
opened again as they were.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from snapshot_sentinel.backup.steps import TakeRequest, take_snapshot
from snapshot_sentinel.clock import RESTORE
from snapshot_sentinel.models import SUCCESS
from snapshot_sentinel.naming import counted
from snapshot_sentinel.restore.errors import (
    RestoreTargetExistsError,
    SafetySnapshotFailedError,
)
from snapshot_sentinel.restore.plan import (
    RestorePlan,
)
from snapshot_sentinel.restore.steps import RestoreRun, blocked_error, plan_of, replan

WAITING_SAMPLE = 10


def take_safety_snapshot(
    run: RestoreRun, planned: dict[str, Any], *, now: datetime, max_wait: timedelta
) -> dict[str, Any]:
    """Snapshot exactly the conflicting indices into the stack's own repository."""
    plan, _ = replan(run, planned)
    if plan.blocked:
        raise blocked_error(plan)
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


def saved_or_refuse(run: RestoreRun, plan: RestorePlan, safety_name: str, *, closed: Sequence[str] = ()) -> str:
    """Every index the plan replaces must be in the SUCCESS safety snapshot ``safety_name``."""
    saved = run.client.get_snapshot(run.own_repository, safety_name)
    if saved.state != SUCCESS:
        raise SafetySnapshotFailedError(f"safety snapshot [{saved.name}] is {saved.state}; nothing was closed")
    unsaved = [name for name in plan.conflicts if name not in saved.indices]
    if unsaved:
        reopened = reopen(run, closed)
        raise RestoreTargetExistsError(
            f"{counted(len(unsaved), 'index')} the restore would replace "
            f"{'is' if len(unsaved) == 1 else 'are'} not in safety snapshot [{saved.name}] (first: "
            f"{', '.join(unsaved[:5])}); they appeared after it was taken; nothing was restored{reopened}"
        )
    return saved.name


def reopen(run: RestoreRun, closed: Sequence[str]) -> str:
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
    plan, cluster = replan(run, planned, set_aside=True)
    if plan.blocked:
        raise blocked_error(plan)
    saved = saved_or_refuse(run, plan, str(safety["name"]))
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
    plan = plan_of(run, snapshot, "planned", cluster, set_aside=True)
    closed = [name for name in plan.conflicts if cluster.indices.get(name) == "close"]
    return {
        "reopened_count": len(closed),
        "reopened_sample": closed[:WAITING_SAMPLE],
        "requests": run.domain.open_indices(closed),
    }


def set_aside_step(run: RestoreRun, event: Mapping[str, Any]) -> dict[str, Any]:
    """DeleteConflictingIndicesFunction's two calls: set the conflicts aside once ``event["safety"]``
    holds them, or (``event["reopen"]``, after a failure) open them again."""
    if event.get("reopen"):
        return reopen_set_aside(run, event["plan"])
    return set_aside_conflicts(run, event["plan"], event["safety"])
