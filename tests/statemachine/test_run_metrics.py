"""Whole runs write the dead man's switch's metrics: the embedded-metric-format lines the functions
write to stdout for CloudWatch (collected by the harness), namespace SnapshotSentinel, dimension domain."""

from __future__ import annotations

import json
from datetime import timedelta

from tests.emulator import SnapshotProgress
from tests.support.constants import REPOSITORY

OURS = {"taken_by": "snapshot-sentinel", "stack": "snapshot-sentinel", "execution_id": "arn:earlier"}


def emitted(lines: list[str]) -> dict[str, list[float]]:
    """Every metric value written, by name, checking each line's namespace and dimension."""
    values: dict[str, list[float]] = {}
    for line in lines:
        document = json.loads(line)
        [directive] = document["_aws"]["CloudWatchMetrics"]
        assert directive["Namespace"] == "SnapshotSentinel"
        assert directive["Dimensions"] == [["domain"]]
        assert document["domain"] == "127.0.0.1", "the name every function derives from DOMAIN_ENDPOINT"
        for metric in directive["Metrics"]:
            values.setdefault(metric["Name"], []).extend(document[metric["Name"]])
    return values


def test_a_successful_night_counts_one_success_its_duration_and_what_it_pruned(stack, domain):
    now = stack.clock.now()
    for days_ago in range(20, 0, -1):
        start = (now - timedelta(days=days_ago)).replace(minute=0, second=0, microsecond=0)
        domain.add_snapshot(REPOSITORY, f"nightly-{start:%Y-%m-%dt%H-%M-%Sz}", start_time=start, metadata=OURS)
    domain.progress = SnapshotProgress(polls=3, outcome="SUCCESS")

    run = stack.run({})

    assert run.status == "SUCCEEDED"
    metrics = emitted(stack.metric_lines)
    assert metrics["SnapshotSucceeded"] == [1.0], "one data point per finished snapshot, none while it ran"
    assert metrics["SnapshotPartial"] == [0.0]
    assert metrics["SnapshotFailed"] == [0.0]
    assert metrics["ShardsFailed"] == [0.0]
    assert len(metrics["SnapshotDurationSeconds"]) == 1 and metrics["SnapshotDurationSeconds"][0] >= 0
    pruned = 20 + 1 - len(domain.snapshots(REPOSITORY))
    assert pruned > 0
    assert metrics["SnapshotsPruned"] == [float(pruned)]
    assert metrics["RetentionDeferred"] == [0.0]


def test_a_partial_night_counts_no_success_and_its_failed_shards(stack, domain):
    failures = ({"index": "logs-2026.11.27", "shard_id": 0}, {"index": "logs-2026.11.28", "shard_id": 0})
    domain.progress = SnapshotProgress(polls=1, outcome="PARTIAL", failures=failures)

    run = stack.run({})

    assert run.status == "FAILED"
    metrics = emitted(stack.metric_lines)
    assert metrics["SnapshotSucceeded"] == [0.0]
    assert metrics["SnapshotPartial"] == [1.0]
    assert metrics["ShardsFailed"] == [2.0]
    assert "SnapshotsPruned" not in metrics, "a PARTIAL night skips retention"


def test_a_run_that_dies_before_its_check_writes_nothing_so_the_alarm_sees_missing_data(stack, domain):
    run = stack.run({"snapshot_nmae": "typo"})

    assert run.status == "FAILED"
    assert emitted(stack.metric_lines) == {}
