"""What an alert says, as one typed object read from whatever the state machine sent.

:func:`read_facts` never raises: an event of the expected shape becomes :class:`AlertFacts` of
outcome PARTIAL, FAILED, INCOMPATIBLE, DEADLINE or ERROR; anything else becomes the same object
with outcome UNKNOWN and the raw event attached. :meth:`AlertFacts.to_dict` is the one place the
machine-readable schema is written, for both.

The state machine carries only bounded snapshot facts (a sample of the failures and their count);
the alert function completes them with what it reads from the domain itself (:class:`DomainRead`).
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from snapshot_sentinel import errors
from snapshot_sentinel.alerts.json_values import as_json, clip, integer, mapping, one_line, sequence, text
from snapshot_sentinel.models import SnapshotInfo, iso

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

UNKNOWN_ERROR = "UnknownError"
REASON_MAX_CHARS = 500
MESSAGE_MAX_CHARS = 2_000
RAW_MAX_CHARS = 20_000
CAUSE_DETAIL_MAX_CHARS = 400
RERUN_INPUT_MAX_CHARS = 4_000
"""An input longer than this is read back from the execution instead of quoted (never cut)."""

_RERUN_KEYS = ("indices", "skip_retention", "retention_dry_run", "retention_only")
_EXECUTION_ARN = re.compile(r"arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:execution:[^\s\"'\\,]+")
_EPOCH_ZERO = "1970-01-01T00:00:00"


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


# -- reading the event ---------------------------------------------------------------------------


def read_facts(event: Any, domain: Domain, found: DomainRead | None = None) -> AlertFacts:
    """The facts of one run that did not succeed; never raises, whatever ``event`` holds."""
    try:
        facts = _read_run(event, domain, found or DomainRead())
    except Exception:  # noqa: BLE001 an alert must go out even for a shape nobody expected
        facts = None
    return facts if facts is not None else _read_unreadable(event, domain, found or DomainRead())


def _read_run(event: Any, domain: Domain, found: DomainRead) -> AlertFacts | None:
    if not isinstance(event, Mapping) or not isinstance(event.get("run"), Mapping):
        return None
    run: Mapping[str, Any] = event["run"]
    config = mapping(run.get("config"))
    snapshot = mapping(run.get("snapshot"))
    error = _read_error(run.get("error"))
    state = clip(text(snapshot.get("state")).upper(), 40) or None
    outcome = _outcome(state, snapshot, error)
    if outcome is None:
        return None

    name = clip(text(snapshot.get("name")) or text(config.get("snapshot_name")), 300) or None
    fetched = found.snapshot if found.snapshot is not None and found.snapshot.name == name else None
    recorded = [Failure.read(doc) for doc in sequence(snapshot.get("failures")) if isinstance(doc, Mapping)]
    if fetched is not None and fetched.state == state:
        failures = [Failure.read(failure.to_dict()) for failure in fetched.failures]
        total = len(failures)
        reason = fetched.reason
    else:
        failures = recorded
        total = max(len(recorded), integer(snapshot.get("failures_count")) or 0)
        reason = text(snapshot.get("reason"))
    affected = sorted({failure.index for failure in failures})
    execution_arn = _execution_arn(event, config)
    machine_arn = state_machine_arn(execution_arn) if execution_arn else None
    phase = _phase(config, snapshot, state, error)
    invalid_input = error is not None and error.name == errors.InvalidInputError.__name__ and "input" in run
    return AlertFacts(
        outcome=outcome,
        error_name=error.name if error else OUTCOME_ERRORS[outcome].__name__,
        domain=domain,
        snapshot=name,
        snapshot_uuid=clip(text(snapshot.get("uuid")), 100) or None,
        state=state,
        state_now=fetched_state(found, name, state),
        reason=clip(reason or "", MESSAGE_MAX_CHARS) or None,
        times=_times(config, snapshot),
        polls=integer(snapshot.get("polls")),
        progress=_progress(snapshot) if state == "IN_PROGRESS" else None,
        shards=_shards(snapshot),
        failures=tuple(failures),
        failures_total=total,
        failures_from_domain=fetched is not None and fetched.state == state,
        affected_indices=tuple(affected),
        affected_indices_total=max(len(affected), integer(snapshot.get("failed_indices_count")) or 0),
        error=error,
        execution_arn=execution_arn,
        state_machine_arn=machine_arn,
        failed_state=clip(text(event.get("failed_state")) or text(run.get("failed_state")), 200) or None,
        phase=phase,
        run_input=clip(as_json(run.get("input")), MESSAGE_MAX_CHARS) if invalid_input else None,
        rerun_command=rerun_command(machine_arn, execution_arn, config, run, keep_input=invalid_input),
        latest_full_backup=_latest_name(found),
        latest_full_backup_started=_latest_started(found),
        domain_problem=found.problem,
    )


def _read_unreadable(event: Any, domain: Domain, found: DomainRead) -> AlertFacts:
    raw = clip(as_json(event), RAW_MAX_CHARS)
    match = _EXECUTION_ARN.search(raw)
    execution_arn = match.group(0) if match else None
    machine_arn = state_machine_arn(execution_arn) if execution_arn else None
    return AlertFacts(
        outcome=UNKNOWN,
        error_name=_first_error_name(event) or UNKNOWN_ERROR,
        domain=domain,
        execution_arn=execution_arn,
        state_machine_arn=machine_arn,
        rerun_command=rerun_command(machine_arn, execution_arn, {}, {}, keep_input=False),
        latest_full_backup=_latest_name(found),
        latest_full_backup_started=_latest_started(found),
        raw_event=raw,
    )


def _latest_name(found: DomainRead) -> str | None:
    return clip(found.latest_full_backup.name, 300) if found.latest_full_backup else None


def _latest_started(found: DomainRead) -> str | None:
    return iso(found.latest_full_backup.start_time) if found.latest_full_backup else None


def fetched_state(found: DomainRead, name: str | None, state: str | None) -> str | None:
    """The snapshot's state as the alert function read it, when it differs from the run's record."""
    if found.snapshot is None or found.snapshot.name != name or found.snapshot.state == state:
        return None
    return clip(found.snapshot.state, 40) or None


def _first_error_name(value: Any, depth: int = 0) -> str | None:
    if depth > 4 or not isinstance(value, Mapping):
        return None
    name = text(value.get("Error"))
    if re.fullmatch(r"[A-Za-z][\w.]{0,99}", name):
        return name
    for child in value.values():
        found = _first_error_name(child, depth + 1)
        if found:
            return found
    return None


def _outcome(state: str | None, snapshot: Mapping[str, Any], error: RunError | None) -> str | None:
    if error is not None:
        return DEADLINE if error.name == errors.SnapshotDeadlineError.__name__ else ERROR
    if state in (PARTIAL, FAILED, INCOMPATIBLE):
        return state
    if state == "IN_PROGRESS" and snapshot.get("deadline_passed") is not False:
        return DEADLINE
    return None


def _phase(
    config: Mapping[str, Any], snapshot: Mapping[str, Any], state: str | None, error: RunError | None
) -> str | None:
    """Where a caught error most likely struck, from what the run had recorded by then.

    Each step writes its own key: validation ``config``, the take and check steps ``snapshot``;
    retention runs only after a SUCCESS check or in a retention-only run.
    """
    if error is None:
        return None
    if not config:
        return VALIDATING_INPUT
    if config.get("retention_only") is True or state == "SUCCESS":
        return APPLYING_RETENTION
    if not snapshot:
        return TAKING_SNAPSHOT
    return CHECKING_SNAPSHOT


def _read_error(value: Any) -> RunError | None:
    if not isinstance(value, Mapping) or not value:
        return None
    # An error name is one line: it becomes the execution's Error, and the Cause starts with it.
    name = " ".join((text(value.get("Error")) or text(value.get("error"))).split()) or UNKNOWN_ERROR
    cause = value.get("Cause", value.get("cause"))
    message = text(cause)
    if isinstance(cause, str) and cause.lstrip().startswith("{"):
        try:
            decoded = json.loads(cause)
        except ValueError:
            decoded = None
        if isinstance(decoded, Mapping):
            message = text(decoded.get("errorMessage")) or text(decoded.get("cause")) or message
    elif isinstance(cause, Mapping):
        message = text(cause.get("errorMessage")) or as_json(cause)
    return RunError(name=clip(name, 200), message=clip(" ".join(message.split()), MESSAGE_MAX_CHARS))


def _shards(snapshot: Mapping[str, Any]) -> Shards | None:
    shards = mapping(snapshot.get("shards"))
    if not shards:
        return None
    total, successful, failed = (integer(shards.get(key)) or 0 for key in ("total", "successful", "failed"))
    return Shards(total=total, successful=successful, failed=failed)


def _progress(snapshot: Mapping[str, Any]) -> Progress | None:
    """The check step's progress and ETA keys, when it recorded any."""
    progress = mapping(snapshot.get("progress"))
    percent = progress.get("percent")
    found = Progress(
        percent=float(percent) if isinstance(percent, int | float) and not isinstance(percent, bool) else None,
        shards_done=integer(progress.get("shards_done")),
        shards_total=integer(progress.get("shards_total")),
        remaining=clip(text(snapshot.get("remaining_text")), 100) or None,
        eta=_timestamp(snapshot.get("eta")),
    )
    return found if found != Progress() else None


