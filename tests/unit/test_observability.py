"""What a step writes to CloudWatch, and that writing it never fails a backup."""

from __future__ import annotations

import json

import pytest

from snapshot_sentinel.observability import publish_metrics, retention_metrics, snapshot_metrics


def emf_lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.startswith('{"_aws"')]


def test_a_success_counts_one_success_and_zero_of_the_others() -> None:
    facts = {"state": "SUCCESS", "duration_seconds": 240.0, "shards": {"total": 5, "successful": 5, "failed": 0}}
    assert snapshot_metrics(facts) == {
        "SnapshotSucceeded": (1.0, "Count"),
        "SnapshotPartial": (0.0, "Count"),
        "SnapshotFailed": (0.0, "Count"),
        "SnapshotDurationSeconds": (240.0, "Seconds"),
        "ShardsFailed": (0.0, "Count"),
    }


@pytest.mark.parametrize(
    ("state", "partial", "failed"), [("PARTIAL", 1.0, 0.0), ("FAILED", 0.0, 1.0), ("INCOMPATIBLE", 0.0, 1.0)]
)
def test_a_bad_ending_counts_as_no_success(state: str, partial: float, failed: float) -> None:
    metrics = snapshot_metrics({"state": state, "shards": {"failed": 3}})
    assert metrics["SnapshotSucceeded"] == (0.0, "Count")
    assert metrics["SnapshotPartial"] == (partial, "Count")
    assert metrics["SnapshotFailed"] == (failed, "Count")
    assert metrics["ShardsFailed"] == (3.0, "Count")
    assert "SnapshotDurationSeconds" not in metrics, "no end time, no duration"


def test_a_running_snapshot_writes_nothing() -> None:
    assert snapshot_metrics({"state": "IN_PROGRESS", "deadline_passed": True}) == {}


def test_retention_counts_deletes_and_deferrals_and_a_dry_run_deletes_nothing() -> None:
    assert retention_metrics({"deleted": 4, "deferred": 2}, dry_run=False) == {
        "SnapshotsPruned": (4.0, "Count"),
        "RetentionDeferred": (2.0, "Count"),
    }
    assert retention_metrics({"deleted": 4, "deferred": 0}, dry_run=True)["SnapshotsPruned"] == (0.0, "Count")


def test_publish_writes_one_emf_line_under_the_domain_dimension(capsys: pytest.CaptureFixture[str]) -> None:
    publish_metrics("logs-prod", {"SnapshotSucceeded": (1.0, "Count"), "SnapshotDurationSeconds": (9.5, "Seconds")})
    publish_metrics("logs-prod", {})

    [line] = emf_lines(capsys.readouterr().out)
    [directive] = line["_aws"]["CloudWatchMetrics"]
    assert directive["Namespace"] == "SnapshotSentinel"
    assert directive["Dimensions"] == [["domain"]], "no service dimension: the alarm names the domain alone"
    assert line["domain"] == "logs-prod"
    assert line["SnapshotSucceeded"] == [1.0]
    assert line["SnapshotDurationSeconds"] == [9.5]


def test_a_metric_that_cannot_be_written_is_logged_not_raised(
    capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    publish_metrics("logs-prod", {"SnapshotSucceeded": (1.0, "Furlongs")})
    publish_metrics("logs-prod", {"ShardsFailed": (2.0, "Count")})

    assert [r.getMessage() for r in caplog.records] == ["metrics not written"]
    out = capsys.readouterr().out
    [line] = emf_lines(out)
    assert "SnapshotSucceeded" not in line, "the bad metric did not linger into the next flush"
    assert line["ShardsFailed"] == [2.0]


def test_only_a_full_backup_of_this_stack_writes_the_metric_the_alarm_reads() -> None:
    from snapshot_sentinel.models import SnapshotInfo
    from snapshot_sentinel.observability import snapshot_dimensions
    from snapshot_sentinel.ownership import backup_scope

    ours = {"taken_by": "snapshot-sentinel", "stack": "prod", "execution_id": "arn:x"}
    nightly = "nightly-2026-11-28t02-00-00z"
    cases = {
        "full": SnapshotInfo(name=nightly, state="SUCCESS", metadata={**ours, "scope": "full"}),
        "full (before scope was recorded)": SnapshotInfo(name=nightly, state="SUCCESS", metadata=ours),
        "subset": SnapshotInfo(name=nightly + "-subset", state="SUCCESS", metadata={**ours, "scope": "subset"}),
        "subset, engine without metadata": SnapshotInfo(name=nightly + "-subset", state="SUCCESS"),
        "named": SnapshotInfo(name="before-upgrade", state="SUCCESS", metadata={**ours, "scope": "full"}),
        "safety": SnapshotInfo(
            name="pre-restore-2026-11-28t09-00-00z", state="SUCCESS", metadata={**ours, "scope": "subset"}
        ),
        "another stack's": SnapshotInfo(name=nightly, state="SUCCESS", metadata={**ours, "stack": "staging"}),
    }

    scopes = {case: backup_scope(snapshot, "nightly", "prod") for case, snapshot in cases.items()}

    assert scopes == {
        "full": "full",
        "full (before scope was recorded)": "full",
        "subset": "subset",
        "subset, engine without metadata": "subset",
        "named": "named",
        "safety": "subset",
        "another stack's": "named",
    }
    assert snapshot_dimensions("full") == {}
    assert snapshot_dimensions("subset") == {"scope": "subset"}
    assert snapshot_dimensions("named") == {"scope": "named"}


def test_a_second_dimension_makes_another_metric(capsys: pytest.CaptureFixture[str]) -> None:
    publish_metrics("orders-prod", {"SnapshotSucceeded": (1.0, "Count")}, {"scope": "subset"})
    publish_metrics("orders-prod", {"SnapshotSucceeded": (1.0, "Count")})

    subset, full = emf_lines(capsys.readouterr().out)
    assert subset["_aws"]["CloudWatchMetrics"][0]["Dimensions"] == [["domain", "scope"]]
    assert subset["scope"] == "subset"
    assert full["_aws"]["CloudWatchMetrics"][0]["Dimensions"] == [["domain"]]
    assert "scope" not in full
