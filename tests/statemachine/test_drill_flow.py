"""DrillStateMachine end to end: the real definition in moto's ASL interpreter, the real handlers,
the emulated domain over HTTP. A nightly backup first records the catalog's counts, then a drill
restores a sample under drill- names, verifies it, and always deletes exactly its own indices."""

from __future__ import annotations

import json

import pytest

from snapshot_sentinel.drills.plan import drill_prefix, drill_stamp
from tests.emulator import Fault, RecoveryProgress
from tests.support.constants import REPOSITORY
from tests.support.drills import DRILL, backed_up, drill, drill_indices, restore_bodies
from tests.support.stack import _load_handler
from tests.support.template import function_code_dir

FULL = {"taken_by": "snapshot-sentinel", "stack": "snapshot-sentinel", "execution_id": "arn:x", "scope": "full"}


def names_of(stack, snapshot, execution_name):
    """The prefix every index of the drill execution ``execution_name`` of ``snapshot`` carries."""
    machine = stack.state_machine_arns[DRILL]
    execution = machine.replace(":stateMachine:", ":execution:") + f":{execution_name}"
    return drill_prefix(snapshot.start_time, execution)


def test_a_passing_drill_restores_verifies_and_cleans_up(stack, domain):
    domain.create_index("orders", shards=2, docs=1_000, aliases=["orders-live"])
    domain.create_index("logs-2026.11.28", docs=300)
    snapshot = backed_up(stack, domain)

    run = drill(stack)

    assert run.status == "SUCCEEDED", run.cause
    [body] = restore_bodies(domain)
    body = json.loads(body) if isinstance(body, str | bytes) else body
    assert body["index_settings"] == {"index.number_of_replicas": 0}
    assert body["include_aliases"] is False
    assert drill_indices(domain) == [], "the drill deletes its own indices"
    assert {"orders", "logs-2026.11.28"} <= set(domain.index_names()), "the live indices are untouched"
    [alert] = run.alerts
    assert alert["subject"].startswith("[DRILL OK]")
    verified = {i["index"]: i for i in run.output["verify"]["indices"]}
    stamp = drill_stamp(snapshot.start_time)
    assert verified["orders"]["target"] == f"{run.output['plan']['name_prefix']}orders"
    assert verified["orders"]["target"].startswith(f"drill-{stamp}-")
    assert verified["orders"]["count"] == "ok: 1000 within [1000, 1000]"
    assert verified["orders"]["mapping"].startswith("ok")
    assert verified["orders"]["search"] == "ok"
    assert sorted(run.output["cleanup"]["deleted"]) == sorted(i["target"] for i in verified.values())
    metrics = "\n".join(stack.metric_lines)
    assert "DrillSucceeded" in metrics and "DrillRestoreSeconds" in metrics and "DrillRestoredBytes" in metrics


def test_a_shard_that_never_recovers_fails_the_drill_and_still_cleans_up(stack, domain):
    domain.create_index("orders", shards=2, docs=1_000)
    snapshot = backed_up(stack, domain)
    target = f"{names_of(stack, snapshot, 'weekly')}orders"
    domain.fail_shard_recovery(target, shard=1)

    run = drill(stack, name="weekly")

    assert run.status == "FAILED"
    assert run.error == "DrillShardFailedError"
    assert run.cause.endswith("Alert sent to AlertTopic.")
    [alert] = run.alerts
    assert alert["subject"].startswith("[DRILL FAILED]")
    assert "Clean-up: deleted the drill's" in alert["email"]
    assert drill_indices(domain) == []
    assert "orders" in domain.index_names()
    assert "DrillFailed" in "\n".join(stack.metric_lines)


def test_a_snapshot_that_lost_documents_fails_the_count_check(stack, domain):
    domain.create_index("orders", docs=1_000)
    snapshot = backed_up(stack, domain)
    domain.lose_documents(REPOSITORY, snapshot.name, "orders", docs=900)

    run = drill(stack)

    assert run.status == "FAILED"
    assert run.error == "DrillVerificationError"
    assert "restored 900 documents; the catalog recorded 1000..1000" in run.cause
    assert drill_indices(domain) == []


