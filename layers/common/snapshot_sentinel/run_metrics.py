"""What each step tells CloudWatch about a run: metric names and values, from facts it already has.

Pure: these functions only shape numbers; :func:`snapshot_sentinel.observability.publish_metrics`
writes them as one embedded-metric-format line (namespace ``SnapshotSentinel``, dimension
``domain``). ``NoRecentBackupAlarm`` watches ``SnapshotSucceeded`` with the dimension ``domain``
alone; the dashboard shows the rest.

**Only a full backup writes the alarm's metric.** A snapshot the backup state machine took that is
not a full backup of this stack (:func:`snapshot_sentinel.identity.backup_scope`: a subset run, or a
run under a name of the caller's choosing) writes the same metric names with a second dimension,
``scope`` (``subset`` or ``named``): CloudWatch matches an alarm's metric by its whole dimension set,
so those data points are another metric the alarm never reads, and the dashboard can still show
them. A restore's safety snapshot writes no snapshot metric at all (the restore reports it).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from snapshot_sentinel.identity import SCOPE_FULL

COUNT = "Count"
SECONDS = "Seconds"

SNAPSHOT_SUCCEEDED = "SnapshotSucceeded"
SNAPSHOT_PARTIAL = "SnapshotPartial"
SNAPSHOT_FAILED = "SnapshotFailed"
SNAPSHOT_DURATION_SECONDS = "SnapshotDurationSeconds"
SHARDS_FAILED = "ShardsFailed"
SNAPSHOTS_PRUNED = "SnapshotsPruned"
RETENTION_DEFERRED = "RetentionDeferred"

SCOPE_DIMENSION = "scope"

Metric = tuple[float, str]
"""A value and its CloudWatch unit."""

FINAL_STATES = frozenset({"SUCCESS", "PARTIAL", "FAILED", "INCOMPATIBLE"})


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def snapshot_metrics(facts: Mapping[str, Any]) -> dict[str, Metric]:
    """The metrics of a snapshot that reached a final state; nothing while it still runs.

    Every final state emits all three outcome counters (1 for its own, 0 for the others), so a
    night's outcome is one data point in each and ``Sum`` over any window counts nights.
    """
    state = str(facts.get("state", ""))
    if state not in FINAL_STATES:
        return {}
    metrics: dict[str, Metric] = {
        SNAPSHOT_SUCCEEDED: (1.0 if state == "SUCCESS" else 0.0, COUNT),
        SNAPSHOT_PARTIAL: (1.0 if state == "PARTIAL" else 0.0, COUNT),
        SNAPSHOT_FAILED: (1.0 if state in ("FAILED", "INCOMPATIBLE") else 0.0, COUNT),
    }
    duration = _number(facts.get("duration_seconds"))
    if duration is not None and duration >= 0:
        metrics[SNAPSHOT_DURATION_SECONDS] = (duration, SECONDS)
    shards = facts.get("shards")
    failed = _number(shards.get("failed")) if isinstance(shards, Mapping) else None
    metrics[SHARDS_FAILED] = (failed if failed is not None else 0.0, COUNT)
    return metrics


def snapshot_dimensions(scope: str) -> dict[str, str]:
    """Dimensions beside ``domain`` for a snapshot of ``scope``: none for a full backup (the alarm's
    metric), ``scope`` for any other, so it never counts as a backup."""
    return {} if scope == SCOPE_FULL else {SCOPE_DIMENSION: scope}


def retention_metrics(totals: Mapping[str, Any], *, dry_run: bool) -> dict[str, Metric]:
    """Snapshots deleted and deletes deferred by one retention pass (a dry run deletes nothing)."""
    deleted = _number(totals.get("deleted")) or 0.0
    deferred = _number(totals.get("deferred")) or 0.0
    return {
        SNAPSHOTS_PRUNED: (0.0 if dry_run else deleted, COUNT),
        RETENTION_DEFERRED: (deferred, COUNT),
    }
