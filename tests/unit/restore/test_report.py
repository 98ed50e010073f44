"""What a person reads after a restore, and the Error/Cause the execution ends with."""

from __future__ import annotations

import json

from snapshot_sentinel.alerts import ALERTED_CAUSE_SUFFIX
from snapshot_sentinel.restore.report import (
    measure,
    render_failure,
    render_plan,
    render_success,
    restore_metrics,
)

EXECUTION = "arn:aws:states:us-east-1:123456789012:execution:RestoreStateMachine:r1"
PLAN = {
    "action": "restore",
    "snapshot_name": "nightly-2026-11-28t02-00-00z",
    "snapshot": {"name": "nightly-2026-11-28t02-00-00z", "state": "SUCCESS", "why": "the newest SUCCESS ..."},
    "repository": "nightly-backups",
    "counts": {"in_snapshot": 3, "restore": 1, "replace": 0, "skip": 1, "blockers": 0},
    "restore_sample": [{"source": "orders", "target": "orders"}],
    "skipped_by_reason": {"system index (Dashboards/Kibana saved objects): restored only when named exactly": 1},
    "blockers": [],
}
RUN = {
    "input": {"indices": "orders"},
    "config": {"execution_id": EXECUTION, "execution_start_time": "2026-11-28T09:00:00.000Z"},
    "plan": PLAN,
    "restore": {"started_at": "2026-11-28T09:00:05.000Z", "finished_at": "2026-11-28T09:04:15.000Z", "polls": 5},
}


def test_a_success_report_lists_each_index_and_the_measured_rto():
    stats = {"orders": {"docs": 1234, "primaries": 1, "replicas": 0, "size_bytes": 2048, "health": "green"}}

    report = render_success(RUN, measure([("orders", "orders")], stats), domain="my-domain", region="us-east-1")

    assert report.subject == "[RESTORED] my-domain: 1 index from nightly-2026-11-28t02-00-00z in 4m 10s"
    assert report.facts["restore_seconds"] == 250
    assert report.facts["indices"] == [
        {
            "source": "orders",
            "target": "orders",
            "docs": 1234,
            "primaries": 1,
            "replicas": 0,
            "size_bytes": 2048,
            "health": "green",
        }
    ]
    assert "1,234" in report.text and "Skipped 1: system index" in report.text
    assert report.error is None


def test_ten_thousand_indices_keep_the_message_under_the_sns_limit():
    pairs = [(f"logs-{n:05d}", f"restored-logs-{n:05d}") for n in range(10_000)]
    stats = {t: {"docs": 1, "primaries": 1, "replicas": 1, "size_bytes": 1} for _, t in pairs}

    measured = measure(pairs, stats)
    report = render_success(RUN, measured, domain="d", region="us-east-1")

    assert len(json.dumps(measured).encode()) < 70 * 1024
    assert len(report.sns_message().encode()) < 256 * 1024
    assert report.facts["restored"]["indices"] == 10_000
    assert report.facts["indices_left_out"] == 10_000 - len(report.facts["indices"])


def test_the_longest_index_names_keep_the_measurement_inside_its_share_of_the_state():
    # 255 bytes is the engine's longest index name; the sample stops before 64 KB, the totals count all.
    pairs = [(f"{n:05d}" + "x" * 250, f"{n:05d}" + "y" * 250) for n in range(5_000)]
    stats = {t: {"docs": 2, "primaries": 1, "replicas": 1, "size_bytes": 10} for _, t in pairs}

    measured = measure(pairs, stats)

    assert len(json.dumps(measured, separators=(",", ":")).encode()) <= 64 * 1024 + 200
    assert measured["indices"] == 5_000 and measured["docs"] == 10_000 and measured["size_bytes"] == 50_000
    assert 0 < len(measured["sample"]) < 500


def test_an_unmeasured_restore_is_still_reported_with_the_planned_count():
    report = render_success(RUN, {}, domain="d", region="us-east-1")

    assert report.subject.startswith("[RESTORED] d: 1 index from ")
    assert "not measured" in report.text
    assert report.facts["restored"]["measured"] is False


def test_a_dry_run_reports_the_plan():
    report = render_plan({**RUN, "plan": {**PLAN, "action": "dry_run"}}, domain="d", region="us-east-1")

    assert report.subject.startswith("[RESTORE PLAN] d: 1 index")
    assert "nothing on d changed" in report.text


def test_a_blocked_plan_ends_with_the_blockers_and_the_alerted_suffix():
    blocked = {**PLAN, "action": "blocked", "blockers": ["[orders] exists (open); restore under another name"]}
    blocked["counts"] = {**PLAN["counts"], "blockers": 1}

    report = render_failure({**RUN, "plan": blocked}, domain="d", region="us-east-1")

    assert report.error == "RestoreBlockedError"
    assert report.subject.startswith("[RESTORE BLOCKED] d: RestoreBlockedError")
    assert report.cause.startswith("RestoreBlockedError: 1 blocker: [orders] exists")
    assert report.cause.endswith(ALERTED_CAUSE_SUFFIX)
    assert "[orders] exists" in report.text


def test_a_caught_lambda_error_is_named_with_its_message():
    error = {"Error": "ShardLimitError", "Cause": json.dumps({"errorMessage": "this action would add [10] shards"})}

    report = render_failure({**RUN, "error": error}, domain="d", region="us-east-1")

    assert report.error == "ShardLimitError"
    assert "would add [10] shards" in report.cause and report.cause.endswith(ALERTED_CAUSE_SUFFIX)
    assert "max_shards_per_node" in report.text
    assert len(report.subject) < 100


def test_a_failed_safety_snapshot_is_its_own_error():
    run = {**RUN, "safety": {"name": "pre-restore-2026-11-28t09-00-00z", "state": "PARTIAL"}}

    report = render_failure(run, domain="d", region="us-east-1")

    assert report.error == "SafetySnapshotFailedError"
    assert "nothing was deleted" in report.cause


def test_metrics_count_the_outcome_and_the_rto():
    stats = {"orders": {"docs": 1, "primaries": 1, "replicas": 0, "size_bytes": 1}}
    success = render_success(RUN, measure([("orders", "orders")], stats), domain="d", region="us-east-1")

    assert restore_metrics(success) == {
        "RestoreSucceeded": (1, "Count"),
        "RestoredIndices": (1.0, "Count"),
        "RestoreSeconds": (250.0, "Seconds"),
    }
    assert restore_metrics(render_failure({**RUN, "error": {"Error": "X"}}, domain="d", region="r")) == {
        "RestoreFailed": (1, "Count")
    }
    assert restore_metrics(render_plan(RUN, domain="d", region="r")) == {}
