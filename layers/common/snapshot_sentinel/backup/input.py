"""The state machine's input, checked before anything touches the domain.

Every key is optional and a scheduled run passes ``{}``. Unknown keys are rejected, because a
misspelt override (``skip_retension``) silently ignored is a backup that does not do what its
operator asked. Each error names the field and how to fix it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from snapshot_sentinel.backup.settings import SnapshotSettings
from snapshot_sentinel.clock import parse_timestamp
from snapshot_sentinel.errors import InvalidInputError
from snapshot_sentinel.inputs import (
    MAX_POLL_SECONDS,
    MIN_POLL_SECONDS,
    index_parts,
    input_object,
    poll_interval,
)
from snapshot_sentinel.naming import name_problem, run_snapshot_name

INPUT_KEYS: dict[str, str] = {
    "snapshot_name": 'a snapshot name (lowercase, no spaces or \\ / * ? " < > | , #, not starting with _)',
    "indices": 'indices to include, a comma string or a list, e.g. "logs-*,-.kibana*"',
    "poll_interval_seconds": f"seconds between status checks, {MIN_POLL_SECONDS} to {MAX_POLL_SECONDS}",
    "skip_retention": "true to take the snapshot without pruning old ones",
    "retention_dry_run": "true to report what retention would delete without deleting",
    "retention_only": "true to prune old snapshots without taking one",
}


@dataclass(frozen=True)
class RunConfig:
    """What one execution does, decided once at its start."""

    snapshot_name: str | None
    indices: str | None
    poll_interval_seconds: int
    skip_retention: bool
    retention_dry_run: bool
    retention_only: bool
    execution_id: str
    execution_start_time: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "snapshot_name": self.snapshot_name,
            "indices": self.indices,
            "poll_interval_seconds": self.poll_interval_seconds,
            "skip_retention": self.skip_retention,
            "retention_dry_run": self.retention_dry_run,
            "retention_only": self.retention_only,
            "execution_id": self.execution_id,
            "execution_start_time": self.execution_start_time,
        }


def _bool(data: Mapping[str, Any], key: str) -> bool:
    value = data.get(key, False)
    if not isinstance(value, bool):
        raise InvalidInputError(f"input field {key!r} must be true or false (JSON boolean), got {value!r}")
    return value


def _indices(data: Mapping[str, Any]) -> str | None:
    value = data.get("indices")
    if value is None:
        return None
    parts = index_parts(value, example="logs-*,-.kibana*")
    if not parts or any(not part or any(ch.isspace() for ch in part) for part in parts):
        raise InvalidInputError(
            f"input field 'indices' must name at least one index pattern and no empty or spaced entries, got {value!r}"
        )
    return ",".join(parts)


def _snapshot_name(data: Mapping[str, Any]) -> str | None:
    value = data.get("snapshot_name")
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidInputError(f"input field 'snapshot_name' must be a string, got {value!r}")
    problem = name_problem(value)
    if problem:
        raise InvalidInputError(f"input field 'snapshot_name' {value!r} is not a valid snapshot name: it {problem}")
    return value


def validate_run_input(
    data: Any,
    *,
    prefix: str,
    default_poll_seconds: int,
    execution_id: str,
    execution_start: datetime,
    execution_start_time: str,
    read_only: bool = False,
) -> RunConfig:
    """Check a run's input and decide its snapshot name; raise InvalidInputError naming the field."""
    data = input_object(data, "backup", '{} or {"skip_retention": true}', INPUT_KEYS)
    name = _snapshot_name(data)
    indices = _indices(data)
    poll = poll_interval(data, default_poll_seconds)
    skip_retention = _bool(data, "skip_retention")
    dry_run = _bool(data, "retention_dry_run")
    retention_only = _bool(data, "retention_only")
    if read_only:
        raise InvalidInputError(
            "this stack registers its repository read-only (RepositoryReadOnly=true): it takes no snapshots "
            "and prunes nothing; run backups from the stack that owns the repository"
        )
    if retention_only:
        for key, given in (("snapshot_name", name), ("indices", indices)):
            if given is not None:
                raise InvalidInputError(f"input field {key!r} has no meaning with 'retention_only': true; remove one")
        if skip_retention:
            raise InvalidInputError("'retention_only' and 'skip_retention' contradict each other; remove one")
    elif name is None:
        name = run_snapshot_name(prefix, execution_start, subset=indices is not None)
    return RunConfig(
        snapshot_name=name,
        indices=indices,
        poll_interval_seconds=poll,
        skip_retention=skip_retention,
        retention_dry_run=dry_run,
        retention_only=retention_only,
        execution_id=execution_id,
        execution_start_time=execution_start_time,
    )


def configure_run(state: Mapping[str, Any], settings: SnapshotSettings) -> RunConfig:
    """The validate step: :func:`validate_run_input` of the execution's ``input``, with its ARN and
    start time, under the stack's prefix, poll interval and RepositoryReadOnly."""
    return validate_run_input(
        state.get("input"),
        prefix=settings.prefix,
        default_poll_seconds=settings.poll_interval_seconds,
        execution_id=state["execution_id"],
        execution_start=parse_timestamp(state["execution_start_time"]),
        execution_start_time=state["execution_start_time"],
        read_only=settings.read_only,
    )