@pytest.mark.parametrize("parameters", [{"DrillMaxShards": 5, "DrillMaxGigabytes": 1}])
def test_the_caps_bound_what_a_drill_restores_with_many_large_indices(stack, domain):
    for n in range(12):
        domain.create_index(f"big-{n:02d}", shards=2, docs=2_000, doc_bytes=100_000)  # ~0.19 GiB each
    domain.create_index("huge", shards=6, docs=10)
    backed_up(stack, domain)

    run = drill(stack)

    assert run.status == "SUCCEEDED", run.cause
    plan = run.output["plan"]
    assert plan["shards"] <= 5 and plan["size_bytes"] <= 1024**3
    big = [p["source"] for p in plan["picks"] if p["source"].startswith("big-")]
    assert len(big) == 2 or (len(big) == 1 and plan["shards"] + 2 > 5), "as many as the caps allow"
    assert plan["left_out_count"] >= 10
    reasons = {o["index"]: o["reason"] for o in plan["left_out_sample"]}
    assert reasons["huge"].startswith("6 primary shards, over DrillMaxShards")
    [body] = restore_bodies(domain)
    body = json.loads(body) if isinstance(body, str | bytes) else body
    assert sorted(body["indices"].split(",")) == sorted(p["source"] for p in plan["picks"])
    assert drill_indices(domain) == []


def test_clean_up_never_deletes_a_look_alike_index_it_did_not_create(stack, domain):
    domain.create_index("orders", docs=100)
    domain.create_index("logs", docs=50)
    snapshot = backed_up(stack, domain)
    prefix = names_of(stack, snapshot, "weekly")
    held = f"{prefix}orders"  # exactly this drill's name, but someone else's
    look_alike = f"{prefix}logs-copy"
    domain.create_index(held, docs=7)
    domain.create_index(look_alike, docs=3)

    run = drill(stack, name="weekly")

    assert run.status == "SUCCEEDED", run.cause
    sources = [p["source"] for p in run.output["plan"]["picks"]]
    assert "logs" in sources and "orders" not in sources
    assert drill_indices(domain) == sorted([held, look_alike])
    assert domain.index(held).doc_count == 7


def test_keep_restored_leaves_the_drill_indices_and_says_so(stack, domain):
    domain.create_index("orders", docs=100)
    backed_up(stack, domain)

    run = drill(stack, {"keep_restored": True})

    assert run.status == "SUCCEEDED", run.cause
    kept = drill_indices(domain)
    assert kept and sorted(run.output["cleanup"]["kept"]) == kept
    assert "Kept for you (keep_restored)" in run.alerts[0]["email"]


def test_an_unknown_input_key_is_refused_by_name_and_nothing_is_restored(stack, domain):
    domain.create_index("orders", docs=100)
    backed_up(stack, domain)

    run = drill(stack, {"snapshot": "x"})

    assert run.status == "FAILED"
    assert run.error == "InvalidInputError"
    assert "unknown input key 'snapshot'" in run.cause
    assert restore_bodies(domain) == []


@pytest.mark.parametrize("parameters", [{"MaxWaitMinutes": 3}])
def test_a_drill_past_its_deadline_fails_and_still_cleans_up(stack, domain):
    domain.create_index("orders", docs=100)
    backed_up(stack, domain)
    domain.recovery = RecoveryProgress(polls=50)

    run = drill(stack)

    assert run.status == "FAILED"
    assert run.error == "DrillDeadlineError"
    assert "Clean-up: deleted the drill's" in run.alerts[0]["email"]
    assert drill_indices(domain) == []


def test_without_catalog_counts_the_report_says_the_count_check_was_skipped(stack, domain):
    domain.create_index("orders", docs=100)
    domain.add_snapshot(REPOSITORY, "nightly-2026-11-28t02-00-00z", metadata=FULL)

    run = drill(stack, {"indices": "orders"})

    assert run.status == "SUCCEEDED", run.cause
    [checked] = run.output["verify"]["indices"]
    assert checked["count"] == "skipped: the catalog holds no count for this snapshot"
    assert "Counts were NOT checked" in run.alerts[0]["email"]
    assert drill_indices(domain) == []


def test_a_restore_whose_answer_was_lost_is_still_cleaned_up(stack, domain):
    domain.create_index("orders", docs=100)
    backed_up(stack, domain)
    domain.inject(Fault(kind="gateway_timeout_after", method="POST", path=r"/_restore$", times=1))

    run = drill(stack, {"indices": "orders"})

    assert run.status == "SUCCEEDED", run.cause
    assert run.output["restore"]["answered"] is False
    assert len(restore_bodies(domain)) == 1, "never sent twice"
    assert drill_indices(domain) == []


