"""Taking a snapshot and checking on it: the two steps the state machine loops around.

Neither step waits, and neither retries: the state machine's Wait state spaces the checks and
its Retry blocks retry :data:`snapshot_sentinel.errors.TRANSIENT_ERRORS`. The take step starts
the snapshot with ``wait_for_completion=false`` and returns. Whenever the create does not plainly
succeed (no answer, a name that exists, another snapshot running), the step looks its name up
before deciding, so nothing is ever created twice and nothing of ours is mistaken for a stranger:

- this execution's own snapshot (a create that got no answer but was applied, then retried) is
  adopted and watched;
- a snapshot another execution of this stack started under the same derived name (EventBridge
  Scheduler delivers at least once: two starts in the same second derive the same name) makes
  this run a duplicate: it ends quietly, the other execution watches the snapshot and alerts;
- anything else with that name fails with :class:`SnapshotAlreadyExistsError`;
- no snapshot of that name: the original error stands (retried by the state machine), after no
  answer as the retryable :class:`SnapshotStartUnconfirmedError`.

**A red cluster.** The engine refuses a whole snapshot when an index it covers has a primary shard
that is not allocated (:class:`PrimaryShardsUnallocatedError`, nothing written). A backup
(``partial_allowed``) then asks again with ``partial: true``: every other index is backed up
tonight, the unallocated shards are the snapshot's failures, and the run ends PARTIAL and pages
naming them (docs/decisions.md). A restore's safety snapshot must be whole, so there it stands.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from snapshot_sentinel import errors
from snapshot_sentinel.backup.settings import SnapshotSettings
from snapshot_sentinel.client import DomainClient
from snapshot_sentinel.clock import (
    Progress,
    minimum_wait_seconds,
    next_wait_seconds,
    parse_timestamp,
    predicted_remaining_seconds,
    remaining_text,
)
from snapshot_sentinel.models import IN_PROGRESS, SnapshotInfo, iso
from snapshot_sentinel.naming import run_snapshot_name
from snapshot_sentinel.observability import logger
from snapshot_sentinel.ownership import backup_scope, names_stack, snapshot_metadata


@dataclass(frozen=True)
class TakeRequest:
    repository: str
    name: str
    indices: str | None
    stack_name: str
    execution_id: str
    execution_start: datetime
    derived_name: bool = False
    """The run derived ``name`` from its start time (no ``snapshot_name`` in its input): only then may
    another execution of this stack hold the same name as a duplicate start."""
    partial_allowed: bool = False
    """When the engine refuses the whole snapshot for unallocated primaries, ask again for what there is."""
    partial: bool = False
    """Ask the engine for ``partial: true``: a shard whose primary is not allocated fails, the rest is taken."""

    @classmethod
    def of_run(cls, settings: SnapshotSettings, state: Mapping[str, Any]) -> TakeRequest:
        """This run's request, from the backup state machine's state (the validated input, the
        execution's ARN and start time)."""
        execution_start = parse_timestamp(state["execution_start_time"])
        indices = state.get("indices")
        return cls(
            repository=settings.domain.repository,
            name=state["snapshot_name"],
            indices=indices,
            stack_name=settings.stack_name,
            execution_id=state["execution_id"],
            execution_start=execution_start,
            derived_name=state["snapshot_name"]
            == run_snapshot_name(settings.prefix, execution_start, subset=indices is not None),
            partial_allowed=True,
        )

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "metadata": snapshot_metadata(self.stack_name, self.execution_id, subset=self.indices is not None),
        }
        if self.indices:
            body["indices"] = self.indices
        if self.partial:
            body["partial"] = True
        return body

    def is_ours(self, snapshot: SnapshotInfo) -> bool:
        """True when this execution started ``snapshot``.

        Elasticsearch before 7.3 drops ``metadata``; there the name (which carries the
        execution's start time) and a start no earlier than the execution's decide. On engines
        that store metadata, a snapshot without it is not ours.
        """
        if snapshot.metadata:
            return snapshot.metadata.get("execution_id") == self.execution_id
        if snapshot.engine_stores_metadata:
            return False
        return snapshot.start_time is not None and snapshot.start_time >= self.execution_start - timedelta(seconds=1)

    def duplicate_of(self, snapshot: SnapshotInfo) -> str | None:
        """The execution ARN of another run of this stack that took ``snapshot`` under the same
        derived name, or None. A name the caller gave is never shared this way."""
        if not self.derived_name or not names_stack(snapshot.metadata, self.stack_name):
            return None
        owner = snapshot.metadata.get("execution_id")
        return str(owner) if owner and owner != self.execution_id else None


