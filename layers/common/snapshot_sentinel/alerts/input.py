"""Reading the state machine's event into :class:`AlertFacts`.

:func:`read_facts` never raises: an event of the expected shape becomes :class:`AlertFacts` of
outcome PARTIAL, FAILED, INCOMPATIBLE, DEADLINE or ERROR; anything else becomes the same object
with outcome UNKNOWN and the raw event attached.

The state machine carries only bounded snapshot facts (a sample of the failures and their count);
the alert function completes them with what it reads from the domain itself (:class:`DomainRead`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from snapshot_sentinel import errors
from snapshot_sentinel.alerts.console import state_machine_arn
from snapshot_sentinel.alerts.facts import (
    APPLYING_RETENTION,
    CHECKING_SNAPSHOT,
    DEADLINE,
    ERROR,
    FAILED,
    INCOMPATIBLE,
    MESSAGE_MAX_CHARS,
    OUTCOME_ERRORS,
    PARTIAL,
    TAKING_SNAPSHOT,
    UNKNOWN,
    VALIDATING_INPUT,
    AlertFacts,
    Domain,
    DomainRead,
    Failure,
    Progress,
    RunError,
    Shards,
    Times,
)
from snapshot_sentinel.alerts.json_values import as_json, clip, integer, mapping, sequence, text
from snapshot_sentinel.alerts.rerun import rerun_command
from snapshot_sentinel.models import iso

UNKNOWN_ERROR = "UnknownError"
RAW_MAX_CHARS = 20_000
_EXECUTION_ARN = re.compile(r"arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:execution:[^\s\"'\\,]+")
_EPOCH_ZERO = "1970-01-01T00:00:00"


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
