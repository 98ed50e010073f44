"""The restore request: sent once, exactly the planned sources; after no answer (504, reset, timeout)
the targets say whether it was applied."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from snapshot_sentinel import errors
from snapshot_sentinel.clock import RESTORE, wait_facts
from snapshot_sentinel.errors import UNANSWERED
from snapshot_sentinel.models import iso
from snapshot_sentinel.naming import plural
from snapshot_sentinel.restore.errors import (
    RestoreStartUnconfirmedError,
    RestoreTargetExistsError,
)
from snapshot_sentinel.restore.plan import (
    RestorePlan,
)
from snapshot_sentinel.restore.safety import reopen, saved_or_refuse
from snapshot_sentinel.restore.steps import RestoreRun, blocked_error, replan


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
    plan, cluster = replan(run, planned, set_aside=replacing)
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
        saved_or_refuse(run, plan, str(planned.get("safety_snapshot")), closed=set_aside)
    present = [t for t in targets if cluster.indices.get(t) == "open" or (t in cluster.indices and not replacing)]
    if present:
        _adopt_or_refuse(run, snapshot, present, "before this step")
        facts["adopted"] = True
    elif plan.blocked:
        raise blocked_error(plan)
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
            reopened = reopen(run, set_aside)
            raise type(exc)(f"{exc.reason}{reopened}", status=exc.status, error_type=exc.error_type) from exc
    if plan.aliases.add:
        run.domain.add_aliases(plan.aliases.add)
        facts["aliases_added"] = len(plan.aliases.add)
    return facts
