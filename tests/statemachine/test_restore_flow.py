"""RestoreStateMachine end to end: the real definition in moto's ASL interpreter, the real handlers,
the emulated domain over HTTP (SigV4 checked). Time is virtual, so no test sleeps."""

from __future__ import annotations

import json
from datetime import timedelta

import boto3
import pytest

from tests.emulator import EmulatedDomain, Fault
from tests.support.constants import NIGHTLY_START, REGION, REPOSITORY
from tests.support.last_resort import deliver, status_change_event, the_rule

pytestmark = pytest.mark.skipif(
    not hasattr(EmulatedDomain, "create_index"),
    reason="needs the emulator's index, health, recovery and restore endpoints (issue 10, emulator part)",
)

RESTORE = "RestoreStateMachine"
FULL = {"taken_by": "snapshot-sentinel", "stack": "snapshot-sentinel", "execution_id": "arn:x", "scope": "full"}
NEWEST = "nightly-2026-11-28t02-00-00z"
RESTORE_PATH = rf"^/_snapshot/{REPOSITORY}/[^/]+/_restore$"


@pytest.fixture
def backed_up(domain, clock):
    """Live indices with documents and an alias, a full snapshot of them, then time moves on."""
    domain.create_index("orders", shards=2, replicas=1, docs=120, aliases=["orders-live"])
    domain.create_index("logs-2026.11.27", docs=40)
    domain.add_snapshot(
        REPOSITORY, "nightly-2026-11-27t02-00-00z", start_time=NIGHTLY_START - timedelta(days=1), metadata=FULL
    )
    domain.add_snapshot(REPOSITORY, NEWEST, start_time=NIGHTLY_START, metadata=FULL)
    clock.advance(7 * 3600)
    domain.clear_requests()
    return domain


def restore(stack, run_input):
    return stack.run(run_input, state_machine=RESTORE)


def methods(domain):
    return {r.method for r in domain.requests}


def facts(alert):
    return json.loads(alert["message"])


def test_a_lost_index_is_restored_from_the_newest_snapshot_with_its_documents(stack, backed_up):
    backed_up.delete_index("orders")

    run = restore(stack, {"indices": "orders"})

    assert run.status == "SUCCEEDED", run.cause
    assert backed_up.index("orders").doc_count == 120
    [alert] = run.alerts
    assert alert["subject"].startswith("[RESTORED] ") and f": 1 index from {NEWEST} in " in alert["subject"]
    report = facts(alert)
    assert report["indices"][0]["source"] == "orders" and report["indices"][0]["docs"] == 120
    assert report["restore_seconds"] is not None
    restores = [r for r in backed_up.requests if r.method == "POST"]
    assert len(restores) == 1 and restores[0].query.get("wait_for_completion") == "false"
    assert restores[0].body["include_global_state"] is False
    assert restores[0].body["indices"] == "orders"
    assert run.output["report"]["outcome"] == "RESTORED"


def test_by_default_an_existing_index_refuses_the_restore_and_nothing_changes(stack, backed_up):
    run = restore(stack, {})

    assert run.status == "FAILED"
    assert run.error == "RestoreBlockedError"
    assert run.cause.endswith("Alert sent to AlertTopic.")
    assert methods(backed_up) == {"GET"}
    [alert] = run.alerts
    assert alert["subject"].startswith("[RESTORE BLOCKED]")
    assert "[orders] exists" in alert["message"]


def test_a_renamed_restore_sits_next_to_live_indices_and_leaves_their_aliases_alone(stack, backed_up):
    backed_up.add_documents("orders", 5)

    run = restore(stack, {"rename_prefix": "restored-"})

    assert run.status == "SUCCEEDED", run.cause
    assert backed_up.index("orders").doc_count == 125
    assert backed_up.index("restored-orders").doc_count == 120
    assert "restored-.kibana_1" not in backed_up.index_names()
    assert "orders-live" in backed_up.index("orders").aliases
    assert backed_up.index("restored-orders").aliases == {}


