"""The restore steps against an in-memory cluster answering with real response bodies."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from snapshot_sentinel.errors import RestoreRefusedError
from snapshot_sentinel.restore.cluster import URL_NAMES_MAX_CHARS, chunks
from snapshot_sentinel.restore.errors import (
    RestoreDeadlineError,
    RestoreShardFailedError,
    RestoreStartUnconfirmedError,
    RestoreTargetExistsError,
    SafetySnapshotFailedError,
)
from snapshot_sentinel.restore.safety import set_aside_conflicts, take_safety_snapshot
from snapshot_sentinel.restore.start import start_restore
from snapshot_sentinel.restore.steps import RestoreRun, plan_step
from snapshot_sentinel.restore.validation import validate_restore_input
from snapshot_sentinel.restore.watch import check_restore
from tests.support.fake_cluster import FakeCluster, FakeIndex, FakeSnapshot, fake_client

REPO = "nightly-backups"
NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
WAIT = timedelta(minutes=480)
FULL = {"taken_by": "snapshot-sentinel", "stack": "sentinel", "execution_id": "x", "scope": "full"}


@pytest.fixture
def cluster() -> FakeCluster:
    fake = FakeCluster(REPO)
    fake.snapshots["nightly-2026-11-27t02-00-00z"] = FakeSnapshot(
        "nightly-2026-11-27t02-00-00z", ("orders", "logs-1"), start=1_795_744_800_000, metadata=FULL
    )
    fake.snapshots["nightly-2026-11-28t02-00-00z"] = FakeSnapshot(
        "nightly-2026-11-28t02-00-00z", ("orders", "logs-1", ".kibana_1"), start=1_795_831_200_000, metadata=FULL
    )
    fake.snapshots["nightly-2026-11-28t05-00-00z"] = FakeSnapshot(
        "nightly-2026-11-28t05-00-00z", ("orders",), state="PARTIAL", start=1_795_842_000_000, metadata=FULL
    )
    fake.indices.update({"logs-1": FakeIndex(), ".kibana_1": FakeIndex()})
    return fake


def run_for(cluster: FakeCluster, data: dict, *, read_only: bool = False) -> RestoreRun:
    config = validate_restore_input(
        data,
        default_repository=REPO,
        default_poll_seconds=60,
        execution_id="arn:aws:states:us-east-1:123456789012:execution:RestoreStateMachine:r1",
        execution_start_time="2026-11-28T09:00:00.000Z",
    )
    return RestoreRun(fake_client(cluster), config, REPO, "nightly", "sentinel", read_only)


def test_the_plan_takes_the_newest_full_success_snapshot_and_changes_nothing(cluster):
    plan = plan_step(run_for(cluster, {"indices": "orders"}), now=NOW)

    assert plan["snapshot_name"] == "nightly-2026-11-28t02-00-00z"
    assert plan["action"] == "restore"
    assert plan["restore_sample"] == [{"source": "orders", "target": "orders"}]
    assert {m for m, *_ in cluster.calls} == {"GET"}


def test_a_conflict_blocks_the_plan_and_a_dry_run_says_so_too(cluster):
    assert plan_step(run_for(cluster, {}), now=NOW)["action"] == "blocked"
    assert plan_step(run_for(cluster, {"indices": "orders", "dry_run": True}), now=NOW)["action"] == "dry_run"
    replace = plan_step(run_for(cluster, {"on_conflict": "delete"}), now=NOW)
    assert replace["action"] == "replace"
    assert replace["safety_snapshot"] == "pre-restore-2026-11-28t09-00-00z"


def test_start_sends_one_restore_of_exactly_the_planned_indices(cluster):
    run = run_for(cluster, {"indices": "orders"})
    plan = plan_step(run, now=NOW)

    facts = start_restore(run, plan, now=NOW, max_wait=WAIT)

    [(_, path, params, body)] = [c for c in cluster.calls if c[0] == "POST"]
    assert path == f"/_snapshot/{REPO}/nightly-2026-11-28t02-00-00z/_restore"
    assert params == {"wait_for_completion": "false"}
    assert body["indices"] == "orders"
    assert body["include_global_state"] is False
    assert body["include_aliases"] is True
    assert facts["adopted"] is False and facts["targets_count"] == 1


def test_a_rename_restore_never_includes_aliases(cluster):
    run = run_for(cluster, {"rename_prefix": "restored-"})
    plan = plan_step(run, now=NOW)

    start_restore(run, plan, now=NOW, max_wait=WAIT)

    [body] = [c[3] for c in cluster.calls if c[0] == "POST"]
    assert body["include_aliases"] is False
    assert body["rename_pattern"] == "^(.+)$" and body["rename_replacement"] == "restored-$1"
    assert {"restored-orders", "restored-logs-1"} <= set(cluster.indices)


def test_a_504_after_the_restore_applied_adopts_it_without_sending_again(cluster):
    run = run_for(cluster, {"indices": "orders"})
    plan = plan_step(run, now=NOW)
    cluster.restore_timeout = "after"

    facts = start_restore(run, plan, now=NOW, max_wait=WAIT)

    assert facts["adopted"] is True
    assert len(cluster.paths("POST")) == 1


def test_a_504_before_the_restore_applied_is_retryable_and_the_retry_sends_once_more(cluster):
    run = run_for(cluster, {"indices": "orders"})
    plan = plan_step(run, now=NOW)
    cluster.restore_timeout = "before"

    with pytest.raises(RestoreStartUnconfirmedError):
        start_restore(run, plan, now=NOW, max_wait=WAIT)
    facts = start_restore(run, plan, now=NOW, max_wait=WAIT)

    assert facts["adopted"] is False
    assert len(cluster.paths("POST")) == 2
    assert "orders" in cluster.indices


def test_a_target_created_by_someone_else_after_the_plan_is_never_restored_over(cluster):
    run = run_for(cluster, {"indices": "orders"})
    plan = plan_step(run, now=NOW)
    cluster.indices["orders"] = FakeIndex()

    with pytest.raises(RestoreTargetExistsError):
        start_restore(run, plan, now=NOW, max_wait=WAIT)

    assert cluster.paths("POST") == []


def test_on_conflict_delete_saves_then_closes_exactly_the_conflicts_and_deletes_nothing(cluster):
    cluster.indices["unrelated"] = FakeIndex()
    run = run_for(cluster, {"on_conflict": "delete"})
    plan = plan_step(run, now=NOW)

    safety = take_safety_snapshot(run, plan, now=NOW, max_wait=WAIT)
    saved = cluster.snapshots[safety["name"]]
    assert saved.indices == ("logs-1",)
    assert saved.metadata["execution_id"] == run.config.execution_id
    set_aside = set_aside_conflicts(run, plan, safety)

    assert set_aside["closed_count"] == 1
    assert cluster.paths("POST") == ["/logs-1/_close"]
    assert cluster.paths("DELETE") == []
    assert cluster.indices["logs-1"].status == "close"
    assert {"unrelated", ".kibana_1"} <= set(cluster.indices)

    assert set_aside_conflicts(run, plan, safety)["requests"] == 0  # a retried step closes nothing twice
    start_restore(run, plan, now=NOW, max_wait=WAIT)
    assert cluster.indices["logs-1"].restored_from is not None
    assert cluster.paths("POST")[-1].endswith("/_restore")


def test_a_refused_restore_over_a_set_aside_index_opens_it_again(cluster):
    # Given a replace whose snapshot copy has another shard count than the live index (no record of it)
    cluster.snapshot_shards = 2
    run = run_for(cluster, {"on_conflict": "delete", "indices": "logs-1"})
    plan = plan_step(run, now=NOW)
    safety = take_safety_snapshot(run, plan, now=NOW, max_wait=WAIT)
    set_aside_conflicts(run, plan, safety)

    with pytest.raises(RestoreRefusedError) as refused:
        start_restore(run, plan, now=NOW, max_wait=WAIT)

    assert "with [1] shards from a snapshot of index [logs-1] with [2] shards" in str(refused.value)
    assert "opened again as before" in str(refused.value)
    assert cluster.indices["logs-1"].status == "open" and cluster.indices["logs-1"].restored_from is None
    assert cluster.paths("DELETE") == []


def test_nothing_is_closed_when_the_safety_snapshot_is_not_success(cluster):
    run = run_for(cluster, {"on_conflict": "delete"})
    plan = plan_step(run, now=NOW)
    safety = take_safety_snapshot(run, plan, now=NOW, max_wait=WAIT)
    cluster.snapshots[safety["name"]].state = "PARTIAL"

    with pytest.raises(SafetySnapshotFailedError):
        set_aside_conflicts(run, plan, safety)

    assert not [p for p in cluster.paths("POST") if p.endswith("/_close")]


def test_an_index_that_appears_after_the_safety_snapshot_is_not_closed(cluster):
    run = run_for(cluster, {"on_conflict": "delete"})
    plan = plan_step(run, now=NOW)
    safety = take_safety_snapshot(run, plan, now=NOW, max_wait=WAIT)
    cluster.indices["orders"] = FakeIndex()

    with pytest.raises(RestoreTargetExistsError):
        set_aside_conflicts(run, plan, safety)

    assert not [p for p in cluster.paths("POST") if p.endswith("/_close")]


def test_the_check_is_done_when_every_primary_is_active_and_every_recovery_done(cluster):
    run = run_for(cluster, {"indices": "orders"})
    plan = plan_step(run, now=NOW)
    started = start_restore(run, plan, now=NOW, max_wait=WAIT)

    progress = check_restore(run, "nightly-2026-11-28t02-00-00z", started, now=NOW + timedelta(minutes=1))

    assert progress["done"] is True
    assert progress["counts"]["done"] == 1
    assert progress["finished_at"] == "2026-11-28T09:01:00.000Z"
    assert "/_cluster/health/orders" in cluster.paths("GET")
    assert "/orders/_recovery" in cluster.paths("GET")


def test_an_unallocatable_primary_fails_naming_the_index_and_the_reason(cluster):
    run = run_for(cluster, {"indices": "orders"})
    plan = plan_step(run, now=NOW)
    started = start_restore(run, plan, now=NOW, max_wait=WAIT)
    cluster.indices["orders"].unassigned_primary = {
        "can_allocate": "no",
        "allocate_explanation": "cannot allocate because allocation is not permitted to any of the nodes",
        "unassigned_info": {"reason": "ALLOCATION_FAILED", "details": "failed recovery, CorruptIndexException"},
    }

    with pytest.raises(RestoreShardFailedError) as caught:
        check_restore(run, "nightly-2026-11-28t02-00-00z", started, now=NOW)

    assert "[orders]" in str(caught.value) and "CorruptIndexException" in str(caught.value)


def test_a_restore_still_red_past_the_deadline_fails(cluster):
    run = run_for(cluster, {"indices": "orders"})
    plan = plan_step(run, now=NOW)
    started = start_restore(run, plan, now=NOW, max_wait=WAIT)
    cluster.indices["orders"].unassigned_primary = {"can_allocate": "throttled", "allocate_explanation": "throttled"}

    assert check_restore(run, "nightly-2026-11-28t02-00-00z", started, now=NOW)["done"] is False
    with pytest.raises(RestoreDeadlineError, match=r"\[orders\] is red"):
        check_restore(run, "nightly-2026-11-28t02-00-00z", started, now=NOW + WAIT)


def test_ten_thousand_names_go_in_url_sized_chunks():
    names = [f"logs-2026.11.{n:05d}" for n in range(10_000)]

    batches = list(chunks(names))

    assert [n for batch in batches for n in batch] == names
    assert all(len(",".join(batch)) <= URL_NAMES_MAX_CHARS for batch in batches)
    assert len(batches) < 80
