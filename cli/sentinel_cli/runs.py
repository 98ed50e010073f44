"""What an execution is doing or did, read from ``DescribeExecution`` and the end of its history.

Pure: it takes the API's answers as data, so it can be tested on any history. The state machines
keep their progress in their state (BackupStateMachine's ``$.snapshot``: ``shards``, ``polls``),
and the alert step's result (``$.alert``) names the alert that was sent.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mypy_boto3_stepfunctions.type_defs import DescribeExecutionOutputTypeDef, HistoryEventTypeDef

BACKUP = "BackupStateMachine"
DRILL = "DrillStateMachine"
LISTING_INPUT = {"retention_only": True, "retention_dry_run": True}
"""A BackupStateMachine run that lists the repository and deletes and snapshots nothing (a retention
dry run): how ``snapshots`` and ``doctor`` read the repository without calling the domain."""
SUCCESS_SEARCH_LIMIT = 200
"""Succeeded executions looked at to find the newest real backup (retention-only runs are skipped)."""
RUNNING = "RUNNING"
SUCCEEDED = "SUCCEEDED"
FINISHED = frozenset({"SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"})
PROGRESS_KEYS = ("snapshot", "restore", "recovery", "progress", "drill")
"""Keys of a state's data that may hold ``shards`` progress, in the order they are looked at."""
ALERT_KEYS = ("alert", "report")
"""Keys of a state's data where the alerting step leaves its result (``subject``, ``outcome``...)."""
SHARDS_DONE_KEYS = ("successful", "done", "active", "recovered", "completed")


def _json(text: Any) -> Any:
    if not isinstance(text, str) or not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None


def state_machine_name(execution_arn: str) -> str:
    """``arn:aws:states:r:a:execution:<machine>:<name>`` -> ``<machine>``."""
    parts = execution_arn.split(":")
    return parts[6] if len(parts) > 7 else ""


@dataclass(frozen=True)
class Shards:
    done: int
    total: int
    failed: int = 0

    def to_dict(self) -> dict[str, int]:
        return {"done": self.done, "total": self.total, "failed": self.failed}


def _holders(data: Any) -> list[dict[str, Any]]:
    if not isinstance(data, dict):
        return []
    return [data[key] for key in PROGRESS_KEYS if isinstance(data.get(key), dict)]


def shards_in(data: Any) -> Shards | None:
    """Shard progress held in a state's data, if any: a running snapshot's ``progress``
    (``shards_done``/``shards_total``, read from ``_status``) or a finished one's ``shards``."""
    for holder in _holders(data):
        progress = holder.get("progress")
        if isinstance(progress, dict) and isinstance(progress.get("shards_total"), int) and progress["shards_total"]:
            done = progress.get("shards_done")
            return Shards(done=done if isinstance(done, int) else 0, total=progress["shards_total"])
        shards = holder.get("shards") or holder.get("primaries")  # a restore counts primaries recovered
        if not isinstance(shards, dict) or not isinstance(shards.get("total"), int) or not shards["total"]:
            continue  # an IN_PROGRESS snapshot reports total 0 until it ends
        done = next((shards[k] for k in SHARDS_DONE_KEYS if isinstance(shards.get(k), int)), 0)
        failed = shards.get("failed")
        return Shards(done=done, total=shards["total"], failed=failed if isinstance(failed, int) else 0)
    return None


def eta_in(data: Any) -> str | None:
    """The run's own estimate of the time left, as it words it, if it has one."""
    for holder in _holders(data):
        if holder.get("remaining_text") and holder.get("state", "IN_PROGRESS") == "IN_PROGRESS":
            return str(holder["remaining_text"])
    return None


def alert_in(data: Any) -> dict[str, Any] | None:
    """What the run published to AlertTopic: the backup's ``alert`` or a restore's ``report``."""
    if not isinstance(data, dict):
        return None
    for key in ALERT_KEYS:
        value = data.get(key)
        if isinstance(value, dict) and value.get("subject"):
            return value
    return None