def test_a_start_step_that_fails_after_its_restore_went_out_still_cleans_up_only_what_it_restored(stack, domain):
    # Given a backup, and a name held between the plan and the start by someone else's index
    domain.create_index("orders", docs=100)
    domain.create_index("logs", docs=40)
    snapshot = backed_up(stack, domain)
    prefix = names_of(stack, snapshot, "weekly")
    start = _load_handler(function_code_dir(stack.template, "StartDrillFunction"))
    lost = type("Lambda.ServiceException", (Exception,), {})

    def start_then_lose_the_answer(event, context):
        # The restore goes out, then the Lambda service fails: the state machine gets no facts.
        start(event, context)
        domain.create_index(f"{prefix}logs-copy", docs=3)  # a look-alike, created meanwhile
        raise lost("Lambda was unable to return the result")

    stack.replace_handler("StartDrillFunction", start_then_lose_the_answer)

    run = drill(stack, {"indices": "orders,logs"}, name="weekly")

    # Then the drill fails with that error, and the clean-up still deletes the restored drill
    # indices (their primaries came from this snapshot) and nothing else
    assert run.status == "FAILED"
    assert run.error == "Lambda.ServiceException"
    [cleanup] = run.calls("CleanUpDrillFunction")
    assert sorted(cleanup.result["deleted"]) == [f"{prefix}logs", f"{prefix}orders"]
    assert drill_indices(domain) == [f"{prefix}logs-copy"]
    assert {"orders", "logs"} <= set(domain.index_names())
    [alert] = run.alerts
    assert "only indices restored from this snapshot count as the drill's" in alert["email"]


def test_a_drill_name_taken_between_plan_and_start_is_refused_and_never_deleted(stack, domain):
    domain.create_index("orders", docs=100)
    backed_up(stack, domain)
    plan = _load_handler(function_code_dir(stack.template, "PlanDrillFunction"))
    held = []

    def plan_then_someone_takes_the_name(event, context):
        result = plan(event, context)
        held.append(result["picks"][0]["target"])
        domain.create_index(held[0], docs=7)  # exactly the drill's name, someone else's index
        return result

    stack.replace_handler("PlanDrillFunction", plan_then_someone_takes_the_name)

    run = drill(stack, {"indices": "orders"})

    assert run.status == "FAILED" and run.error == "DrillTargetExistsError"
    assert restore_bodies(domain) == []
    [cleanup] = run.calls("CleanUpDrillFunction")
    assert cleanup.result["deleted"] == [], "the start refused before sending: the drill restored nothing"
    assert domain.index(held[0]).doc_count == 7


def backed_up_while_the_queue_churns(stack, domain):
    """A nightly backup of ``queue`` (1,000 documents) while a consumer works it: 300 added and 600
    consumed between the counts before and the snapshot's start, 500 added and 100 consumed after it.
    The snapshot holds 700; the catalog records 1,000 before, 1,100 after and 1,500 writes."""
    domain.create_index("queue", shards=2, docs=1_000)
    take = _load_handler(function_code_dir(stack.template, "TakeSnapshotFunction"))

    def take_while_the_queue_churns(event, context):
        domain.add_documents("queue", 300)
        domain.delete_documents("queue", 600)
        result = take(event, context)
        domain.add_documents("queue", 500)
        domain.delete_documents("queue", 100)
        return result

    stack.replace_handler("TakeSnapshotFunction", take_while_the_queue_churns)
    snapshot = backed_up(stack, domain)
    assert domain.index("queue").doc_count == 1_100
    return snapshot


def test_a_queue_written_and_consumed_during_the_snapshot_passes_its_count_check(stack, domain):
    backed_up_while_the_queue_churns(stack, domain)

    run = drill(stack, {"indices": "queue"})

    assert run.status == "SUCCEEDED", run.cause
    [checked] = run.output["verify"]["indices"]
    assert checked["count"] == "ok: 700 within [300, 1800]"
    assert [a["subject"][:10] for a in run.alerts] == ["[DRILL OK]"]


def test_a_snapshot_that_lost_documents_of_a_churning_queue_still_fails(stack, domain):
    snapshot = backed_up_while_the_queue_churns(stack, domain)
    domain.lose_documents(REPOSITORY, snapshot.name, "queue", docs=250)

    run = drill(stack, {"indices": "queue"})

    assert run.status == "FAILED"
    assert run.error == "DrillVerificationError"
    assert (
        "restored 250 documents; the catalog recorded 300..1800 "
        "(1000 before, 1100 after, 1500 write operation(s) during the snapshot)"
    ) in run.cause
    assert drill_indices(domain) == []
