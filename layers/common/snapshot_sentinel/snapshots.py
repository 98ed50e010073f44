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
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from snapshot_sentinel import errors
from snapshot_sentinel.client import DomainClient
from snapshot_sentinel.clock import parse_timestamp
from snapshot_sentinel.identity import names_stack, snapshot_metadata
from snapshot_sentinel.models import IN_PROGRESS, SnapshotInfo, iso


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

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "metadata": snapshot_metadata(self.stack_name, self.execution_id, subset=self.indices is not None),
        }
        if self.indices:
            body["indices"] = self.indices
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


def status_facts(snapshot: SnapshotInfo, *, deadline: datetime, now: datetime, polls: int) -> dict[str, Any]:
    """What the state machine carries between checks: the snapshot's facts and the deadline."""
    facts = snapshot.to_dict()
    facts.update(
        deadline=iso(deadline),
        deadline_passed=snapshot.state == IN_PROGRESS and now >= deadline,
        polls=polls,
    )
    return facts


def take_snapshot(client: DomainClient, request: TakeRequest, *, now: datetime, max_wait: timedelta) -> dict[str, Any]:
    """Start the snapshot, adopt this execution's own, or stand down for a duplicate; never waits."""
    where = f"[{request.repository}:{request.name}]"
    try:
        client.create_snapshot(request.repository, request.name, request.body())
    except errors.SnapshotAlreadyExistsError as exc:
        existing = client.find_snapshot(request.repository, request.name)
        if existing is None:
            raise
        return _existing(request, existing, exc, now=now, max_wait=max_wait)
    except errors.ConcurrentSnapshotError as exc:
        # Before Elasticsearch 7.9 the running snapshot that refuses ours may be ours: a create that
        # got no answer but was applied, then retried. Look before backing off.
        try:
            existing = client.find_snapshot(request.repository, request.name)
        except errors.DomainError:
            raise exc from None
        if existing is None:
            raise
        return _existing(request, existing, exc, now=now, max_wait=max_wait)
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
        return _existing(request, existing, exc, now=now, max_wait=max_wait)
    return _started(request, now=now, max_wait=max_wait)


def _started(request: TakeRequest, *, now: datetime, max_wait: timedelta) -> dict[str, Any]:
    """Facts of a fresh start (the first check reads the real ones). ``duplicate_of`` is None: this
    execution watches the snapshot (the state machine's "Duplicate start?" choice reads it)."""
    started = SnapshotInfo(name=request.name, state=IN_PROGRESS)
    return {**status_facts(started, deadline=now + max_wait, now=now, polls=0), "duplicate_of": None}


def _existing(
    request: TakeRequest, existing: SnapshotInfo, cause: errors.SentinelError, *, now: datetime, max_wait: timedelta
) -> dict[str, Any]:
    """The snapshot of this run's name exists: adopt it, stand down as a duplicate, or refuse."""
    if request.is_ours(existing):
        return _started(request, now=now, max_wait=max_wait)
    owner = request.duplicate_of(existing)
    if owner is not None:
        return {**status_facts(existing, deadline=now + max_wait, now=now, polls=0), "duplicate_of": owner}
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
    client: DomainClient, repository: str, name: str, *, deadline: str, polls: int, now: datetime
) -> dict[str, Any]:
    """One status check: ``GET _snapshot/<repo>/<name>``; the Choice state reads ``state``."""
    snapshot = client.get_snapshot(repository, name)
    return status_facts(snapshot, deadline=parse_timestamp(deadline), now=now, polls=polls + 1)