def polls_in(data: Any) -> int | None:
    for holder in _holders(data):
        if isinstance(holder.get("polls"), int):
            return int(holder["polls"])
    return None


@dataclass(frozen=True)
class RunView:
    """One execution as a person follows it."""

    arn: str
    state_machine: str
    name: str
    status: str
    started: datetime | None
    stopped: datetime | None
    current_state: str | None
    run_input: Any
    output: Any
    data: Any
    """The newest state data seen in the history (what the last state that ended passed on)."""
    shards: Shards | None
    polls: int | None
    eta: str | None
    error: str | None
    cause: str | None
    alert: dict[str, Any] | None
    states_seen: list[str] = field(default_factory=list)

    @property
    def finished(self) -> bool:
        return self.status in FINISHED

    @property
    def succeeded(self) -> bool:
        return self.status == SUCCEEDED

    @property
    def change_key(self) -> tuple[Any, ...]:
        """What a follower shows: a new value means a new line."""
        return (self.status, self.current_state, self.polls, self.shards)

    @classmethod
    def build(
        cls,
        described: DescribeExecutionOutputTypeDef,
        events: Sequence[HistoryEventTypeDef],
        machines: dict[str, str] | None = None,
    ) -> RunView:
        """From ``DescribeExecution`` and the last history events (oldest first); ``machines`` maps
        a state machine ARN to its logical name (``BackupStateMachine``) in the stack."""
        current = None
        data: Any = None
        alert = None
        states_seen: list[str] = []
        for event in events:
            entered = event.get("stateEnteredEventDetails")
            if entered:
                current = entered.get("name")
                states_seen.append(str(current))
                if data is None:
                    data = _json(entered.get("input"))
            exited = event.get("stateExitedEventDetails")
            if exited:
                exited_data = _json(exited.get("output"))
                if exited_data is not None:
                    data = exited_data
                    alert = alert_in(exited_data) or alert
        output = _json(described.get("output"))
        if isinstance(output, dict):
            data = output
            alert = alert_in(output) or alert
        arn = str(described.get("executionArn", ""))
        return cls(
            arn=arn,
            state_machine=(machines or {}).get(str(described.get("stateMachineArn")), state_machine_name(arn)),
            name=str(described.get("name", "")),
            status=str(described.get("status", "")),
            started=described.get("startDate"),
            stopped=described.get("stopDate"),
            current_state=current,
            run_input=_json(described.get("input")),
            output=output,
            data=data,
            shards=shards_in(data),
            polls=polls_in(data),
            eta=eta_in(data) if described.get("status") == RUNNING else None,
            error=described.get("error"),
            cause=described.get("cause"),
            alert=alert,
            states_seen=states_seen,
        )

    @property
    def duration_seconds(self) -> float | None:
        if self.started and self.stopped:
            return (self.stopped - self.started).total_seconds()
        return None

    def to_dict(self) -> dict[str, Any]:
        return {
            "execution_arn": self.arn,
            "state_machine": self.state_machine,
            "name": self.name,
            "status": self.status,
            "started": _iso(self.started),
            "stopped": _iso(self.stopped),
            "duration_seconds": self.duration_seconds,
            "current_state": self.current_state,
            "polls": self.polls,
            "eta": self.eta,
            "shards": self.shards.to_dict() if self.shards else None,
            "input": self.run_input,
            "output": self.output,
            "error": self.error,
            "cause": self.cause,
            "alert": self.alert,
        }


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def run_kind(state_machine: str, run_input: Any) -> str:
    """What a run was for, in words: from its state machine and its input."""
    data = run_input if isinstance(run_input, dict) else {}
    base = state_machine.removesuffix("StateMachine").lower() or "run"
    if base == "backup" and data.get("retention_only"):
        return "retention (dry run)" if data.get("retention_dry_run") else "retention only"
    if data.get("dry_run"):
        return f"{base} (dry run)"
    return base


def did_the_job(run_input: Any) -> bool:
    """A run that did its state machine's real job: not a dry run, not a retention-only run."""
    data = run_input if isinstance(run_input, dict) else {}
    return not (data.get("retention_only") or data.get("dry_run"))
