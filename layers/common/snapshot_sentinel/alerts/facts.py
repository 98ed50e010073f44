"""What an alert says, as one typed object: :class:`AlertFacts` and the parts it is made of.

:meth:`AlertFacts.to_dict` is the one place the machine-readable schema is written, for every
outcome; the facts are read from the state machine's event by :mod:`.input`.
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from snapshot_sentinel import errors
from snapshot_sentinel.alerts.console import console_url
from snapshot_sentinel.alerts.json_values import clip, integer, one_line, text
from snapshot_sentinel.models import SnapshotInfo

SCHEMA_VERSION = 1

PARTIAL = "PARTIAL"
FAILED = "FAILED"
INCOMPATIBLE = "INCOMPATIBLE"
DEADLINE = "DEADLINE"
ERROR = "ERROR"
UNKNOWN = "UNKNOWN"
OUTCOMES = (PARTIAL, FAILED, INCOMPATIBLE, DEADLINE, ERROR, UNKNOWN)

OUTCOME_ERRORS: dict[str, type[errors.SentinelError]] = {
    PARTIAL: errors.PartialSnapshotError,
    FAILED: errors.SnapshotFailedError,
    INCOMPATIBLE: errors.SnapshotIncompatibleError,
    DEADLINE: errors.SnapshotDeadlineError,
}
"""The error an execution ends with when its snapshot ended badly (no step raised anything)."""

VALIDATING_INPUT = "validating the input"
TAKING_SNAPSHOT = "taking the snapshot"
CHECKING_SNAPSHOT = "checking the snapshot"
APPLYING_RETENTION = "applying retention"
PHASES = (VALIDATING_INPUT, TAKING_SNAPSHOT, CHECKING_SNAPSHOT, APPLYING_RETENTION)

ENSURING_REPOSITORY = "Make sure the repository is registered"
"""The state that registers a missing repository again; a Pass names it in ``failed_state`` when it fails."""

ALERTED_CAUSE_SUFFIX = "Alert sent to AlertTopic."
"""How every Cause of an execution that alerted ends; the last-resort rule alerts on the others."""

REASON_MAX_CHARS = 500
MESSAGE_MAX_CHARS = 2_000
CAUSE_DETAIL_MAX_CHARS = 400


@dataclass(frozen=True)
class Domain:
    name: str
    endpoint: str
    repository: str
    region: str


@dataclass(frozen=True)
class Failure:
    index: str
    shard_id: int | None
    reason: str
    node_id: str | None
    status: str | None

    @classmethod
    def read(cls, doc: Mapping[str, Any]) -> Failure:
        return cls(
            index=clip(text(doc.get("index")) or "?", 300),
            shard_id=integer(doc.get("shard_id", doc.get("shard"))),
            reason=clip(" ".join(text(doc.get("reason")).split()), REASON_MAX_CHARS),
            node_id=clip(text(doc.get("node_id")), 100) or None,
            status=clip(text(doc.get("status")), 100) or None,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "shard_id": self.shard_id,
            "reason": self.reason,
            "node_id": self.node_id,
            "status": self.status,
        }


@dataclass(frozen=True)
class Shards:
    total: int
    successful: int
    failed: int


@dataclass(frozen=True)
class Times:
    run_started: str | None = None
    snapshot_started: str | None = None
    snapshot_ended: str | None = None
    duration_seconds: float | None = None
    deadline: str | None = None


@dataclass(frozen=True)
class Progress:
    """How far a running snapshot had got at the last check, and its predicted end."""

    percent: float | None = None
    shards_done: int | None = None
    shards_total: int | None = None
    remaining: str | None = None
    eta: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "percent": self.percent,
            "shards_done": self.shards_done,
            "shards_total": self.shards_total,
            "remaining": self.remaining,
            "eta": self.eta,
        }


@dataclass(frozen=True)
class RunError:
    """The error a state caught: its name (an exception class of ours, or AWS's) and message."""

    name: str
    message: str


@dataclass(frozen=True)
class DomainRead:
    """What the alert function read from the domain itself while writing the alert.

    ``snapshot``: the run's snapshot as ``GET _snapshot/<repo>/<name>`` describes it now (every
    failure, the full reason); ``latest_full_backup``: the newest SUCCESS snapshot of this stack
    taken of the full default set of indices; ``problem``: why the snapshot could not be read.
    """

    snapshot: SnapshotInfo | None = None
    latest_full_backup: SnapshotInfo | None = None
    problem: str | None = None


@dataclass(frozen=True)
class AlertFacts:
    """Everything an alert says; the text, the JSON and the execution's Cause all come from here."""

    outcome: str
    error_name: str
    domain: Domain
    snapshot: str | None = None
    snapshot_uuid: str | None = None
    state: str | None = None
    state_now: str | None = None
    reason: str | None = None
    times: Times = Times()
    polls: int | None = None
    progress: Progress | None = None
    shards: Shards | None = None
    failures: tuple[Failure, ...] = ()
    failures_total: int = 0
    failures_from_domain: bool = False
    affected_indices: tuple[str, ...] = ()
    affected_indices_total: int = 0
    error: RunError | None = None
    execution_arn: str | None = None
    state_machine_arn: str | None = None
    failed_state: str | None = None
    phase: str | None = None
    run_input: str | None = None
    rerun_command: str = ""
    latest_full_backup: str | None = None
    latest_full_backup_started: str | None = None
    domain_problem: str | None = None
    raw_event: str | None = None

    @property
    def console_url(self) -> str | None:
        return console_url(self.execution_arn, self.domain.region) if self.execution_arn else None

    @property
    def failures_command(self) -> str:
        """A signed request that lists every failure of the snapshot, for the "and N more" line."""
        path = f"_snapshot/{self.domain.repository}/{self.snapshot or '<snapshot>'}?filter_path=snapshots.failures"
        if not self.domain.endpoint:
            return f"GET {path}"
        return (
            f"awscurl --service es --region {self.domain.region or '<region>'} "
            f"{shlex.quote(self.domain.endpoint.rstrip('/') + '/' + path)}"
        )

    @property
    def summary(self) -> str:
        """The alert's first sentence."""
        where = (
            f" while {self.failed_state or self.phase}"
            if (self.failed_state or self.phase) in PHASES
            else f" in state '{self.failed_state}'"
            if self.failed_state
            else ""
        )
        if self.outcome == PARTIAL and self.shards:
            return f"The snapshot finished PARTIAL: {self.shards.failed} of {self.shards.total} shards failed."
        if self.outcome == PARTIAL:
            return "The snapshot finished PARTIAL: some shards failed."
        if self.outcome == FAILED:
            return "The snapshot FAILED: it holds no usable data."
        if self.outcome == INCOMPATIBLE:
            return "The snapshot is INCOMPATIBLE with this domain's version: it cannot be restored here."
        if self.outcome == DEADLINE:
            return "The snapshot was still IN_PROGRESS when the run's deadline (MaxWaitMinutes) passed."
        if self.outcome == UNKNOWN:
            return "A backup run ended without success, and its record has a shape this alert does not know."
        if self.error is not None:
            return f"The run stopped with {self.error.name}{where}."
        return f"The run ended in state {self.state}{where}."

    @property
    def cause(self) -> str:
        """The execution's Cause: ``<Error>: <one-line summary> Alert sent to AlertTopic.``"""
        name = self.snapshot or "the run"
        if self.outcome == PARTIAL:
            failed = self.shards.failed if self.shards else self.failures_total
            shards = f"{failed} shard{'' if failed == 1 else 's'} failed" if failed else "some shards failed"
            of = f" of {self.shards.total}" if self.shards and self.shards.total else ""
            detail = f"{name} PARTIAL, {shards}{of}."
        elif self.outcome in (FAILED, INCOMPATIBLE):
            detail = f"{name} {self.outcome}" + (f": {self.reason}" if self.reason else ".")
        elif self.outcome == DEADLINE:
            detail = f"{name} still IN_PROGRESS at the deadline {self.times.deadline or '(MaxWaitMinutes)'}."
        elif self.error is not None and self.error.message:
            detail = self.error.message
        else:
            detail = self.summary
        detail = one_line(detail, CAUSE_DETAIL_MAX_CHARS)
        if not detail.endswith((".", "!", "?")):
            detail += "."
        return f"{self.error_name}: {detail} {ALERTED_CAUSE_SUFFIX}"

    def to_dict(self, failures_listed: int | None = None, indices_listed: int = 100) -> dict[str, Any]:
        """The machine-readable facts (schema_version 1), listing the first ``failures_listed`` failures."""
        listed = self.failures if failures_listed is None else self.failures[:failures_listed]
        return {
            "schema_version": SCHEMA_VERSION,
            "outcome": self.outcome,
            "summary": self.summary,
            "domain": self.domain.name,
            "endpoint": self.domain.endpoint,
            "region": self.domain.region,
            "repository": self.domain.repository,
            "snapshot": self.snapshot,
            "snapshot_uuid": self.snapshot_uuid,
            "state": self.state,
            "state_now": self.state_now,
            "reason": self.reason,
            "times": {
                "run_started": self.times.run_started,
                "snapshot_started": self.times.snapshot_started,
                "snapshot_ended": self.times.snapshot_ended,
                "duration_seconds": self.times.duration_seconds,
                "deadline": self.times.deadline,
            },
            "polls": self.polls,
            "progress": self.progress.to_dict() if self.progress else None,
            "shards": (
                {"total": self.shards.total, "successful": self.shards.successful, "failed": self.shards.failed}
                if self.shards
                else None
            ),
            "failures": [failure.to_dict() for failure in listed],
            "failures_total": self.failures_total,
            "failures_source": "domain" if self.failures_from_domain else "run",
            "failures_command": self.failures_command if self.failures_total > len(listed) else None,
            "affected_indices": list(self.affected_indices[:indices_listed]),
            "affected_indices_total": self.affected_indices_total,
            "error": {"name": self.error.name, "message": self.error.message} if self.error else None,
            "execution": {
                "arn": self.execution_arn,
                "state_machine_arn": self.state_machine_arn,
                "failed_state": self.failed_state,
                "error": self.error_name,
                "cause": self.cause,
            },
            "phase": self.phase,
            "console_url": self.console_url,
            "rerun_command": self.rerun_command,
            "latest_full_backup": (
                {"name": self.latest_full_backup, "started": self.latest_full_backup_started}
                if self.latest_full_backup
                else None
            ),
            "domain_read_problem": self.domain_problem,
            "raw_event": self.raw_event,
        }