def test_system_indices_are_left_out_unless_named_exactly(stack, backed_up):
    backed_up.delete_index(".kibana_1")
    backed_up.delete_index("orders")

    run = restore(stack, {"indices": "*,-logs-*"})

    assert run.status == "SUCCEEDED", run.cause
    assert ".kibana_1" not in backed_up.index_names()
    assert any("system index" in reason for reason in run.output["plan"]["skipped_by_reason"])

    named = restore(stack, {"indices": ".kibana_1"})
    assert named.status == "SUCCEEDED", named.cause
    assert ".kibana_1" in backed_up.index_names()


def test_a_dry_run_reports_the_plan_and_changes_nothing(stack, backed_up):
    backed_up.delete_index("orders")

    run = restore(stack, {"indices": "orders", "dry_run": True})

    assert run.status == "SUCCEEDED"
    assert methods(backed_up) == {"GET"}
    assert "orders" not in backed_up.index_names()
    [alert] = run.alerts
    assert alert["subject"].startswith("[RESTORE PLAN]")
    assert run.output["plan"]["restore_sample"] == [{"source": "orders", "target": "orders"}]


def test_on_conflict_delete_saves_exactly_the_conflicts_then_closes_and_restores_over_them(stack, backed_up):
    backed_up.add_documents("orders", 7)

    run = restore(stack, {"indices": "orders", "on_conflict": "delete"})

    assert run.status == "SUCCEEDED", run.cause
    writes = [(r.method, r.path) for r in backed_up.requests if r.method != "GET"]
    assert [m for m, _ in writes] == ["PUT", "POST", "POST"]
    safety_name = writes[0][1].rsplit("/", 1)[1]
    assert safety_name.startswith("pre-restore-")
    assert writes[1][1] == "/orders/_close"
    assert writes[2][1].endswith("/_restore")
    safety = backed_up.snapshot(REPOSITORY, safety_name)
    assert list(safety.indices) == ["orders"]
    assert backed_up.snapshot_contents(REPOSITORY, safety_name)["orders"].doc_count == 127
    assert backed_up.index("orders").doc_count == 120
    assert facts(run.alerts[0])["safety_snapshot"] == safety_name


@pytest.mark.parametrize("kind", ["gateway_timeout_after", "gateway_timeout_before", "reset_after"])
def test_a_504_or_reset_on_the_restore_never_sends_it_twice_blindly(stack, backed_up, kind):
    backed_up.delete_index("orders")
    backed_up.inject(Fault(method="POST", path=RESTORE_PATH, kind=kind, times=1))

    run = restore(stack, {"indices": "orders"})

    assert run.status == "SUCCEEDED", run.cause
    restores = [r for r in backed_up.requests if r.method == "POST"]
    starts = [c.error for c in run.calls("StartRestoreFunction")]
    if kind == "gateway_timeout_before":
        assert starts == ["RestoreStartUnconfirmedError", None]
        assert len(restores) == 2
    else:
        assert starts == [None]
        assert len(restores) == 1
        assert run.calls("StartRestoreFunction")[0].result["adopted"] is True
    assert backed_up.index("orders").doc_count == 120


def test_a_partial_snapshot_restores_the_rest_and_names_an_older_snapshot_for_the_failed_index(stack, backed_up, clock):
    failure = {"index": "orders", "shard_id": 1, "reason": "IndexShardSnapshotFailedException[node left]"}
    backed_up.add_snapshot(
        REPOSITORY,
        "nightly-2026-11-28t08-00-00z",
        state="PARTIAL",
        start_time=clock.now(),
        metadata=FULL,
        failures=[failure],
    )
    backed_up.delete_index("orders")
    backed_up.delete_index("logs-2026.11.27")

    run = restore(stack, {"snapshot_name": "nightly-2026-11-28t08-00-00z", "indices": "orders,logs-2026.11.27"})

    assert run.status == "SUCCEEDED", run.cause
    assert "logs-2026.11.27" in backed_up.index_names()
    assert "orders" not in backed_up.index_names()
    assert run.output["plan"]["advice"] == [{"index": "orders", "older_snapshot": NEWEST}]
    assert NEWEST in run.alerts[0]["message"]