def _times(config: Mapping[str, Any], snapshot: Mapping[str, Any]) -> Times:
    started = _timestamp(snapshot.get("start_time"))
    ended = _timestamp(snapshot.get("end_time"))
    deadline = _timestamp(config.get("deadline")) or _timestamp(snapshot.get("deadline"))
    duration = snapshot.get("duration_seconds")
    seconds: float | None = float(duration) if isinstance(duration, int | float) and duration > 0 else None
    if seconds is None and started and ended:
        seconds = _seconds_between(started, ended)
    if seconds is None and started and deadline and text(snapshot.get("state")).upper() == "IN_PROGRESS":
        seconds = _seconds_between(started, deadline)
    return Times(
        run_started=_timestamp(config.get("execution_start_time")),
        snapshot_started=started,
        snapshot_ended=ended,
        duration_seconds=seconds,
        deadline=deadline,
    )


def _seconds_between(start: str, end: str) -> float | None:
    try:
        seconds = (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds()
    except ValueError:
        return None
    return seconds if seconds >= 0 else None


def _timestamp(value: Any) -> str | None:
    moment = text(value)
    if not moment or moment.startswith(_EPOCH_ZERO):
        return None
    return moment[:64]


def _execution_arn(event: Mapping[str, Any], config: Mapping[str, Any]) -> str | None:
    run = mapping(event.get("run"))
    for candidate in (config.get("execution_id"), event.get("execution_id"), run.get("execution_id")):
        arn = text(candidate)
        if arn.startswith("arn:"):
            return arn[:2048]
    return None


# -- the re-run command ----------------------------------------------------------------------------


def rerun_command(
    machine_arn: str | None,
    execution_arn: str | None,
    config: Mapping[str, Any],
    run: Mapping[str, Any],
    *,
    keep_input: bool,
) -> str:
    """The same request again, as a shell command whose ``--input`` is always valid JSON.

    The run's own input, less its snapshot name (a new run names its own); the refused input as
    it was for an InvalidInputError. An input too long to quote is never cut: the command reads it
    back from the execution instead.
    """
    raw_input = run.get("input")
    run_input: Any
    if keep_input:
        run_input = raw_input
    elif isinstance(raw_input, Mapping):
        run_input = {key: value for key, value in raw_input.items() if key != "snapshot_name"}
    else:
        run_input = {key: config[key] for key in _RERUN_KEYS if config.get(key) not in (None, False, "")}
    arn = machine_arn or "<BackupStateMachine ARN: aws stepfunctions list-state-machines>"
    start = f"aws stepfunctions start-execution --state-machine-arn {shlex.quote(arn)} --input "
    payload = _json_text(run_input)
    if len(payload) <= RERUN_INPUT_MAX_CHARS or not execution_arn:
        return start + shlex.quote(payload if len(payload) <= RERUN_INPUT_MAX_CHARS else "{}")
    read_back = (
        f"aws stepfunctions describe-execution --execution-arn {shlex.quote(execution_arn)} --query input --output text"
    )
    if not keep_input and isinstance(raw_input, Mapping) and "snapshot_name" in raw_input:
        read_back += " | jq -c 'del(.snapshot_name)'"
    return start + f'"$({read_back})"'


def _json_text(value: Any) -> str:
    payload = json.dumps(value, ensure_ascii=False, default=str)
    try:
        payload.encode()
    except UnicodeEncodeError:  # a lone surrogate: SNS takes UTF-8 only, \\u escapes are still JSON
        payload = json.dumps(value, default=str)
    return payload


# -- links -----------------------------------------------------------------------------------------


def console_url(execution_arn: str, region: str = "") -> str | None:
    """The execution's page in the Step Functions console, in the ARN's own partition."""
    parts = execution_arn.split(":")
    if len(parts) < 7 or parts[2] != "states":
        return None
    partition, arn_region = parts[1], parts[3] or region
    host = {
        "aws-cn": "console.amazonaws.cn",
        "aws-us-gov": "console.amazonaws-us-gov.com",
    }.get(partition, "console.aws.amazon.com")
    return f"https://{arn_region}.{host}/states/home?region={arn_region}#/v2/executions/details/{execution_arn}"


def state_machine_arn(execution_arn: str) -> str | None:
    """``arn:...:execution:<machine>:<id>`` -> ``arn:...:stateMachine:<machine>``."""
    parts = execution_arn.split(":")
    if len(parts) < 7 or parts[2] != "states" or parts[5] not in ("execution", "express"):
        return None
    return ":".join([*parts[:5], "stateMachine", parts[6]])
