"""Taking a snapshot and checking on it: the two steps the state machine loops around.

Neither step waits. The take step starts the snapshot with ``wait_for_completion=false`` and
returns; the state machine's Wait state spaces the checks. A create that got no answer (504,
read timeout, reset) may still have started the snapshot, so the take step looks the name up
before deciding: a snapshot this execution started is adopted, an absent one is a retryable
:class:`SnapshotStartUnconfirmedError`, and nothing is ever created twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from snapshot_sentinel import errors
from snapshot_sentinel.client import DomainClient
from snapshot_sentinel.clock import parse_timestamp
from snapshot_sentinel.models import IN_PROGRESS, SnapshotInfo, iso
from snapshot_sentinel.observability import logger
from snapshot_sentinel.polling import (
    Progress,
    minimum_wait_seconds,
    next_wait_seconds,
    predicted_remaining_seconds,
    remaining_text,
)

TAKEN_BY = "snapshot-sentinel"

UNANSWERED = (errors.GatewayTimeoutError, errors.DomainConnectionError, errors.DomainUnavailableError)
"""Create failures after which the snapshot may or may not have started."""


@dataclass(frozen=True)
class TakeRequest:
    repository: str
    name: str
    indices: str | None
    stack_name: str
    execution_id: str
    execution_start: datetime

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "metadata": {"taken_by": TAKEN_BY, "stack": self.stack_name, "execution_id": self.execution_id},
        }
        if self.indices:
            body["indices"] = self.indices
        return body

    def is_ours(self, snapshot: SnapshotInfo) -> bool:
        """True when this execution started ``snapshot``.

        Elasticsearch before 7.3 drops ``metadata``; there the name (which carries the
        execution's start time) and a start no earlier than the execution's decide.
        """
        if snapshot.metadata:
            return snapshot.metadata.get("execution_id") == self.execution_id
        return snapshot.start_time is not None and snapshot.start_time >= self.execution_start - timedelta(seconds=1)


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
) -> dict[str, Any]:
    """Start the snapshot (or adopt the one this execution already started); never waits for it."""
    try:
        client.create_snapshot(request.repository, request.name, request.body())
    except errors.SnapshotAlreadyExistsError as exc:
        existing = client.find_snapshot(request.repository, request.name)
        if existing is None or not request.is_ours(existing):
            raise errors.SnapshotAlreadyExistsError(
                f"snapshot [{request.repository}:{request.name}] already exists and was not taken by this run; "
                "choose another snapshot_name",
                status=exc.status,
                error_type=exc.error_type,
            ) from exc
    except UNANSWERED as exc:
        try:
            existing = client.find_snapshot(request.repository, request.name)
        except errors.DomainError as lookup_exc:
            raise errors.SnapshotStartUnconfirmedError(
                f"the create request for [{request.repository}:{request.name}] got no answer ({exc}) and the "
                f"look-up failed too ({lookup_exc}); safe to try again"
            ) from lookup_exc
        if existing is None:
            raise errors.SnapshotStartUnconfirmedError(
                f"the create request for [{request.repository}:{request.name}] got no answer ({exc}) and the "
                "snapshot is not there; safe to try again"
            ) from exc
        if not request.is_ours(existing):
            raise errors.SnapshotAlreadyExistsError(
                f"snapshot [{request.repository}:{request.name}] exists but was not taken by this run", status=400
            ) from exc
    started = SnapshotInfo(name=request.name, state=IN_PROGRESS)
    floor = minimum_wait_seconds(poll_interval_seconds, max_wait.total_seconds())
    return status_facts(started, deadline=now + max_wait, now=now, polls=0, min_wait_seconds=floor)


def check_snapshot(
    client: DomainClient,
    repository: str,
    name: str,
    *,
    deadline: str,
    polls: int,
    min_wait_seconds: int,
    now: datetime,
) -> dict[str, Any]:
    """One status check; the Choice state reads ``state``, the Wait state ``next_wait_seconds``.

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
    return status_facts(
        snapshot,
        deadline=parse_timestamp(deadline),
        now=now,
        polls=polls + 1,
        min_wait_seconds=min_wait_seconds,
        progress=progress,
    )
