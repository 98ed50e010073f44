"""A nightly run end to end: the real definition in moto's ASL interpreter, the real handlers,
an emulated domain over HTTP with SigV4 checked. Time is virtual, so no test sleeps."""

from __future__ import annotations

import json

import pytest

from tests.emulator import Fault, SnapshotProgress
from tests.support.constants import REPOSITORY

SNAPSHOT_PATH = rf"^/_snapshot/{REPOSITORY}/[^/_][^/]*$"


def snapshot_requests(domain, method):
    return [r for r in domain.requests if r.method == method and r.path.startswith(f"/_snapshot/{REPOSITORY}/nightly-")]


def managed(domain):
    return [s for s in domain.snapshots(REPOSITORY) if s.name.startswith("nightly-")]


def alert_facts(alert):
    return json.loads(alert["message"])


def test_a_nightly_run_takes_one_snapshot_and_succeeds_without_an_alert(stack, domain):
    domain.progress = SnapshotProgress(polls=3, outcome="SUCCESS")

    run = stack.run({})

    assert run.status == "SUCCEEDED"
    assert run.alerts == []
    [snapshot] = managed(domain)
    assert snapshot.state == "SUCCESS"
    assert snapshot.metadata["execution_id"].startswith("arn:aws:states:")
    assert len(snapshot_requests(domain, "PUT")) == 1
    creates = [r for r in domain.requests if r.method == "PUT"]
    assert creates[0].query.get("wait_for_completion") == "false"
    assert len(run.calls("CheckSnapshotFunction")) == 4
    assert run.states_entered[-1] == "Backup succeeded"


def test_requests_and_transitions_stay_within_the_budget_for_forty_polls(stack, domain):
    domain.progress = SnapshotProgress(polls=40, outcome="SUCCESS")

    run = stack.run({"poll_interval_seconds": 90, "skip_retention": True})

    assert run.status == "SUCCEEDED"
    checks = len(run.calls("CheckSnapshotFunction"))
    assert checks == 41
    statuses = [r for r in snapshot_requests(domain, "GET") if r.path.endswith("/_status")]
    assert len(statuses) == checks - 1, "progress is asked only while the snapshot runs"
    assert len(snapshot_requests(domain, "PUT")) + len(snapshot_requests(domain, "GET")) == 1 + 2 * checks - 1
    assert run.transitions <= 3 * checks + 12
    # A poll-counted snapshot reports no progress: every wait is the poll interval.
    assert stack.clock.waited.count(90) == checks


def test_a_504_on_create_after_the_snapshot_started_adopts_it(stack, domain):
    domain.progress = SnapshotProgress(polls=1, outcome="SUCCESS")
    domain.inject(Fault(method="PUT", path=SNAPSHOT_PATH, kind="gateway_timeout_after", times=1))

    run = stack.run({})

    assert run.status == "SUCCEEDED"
    assert run.alerts == []
    assert len(managed(domain)) == 1
    assert len(snapshot_requests(domain, "PUT")) == 1
    assert [c.error for c in run.calls("TakeSnapshotFunction")] == [None]


def test_a_504_before_the_snapshot_started_is_retried_once_it_is_known_absent(stack, domain):
    domain.progress = SnapshotProgress(polls=1, outcome="SUCCESS")
    domain.inject(Fault(method="PUT", path=SNAPSHOT_PATH, kind="gateway_timeout_before", times=1))

    run = stack.run({})

    assert run.status == "SUCCEEDED"
    assert [c.error for c in run.calls("TakeSnapshotFunction")] == ["SnapshotStartUnconfirmedError", None]
    assert len(managed(domain)) == 1


def test_a_reset_connection_on_create_never_duplicates_the_snapshot(stack, domain):
    domain.progress = SnapshotProgress(polls=1, outcome="SUCCESS")
    domain.inject(Fault(method="PUT", path=SNAPSHOT_PATH, kind="reset", times=1))

    run = stack.run({})

    assert run.status == "SUCCEEDED"
    assert len(managed(domain)) == 1


def test_a_concurrent_snapshot_is_retried_with_backoff_then_succeeds(stack, domain):
    domain.progress = SnapshotProgress(polls=1, outcome="SUCCESS")
    domain.inject(Fault(method="PUT", path=SNAPSHOT_PATH, kind="concurrent", times=2))

    run = stack.run({})

    assert run.status == "SUCCEEDED"
    assert [c.error for c in run.calls("TakeSnapshotFunction")] == [
        "ConcurrentSnapshotError",
        "ConcurrentSnapshotError",
        None,
    ]
    assert stack.clock.waited[:2] == [60, 120]
    assert run.alerts == []


@pytest.mark.parametrize("engine", [("elasticsearch", "7.4.2")])
def test_an_automated_snapshot_that_blocks_for_over_an_hour_alerts(stack, domain):
    domain.start_automated_snapshot()

    run = stack.run({})

    assert run.status == "FAILED"
    takes = run.calls("TakeSnapshotFunction")
    assert {c.error for c in takes} == {"ConcurrentSnapshotError"}
    assert 50 * 60 <= sum(stack.clock.waited) <= 70 * 60
    [alert] = run.alerts
    assert "ConcurrentSnapshotError" in alert["subject"] or "ConcurrentSnapshotError" in json.dumps(alert_facts(alert))
    assert managed(domain) == []


