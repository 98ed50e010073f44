"""`sentinel backup` and `sentinel watch` against the real BackupStateMachine."""

from __future__ import annotations

from sentinel_cli.runs import RunView
from tests.emulator import SnapshotProgress
from tests.support.constants import REPOSITORY


def managed(domain):
    return [s for s in domain.snapshots(REPOSITORY) if s.name.startswith("nightly-")]


def test_backup_with_wait_follows_the_run_to_success_and_exits_0(sentinel, domain):
    domain.progress = SnapshotProgress(polls=2, outcome="SUCCESS")

    result = sentinel("backup", "--wait")

    assert result.exit_code == 0, result.output
    [snapshot] = managed(domain)
    assert snapshot.state == "SUCCESS"
    assert "SUCCEEDED" in result.stdout
    assert snapshot.name in result.stdout
    assert "Backup succeeded · shards 4/4" in result.stdout


def test_backup_json_is_one_document_with_the_snapshot_and_retention(sentinel, domain):
    domain.progress = SnapshotProgress(polls=1, outcome="SUCCESS")

    code, document = sentinel.json("backup", "--wait", "--name", "before-upgrade", "--skip-retention")

    assert code == 0
    assert document["status"] == "SUCCEEDED"
    assert document["state_machine"] == "BackupStateMachine"
    assert document["input"] == {"snapshot_name": "before-upgrade", "skip_retention": True}
    assert document["output"]["snapshot"]["name"] == "before-upgrade"
    assert document["shards"]["total"] == document["shards"]["done"] > 0
    assert [s.name for s in domain.snapshots(REPOSITORY)] == ["before-upgrade"]


def test_backup_without_wait_prints_the_execution_and_watch_follows_it(sentinel, domain):
    domain.progress = SnapshotProgress(polls=1, outcome="SUCCESS")

    code, started = sentinel.json("backup", "--no-wait", "--indices", "logs-*")
    name = started["execution_arn"].rsplit(":", 1)[1]
    watched = sentinel("watch", name)

    assert code == 0
    assert started["status"] == "RUNNING"
    assert watched.exit_code == 0, watched.output
    assert "SUCCEEDED" in watched.stdout
    [snapshot] = managed(domain)
    assert all(index.startswith("logs-") for index in snapshot.indices)


def test_watch_of_a_failed_run_exits_1_and_shows_the_alert(sentinel, stack, domain):
    domain.progress = SnapshotProgress(
        polls=1,
        outcome="PARTIAL",
        failures=({"index": "logs-2026.11.27", "shard_id": 0, "reason": "IndexShardSnapshotFailedException"},),
    )
    run = stack.run({})
    [alert] = run.alerts

    watched = sentinel("watch", run.events[0]["executionStartedEventDetails"].get("executionArn", "") or _arn(stack))

    assert run.status == "FAILED"
    assert watched.exit_code == 1
    assert "FAILED" in watched.stdout
    assert alert["subject"] in watched.stdout
    assert run.error in watched.stdout


def _arn(stack):
    import boto3

    sfn = boto3.client("stepfunctions", region_name="us-east-1")
    return sfn.list_executions(stateMachineArn=stack.state_machine_arn)["executions"][0]["executionArn"]


def test_watch_json_of_a_failed_run_carries_error_cause_and_alert(sentinel, stack, domain):
    domain.progress = SnapshotProgress(polls=1, outcome="FAILED", reason="repository went away")
    run = stack.run({}, name="night-of-the-failure")

    code, document = sentinel.json("watch", "night-of-the-failure")

    assert code == 1
    assert document["status"] == "FAILED"
    assert document["error"] == run.error
    assert document["cause"] == run.cause
    assert document["alert"]["subject"] == run.alerts[0]["subject"]


def test_watch_of_an_unknown_execution_is_a_usage_error(sentinel):
    result = sentinel("watch", "no-such-run")

    assert result.exit_code == 2
    assert "no-such-run" in result.stderr
    assert "sentinel status" in result.stderr


def test_a_follower_sees_the_state_the_polls_and_the_shards_as_a_snapshot_runs(stack, domain):
    domain.progress = SnapshotProgress(polls=3, outcome="SUCCESS")
    run = stack.run({"skip_retention": True})
    running = {"executionArn": "arn:aws:states:us-east-1:1:execution:BackupStateMachine:x", "status": "RUNNING"}

    seen = []
    for end in range(1, len(run.events) + 1):
        view = RunView.build(running, run.events[:end])
        if not seen or seen[-1] != view.change_key:
            seen.append(view.change_key)

    polls = [polls for _, _, polls, _ in seen if polls is not None]
    states = [state for _, state, _, _ in seen]
    *_, (_, last_state, last_polls, last_shards) = seen
    assert polls == sorted(polls)
    assert last_polls == 4
    assert {"Take snapshot", "Wait before checking", "Check snapshot"} <= set(states)
    assert states.count("Check snapshot") >= 4
    assert last_state == "Backup succeeded"
    assert last_shards.done == last_shards.total > 0
    while_running = [shards for _, state, polls, shards in seen if state == "Check snapshot" and polls < last_polls]
    assert any(shards is not None and shards.total == last_shards.total for shards in while_running)