def status_facts(
    snapshot: SnapshotInfo,
    *,
    deadline: datetime,
    now: datetime,
    polls: int,
    min_wait_seconds: int,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """What the state machine carries between checks: the snapshot's bounded facts, the deadline,
    progress and its ETA while it runs, and ``next_wait_seconds`` for the Wait state."""
    facts = snapshot.bounded_facts()
    running = snapshot.state == IN_PROGRESS
    remaining = predicted_remaining_seconds(progress, started=snapshot.start_time, now=now) if running else None
    facts.update(
        deadline=iso(deadline),
        deadline_passed=running and now >= deadline,
        polls=polls,
        progress=progress.to_dict() if running and progress is not None else None,
        remaining_seconds=None if remaining is None else round(remaining),
        eta=None if remaining is None else iso(now + timedelta(seconds=remaining)),
        remaining_text=remaining_text(remaining),
        min_wait_seconds=min_wait_seconds,
        next_wait_seconds=next_wait_seconds(remaining, floor_seconds=min_wait_seconds, now=now, deadline=deadline),
    )
    return facts


def take_snapshot(
    client: DomainClient,
    request: TakeRequest,
    *,
    now: datetime,
    max_wait: timedelta,
    poll_interval_seconds: int = 60,
    min_wait_seconds: int | None = None,
) -> dict[str, Any]:
    """Start the snapshot, adopt this execution's own, or stand down for a duplicate; never waits.

    The checks' wait floor is the backup's (:data:`snapshot_sentinel.clock.BACKUP`) unless the
    caller, another state machine with its own history budget, gives ``min_wait_seconds``."""
    where = f"[{request.repository}:{request.name}]"
    floor = min_wait_seconds or minimum_wait_seconds(poll_interval_seconds, max_wait.total_seconds())
    timing = _Timing(now, max_wait, floor)
    try:
        client.create_snapshot(request.repository, request.name, request.body())
    except errors.PrimaryShardsUnallocatedError as exc:
        if not request.partial_allowed:
            raise
        logger.warning("primaries not allocated: taking the rest (partial)", extra={"error": str(exc)})
        return take_snapshot(
            client,
            replace(request, partial=True, partial_allowed=False),
            now=now,
            max_wait=max_wait,
            poll_interval_seconds=poll_interval_seconds,
            min_wait_seconds=min_wait_seconds,
        )
    except errors.SnapshotAlreadyExistsError as exc:
        existing = client.find_snapshot(request.repository, request.name)
        if existing is None:
            raise
        return _existing(request, existing, exc, timing)
    except errors.ConcurrentSnapshotError as exc:
        # Before Elasticsearch 7.9 the running snapshot that refuses ours may be ours: a create that
        # got no answer but was applied, then retried. Look before backing off.
        try:
            existing = client.find_snapshot(request.repository, request.name)
        except errors.DomainError:
            raise exc from None
        if existing is None:
            raise
        return _existing(request, existing, exc, timing)
    except errors.TRANSIENT_ERRORS as exc:
        try:
            existing = client.find_snapshot(request.repository, request.name)
        except errors.DomainError as lookup_exc:
            raise errors.SnapshotStartUnconfirmedError(
                f"the create request for {where} failed ({exc}) and the look-up failed too ({lookup_exc}); "
                "safe to try again"
            ) from lookup_exc
        if existing is None:
            raise errors.SnapshotStartUnconfirmedError(
                f"the create request for {where} failed ({exc}) and the snapshot is not there; safe to try again"
            ) from exc
        return _existing(request, existing, exc, timing)
    return _started(request, timing)


def take_run_snapshot(
    client: DomainClient, settings: SnapshotSettings, state: Mapping[str, Any], *, now: datetime
) -> dict[str, Any]:
    """The backup state machine's take step: :func:`take_snapshot` of :meth:`TakeRequest.of_run`,
    watched for MaxWaitMinutes at the run's poll interval (PollIntervalSeconds unless its input
    gave one)."""
    return take_snapshot(
        client,
        TakeRequest.of_run(settings, state),
        now=now,
        max_wait=timedelta(minutes=settings.max_wait_minutes),
        poll_interval_seconds=int(state.get("poll_interval_seconds") or settings.poll_interval_seconds),
    )


@dataclass(frozen=True)
class _Timing:
    """When the take step runs, and the deadline and wait floor its facts carry."""

    now: datetime
    max_wait: timedelta
    min_wait_seconds: int

    def facts(self, snapshot: SnapshotInfo) -> dict[str, Any]:
        return status_facts(
            snapshot, deadline=self.now + self.max_wait, now=self.now, polls=0, min_wait_seconds=self.min_wait_seconds
        )


def _started(request: TakeRequest, timing: _Timing) -> dict[str, Any]:
    """Facts of a fresh start (the first check reads the real ones). ``duplicate_of`` is None: this
    execution watches the snapshot (the state machine's "Duplicate start?" choice reads it)."""
    started = SnapshotInfo(name=request.name, state=IN_PROGRESS)
    return {**timing.facts(started), "duplicate_of": None}


def _existing(
    request: TakeRequest, existing: SnapshotInfo, cause: errors.SentinelError, timing: _Timing
) -> dict[str, Any]:
    """The snapshot of this run's name exists: adopt it, stand down as a duplicate, or refuse."""
    if request.is_ours(existing):
        return _started(request, timing)
    owner = request.duplicate_of(existing)
    if owner is not None:
        return {**timing.facts(existing), "duplicate_of": owner}
    where = f"[{request.repository}:{request.name}]"
    if request.derived_name:
        advice = (
            "no run of this stack took it (a snapshot taken by hand under the managed name?); to take tonight's "
            "backup now, start a run with a snapshot_name of your choice"
        )
    else:
        advice = "choose another snapshot_name"
    status = cause.status if isinstance(cause, errors.DomainError) else 400
    raise errors.SnapshotAlreadyExistsError(
        f"snapshot {where} already exists and was not taken by this run; {advice}", status=status
    ) from cause


def check_snapshot(
    client: DomainClient,
    repository: str,
    name: str,
    *,
    deadline: str,
    polls: int,
    min_wait_seconds: int,
    now: datetime,
    prefix: str = "",
    stack_name: str | None = None,
) -> dict[str, Any]:
    """One status check; the Choice state reads ``state``, the Wait state ``next_wait_seconds``,
    the metrics ``scope`` (:func:`snapshot_sentinel.ownership.backup_scope`, by ``prefix`` and
    ``stack_name``: only a full backup of this stack counts as a backup).

    ``GET _snapshot/<repo>/<name>`` first: the state and, once finished, shards and failures.
    Only while it runs, ``GET _snapshot/<repo>/<name>/_status`` for progress (of a running
    snapshot the engine answers from memory; of a finished one it reads every shard's metadata
    from the repository, so it is never asked then). Progress is a hint: when ``_status``
    fails, the check still answers, with the floor as the next wait.
    """
    snapshot = client.get_snapshot(repository, name)
    progress = None
    if snapshot.state == IN_PROGRESS:
        try:
            progress = Progress.from_status(client.snapshot_status(repository, name))
        except errors.DomainError as exc:
            logger.warning("no progress from _status; waiting the minimum", extra={"error": str(exc)})
    facts = status_facts(
        snapshot,
        deadline=parse_timestamp(deadline),
        now=now,
        polls=polls + 1,
        min_wait_seconds=min_wait_seconds,
        progress=progress,
    )
    facts["scope"] = backup_scope(snapshot, prefix, stack_name)
    return facts


def check_run_snapshot(
    client: DomainClient, settings: SnapshotSettings, state: Mapping[str, Any], *, now: datetime
) -> dict[str, Any]:
    """A check step of the backup state machine (or of the restore's safety snapshot): :func:`check_snapshot`
    of the state's snapshot, its deadline, its checks so far and its wait floor.

    An execution started before ETA polling carries no ``min_wait_seconds``: its floor is derived
    from the settings as the take step would have. A read-only stack (RepositoryReadOnly) counts
    any stack of this project as the snapshot's owner.
    """
    return check_snapshot(
        client,
        settings.domain.repository,
        state["snapshot_name"],
        deadline=state["deadline"],
        polls=int(state.get("polls", 0)),
        min_wait_seconds=int(
            state.get("min_wait_seconds")
            or minimum_wait_seconds(settings.poll_interval_seconds, settings.max_wait_minutes * 60)
        ),
        now=now,
        prefix=settings.prefix,
        stack_name=None if settings.read_only else settings.stack_name,
    )
