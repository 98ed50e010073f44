"""The dead man's switch counts full nightly backups only: the metric NoRecentBackupAlarm reads, named
as template.yaml declares it (namespace, metric name, dimensions), is written by a full backup of this
stack and never by a subset run or a restore's safety snapshot."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from tests.emulator import EmulatedDomain, SnapshotProgress
from tests.support.constants import NIGHTLY_START, REPOSITORY
from tests.support.template import load_template

pytestmark = pytest.mark.skipif(
    not hasattr(EmulatedDomain, "create_index"), reason="needs the emulator's index and restore endpoints"
)

FULL = {"taken_by": "snapshot-sentinel", "stack": "snapshot-sentinel", "execution_id": "arn:x", "scope": "full"}


def alarm_metric() -> tuple[str, str, list[str]]:
    """NoRecentBackupAlarm's namespace, metric name and dimension names, as the template declares them."""
    alarm = load_template()["Resources"]["NoRecentBackupAlarm"]["Properties"]
    return alarm["Namespace"], alarm["MetricName"], sorted(d["Name"] for d in alarm["Dimensions"])


def alarm_data_points(lines: list[str]) -> list[float]:
    """Every value written to exactly the alarm's metric: its namespace, its name, its dimension set
    (CloudWatch matches an alarm's metric by all three; a metric with one more dimension is another)."""
    namespace, name, dimensions = alarm_metric()
    values: list[float] = []
    for line in lines:
        document = json.loads(line)
        for directive in document["_aws"]["CloudWatchMetrics"]:
            if directive["Namespace"] != namespace:
                continue
            if not any(sorted(dimension_set) == dimensions for dimension_set in directive["Dimensions"]):
                continue
            if any(metric["Name"] == name for metric in directive["Metrics"]):
                values.extend(document[name] if isinstance(document[name], list) else [document[name]])
    return values


def test_a_full_nightly_backup_writes_the_alarms_metric(stack, domain):
    domain.progress = SnapshotProgress(polls=2, outcome="SUCCESS")

    run = stack.run({})

    assert run.status == "SUCCEEDED", run.cause
    assert alarm_data_points(stack.metric_lines) == [1.0]


def test_a_failed_full_nightly_backup_writes_zero_to_the_alarms_metric(stack, domain):
    domain.progress = SnapshotProgress(polls=1, outcome="FAILED")

    run = stack.run({})

    assert run.status == "FAILED"
    assert alarm_data_points(stack.metric_lines) == [0.0]


def test_a_subset_run_never_writes_the_alarms_metric_but_is_still_counted_apart(stack, domain):
    domain.progress = SnapshotProgress(polls=2, outcome="SUCCESS")

    run = stack.run({"indices": "logs-2026.11.28", "skip_retention": True})

    assert run.status == "SUCCEEDED", run.cause
    assert alarm_data_points(stack.metric_lines) == []
    [line] = [json.loads(line) for line in stack.metric_lines]
    [directive] = line["_aws"]["CloudWatchMetrics"]
    assert directive["Dimensions"] == [["domain", "scope"]]
    assert line["scope"] == "subset"
    assert line["SnapshotSucceeded"] == [1.0]


def test_a_full_run_under_a_name_of_the_callers_choosing_never_writes_the_alarms_metric(stack, domain):
    domain.progress = SnapshotProgress(polls=1, outcome="SUCCESS")

    run = stack.run({"snapshot_name": "before-upgrade", "skip_retention": True})

    assert run.status == "SUCCEEDED", run.cause
    assert alarm_data_points(stack.metric_lines) == []
    assert [json.loads(line)["scope"] for line in stack.metric_lines] == ["named"]


def test_a_restores_safety_snapshot_never_writes_the_alarms_metric(stack, domain, clock):
    # Given a full nightly backup of orders, and orders written to since
    domain.create_index("orders", shards=2, docs=120)
    domain.add_snapshot(REPOSITORY, "nightly-2026-11-28t02-00-00z", start_time=NIGHTLY_START, metadata=FULL)
    clock.advance(7 * 3600)
    domain.add_documents("orders", 7)
    domain.progress = SnapshotProgress(polls=2, outcome="SUCCESS")

    # When a restore replaces it, taking a safety snapshot first
    run = stack.run({"indices": "orders", "on_conflict": "delete"}, state_machine="RestoreStateMachine")

    # Then the safety snapshot was watched to SUCCESS, and the alarm's metric saw nothing of it
    assert run.status == "SUCCEEDED", run.cause
    assert run.output["safety"]["state"] == "SUCCESS"
    assert len(run.calls("CheckSnapshotFunction")) >= 2
    assert alarm_data_points(stack.metric_lines) == []
    assert not any("SnapshotSucceeded" in line for line in stack.metric_lines)


def test_the_alarm_reads_the_metric_and_dimension_the_full_backup_writes():
    namespace, name, dimensions = alarm_metric()
    assert (namespace, name, dimensions) == ("SnapshotSentinel", "SnapshotSucceeded", ["domain"])
    assert (
        timedelta(hours=1).total_seconds()
        == load_template()["Resources"]["NoRecentBackupAlarm"]["Properties"]["Period"]
    )