def test_a_partial_snapshot_alerts_with_every_shard_failure_and_skips_retention(stack, domain):
    failure = {"index": "logs-2026.11.27", "shard_id": 2, "reason": "IndexShardSnapshotFailedException[Aborted]"}
    domain.progress = SnapshotProgress(polls=2, outcome="PARTIAL", failures=(failure,))

    run = stack.run({})

    assert run.status == "FAILED"
    assert run.calls("ApplyRetentionFunction") == []
    [alert] = run.alerts
    assert alert["subject"].startswith("[PARTIAL] ")
    assert len(alert["subject"]) < 100
    facts = alert_facts(alert)
    assert "logs-2026.11.27" in json.dumps(facts)
    assert "IndexShardSnapshotFailedException" in json.dumps(facts)


def test_a_failed_snapshot_alerts(stack, domain):
    domain.progress = SnapshotProgress(polls=1, outcome="FAILED")

    run = stack.run({})

    assert run.status == "FAILED"
    [alert] = run.alerts
    assert alert["subject"].startswith("[FAILED] ")


@pytest.mark.parametrize("kind", ["throttle", "unavailable", "reset", "gateway_timeout_before"])
def test_transient_errors_while_polling_are_ridden_out(stack, domain, kind):
    domain.progress = SnapshotProgress(polls=3, outcome="SUCCESS")
    domain.inject(Fault(method="GET", path=SNAPSHOT_PATH, kind=kind, times=4))

    run = stack.run({"skip_retention": True})

    assert run.status == "SUCCEEDED"
    assert run.alerts == []


@pytest.mark.parametrize(
    ("run_input", "field"),
    [
        ({"skip_retension": True}, "skip_retension"),
        ({"snapshot_name": "Nightly Backup"}, "snapshot_name"),
        ({"indices": 42}, "indices"),
        ({"poll_interval_seconds": -5}, "poll_interval_seconds"),
        ({"skip_retention": "no"}, "skip_retention"),
        ({"retention_dry_run": "true"}, "retention_dry_run"),
        ({"retention_only": True, "snapshot_name": "x"}, "snapshot_name"),
    ],
)
def test_invalid_input_alerts_naming_the_field_and_touches_nothing(stack, domain, run_input, field):
    run = stack.run(run_input)

    assert run.status == "FAILED"
    assert domain.requests == []
    [alert] = run.alerts
    facts = alert_facts(alert)
    assert field in json.dumps(facts)
    assert ":execution:BackupStateMachine:" in facts["console_url"]
    assert [c.error for c in run.calls("ValidateInputFunction")] == ["InvalidInputError"]


@pytest.mark.parametrize("parameters", [{"MaxWaitMinutes": 2}])
def test_a_snapshot_still_running_past_the_deadline_alerts(stack, domain):
    domain.progress = SnapshotProgress(polls=1000, outcome="SUCCESS")

    run = stack.run({"poll_interval_seconds": 30})

    assert run.status == "FAILED"
    checks = run.calls("CheckSnapshotFunction")
    assert 4 <= len(checks) <= 5
    assert checks[-1].result["deadline_passed"] is True
    [alert] = run.alerts
    assert alert["subject"].startswith("[DEADLINE] ") or "deadline" in alert["subject"].lower()


def test_a_manual_run_with_a_name_and_indices_snapshots_just_those(stack, domain):
    domain.progress = SnapshotProgress(polls=1, outcome="SUCCESS")

    run = stack.run({"snapshot_name": "before-upgrade", "indices": "logs-*,-.kibana*", "skip_retention": True})

    assert run.status == "SUCCEEDED"
    [snapshot] = [s for s in domain.snapshots(REPOSITORY) if s.name == "before-upgrade"]
    assert ".kibana_1" not in snapshot.indices
    assert "logs-2026.11.28" in snapshot.indices
    assert run.calls("ApplyRetentionFunction") == []


def test_a_scheduled_run_names_its_snapshot_from_the_execution_start(stack, domain):
    domain.progress = SnapshotProgress(polls=0, outcome="SUCCESS")

    run = stack.run({})

    name = run.calls("ValidateInputFunction")[0].result["snapshot_name"]
    started = run.calls("ValidateInputFunction")[0].event["execution_start_time"]
    assert name == "nightly-" + started[:19].lower().replace(":", "-") + "z"


@pytest.mark.parametrize("engine", [("elasticsearch", "6.8.0"), ("elasticsearch", "7.10.2"), ("opensearch", "3.1.0")])
def test_every_engine_generation_adopts_its_own_snapshot_after_a_504(stack, domain):
    """Elasticsearch 6.8 drops metadata: there the name and the start time tell the run its own snapshot."""
    domain.progress = SnapshotProgress(polls=1, outcome="SUCCESS")
    domain.inject(Fault(method="PUT", path=SNAPSHOT_PATH, kind="gateway_timeout_after", times=1))

    run = stack.run({"skip_retention": True})

    assert run.status == "SUCCEEDED"
    assert run.alerts == []
    [snapshot] = managed(domain)
    assert (snapshot.metadata is None) == domain.version.startswith("6.")


@pytest.mark.parametrize("engine", [("opensearch", "3.1.0")])
def test_opensearch_3_answers_409_for_a_concurrent_snapshot_and_it_is_still_retried(stack, domain):
    domain.progress = SnapshotProgress(polls=1, outcome="SUCCESS")
    domain.inject(Fault(method="PUT", path=SNAPSHOT_PATH, kind="concurrent", times=1))

    run = stack.run({"skip_retention": True})

    assert run.status == "SUCCEEDED"
    assert [c.error for c in run.calls("TakeSnapshotFunction")] == ["ConcurrentSnapshotError", None]
    assert any(r.status == 409 for r in domain.requests if r.method == "PUT")