def test_a_shard_that_never_recovers_fails_naming_the_index_and_the_allocation_reason(stack, backed_up):
    backed_up.delete_index("orders")
    backed_up.fail_shard_recovery("orders", 0, reason="CorruptIndexException[checksum failed]")

    run = restore(stack, {"indices": "orders"})

    assert run.status == "FAILED"
    assert run.error == "RestoreShardFailedError"
    assert "[orders]" in run.cause and run.cause.endswith("Alert sent to AlertTopic.")
    [alert] = run.alerts
    assert alert["subject"].startswith("[RESTORE FAILED]")
    assert "CorruptIndexException" in alert["message"]


@pytest.mark.parametrize("parameters", [{"RepositoryReadOnly": "true", "SnapshotBucketName": "sentinel-backups"}])
def test_a_read_only_stack_on_a_new_domain_restores_the_other_stacks_newest_snapshot(stack, backed_up):
    # Given a second domain that registered the first stack's bucket read-only and holds none of its indices
    backed_up.register_repository(REPOSITORY, bucket="sentinel-backups", readonly=True)
    for name in ("orders", "logs-2026.11.26", "logs-2026.11.27", "logs-2026.11.28"):
        backed_up.delete_index(name)
    backed_up.clear_requests()

    run = restore(stack, {})

    assert run.status == "SUCCEEDED", run.cause
    assert run.output["plan"]["snapshot_name"] == NEWEST
    assert backed_up.index("orders").doc_count == 120
    assert not [r for r in backed_up.requests if r.method in ("PUT", "DELETE")]


@pytest.mark.parametrize(
    ("run_input", "field"),
    [
        ({"indice": "orders"}, "indice"),
        ({"on_conflict": "overwrite"}, "on_conflict"),
        ({"rename_prefix": "r-", "include_aliases": True}, "include_aliases"),
    ],
)
def test_invalid_input_alerts_naming_the_field_and_touches_nothing(  # every case: tests/unit/restore/test_validation.py
    stack, backed_up, run_input, field
):
    run = restore(stack, run_input)

    assert run.status == "FAILED"
    assert run.error == "InvalidInputError"
    assert backed_up.requests == []
    [alert] = run.alerts
    assert field in alert["message"]


def test_a_restore_whose_alert_cannot_be_published_reaches_the_last_resort(stack, backed_up):
    def publish_refused(event, context):
        raise RuntimeError("KMS.KMSAccessDeniedException: not authorized to use AlertTopicKey")

    stack._handlers["ReportRestoreFunction"] = publish_refused

    run = restore(stack, {})

    assert run.status == "FAILED" and run.error == "AlertNotSentError"
    assert run.alerts == []
    sfn = boto3.client("stepfunctions", region_name=REGION)
    [execution] = sfn.list_executions(stateMachineArn=stack.state_machine_arns[RESTORE])["executions"]
    event = status_change_event(execution["executionArn"])
    assert the_rule(stack).matches_event(event)
    assert deliver(stack, event)["published"] is True
    [alert] = stack.read_alerts()
    assert "RestoreStateMachine" in alert["subject"]


def test_a_restore_the_domain_cannot_measure_afterwards_is_still_reported_restored(stack, backed_up):
    # In a VPC deployment the report runs outside the VPC and reads nothing from the domain; the
    # measurement inside it may fail (an unreachable domain) without turning a good restore into a failure.
    backed_up.delete_index("orders")

    def domain_unreachable(event, context):
        raise RuntimeError("Connect timeout on endpoint URL")

    stack._handlers["MeasureRestoredIndicesFunction"] = domain_unreachable

    run = restore(stack, {"indices": "orders"})

    assert run.status == "SUCCEEDED", run.cause
    assert backed_up.index("orders").doc_count == 120
    [alert] = run.alerts
    assert alert["subject"].startswith("[RESTORED] ") and ": 1 index from " in alert["subject"]
    assert facts(alert)["restored"] == {"indices": 1, "docs": 0, "size_bytes": 0, "measured": False}
