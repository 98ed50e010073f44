"""`sentinel restore` against the real RestoreStateMachine: plan first, confirm, then restore."""

from __future__ import annotations

import boto3
import pytest

from tests.emulator import SnapshotProgress
from tests.support.constants import REGION

LOST = "logs-2026.11.27"
LIVE = "logs-2026.11.26"


@pytest.fixture
def backup(sentinel, domain):
    """A SUCCESS snapshot of every index, taken through the CLI; its name."""
    domain.progress = SnapshotProgress(polls=1, outcome="SUCCESS")
    domain.create_index(LIVE, docs=25, shards=2)
    domain.create_index(LOST, docs=40, shards=3)
    code, document = sentinel.json("backup", "--wait")
    assert code == 0, document
    return document["output"]["snapshot"]["name"]


def restore_runs(stack):
    sfn = boto3.client("stepfunctions", region_name=REGION)
    arn = stack.state_machine_arns["RestoreStateMachine"]
    return [e["name"] for e in sfn.list_executions(stateMachineArn=arn)["executions"]]


def test_a_restore_over_a_live_index_is_refused_with_the_plan_and_nothing_changes(sentinel, stack, domain, backup):
    domain.add_documents(LIVE, 5)

    result = sentinel("restore", "--snapshot", backup, "--indices", LIVE, "--yes")

    assert result.exit_code == 1
    assert "Refused" in result.stdout
    assert "Restore plan" in result.stdout, "the plan table, with the refused index and why"
    [row] = [line for line in result.stdout.splitlines() if f" {LIVE} " in line and "refused" in line]
    assert "exists (open)" in row
    assert "Nothing will be restored: 1 blocker." in result.stdout
    assert "0 to restore" not in result.stdout
    assert "nothing on the domain was changed" in result.stdout
    assert domain.index(LIVE).doc_count == 30
    assert [name.startswith("sentinel-restore-plan-") for name in restore_runs(stack)] == [True]


def test_a_lost_index_comes_back_after_the_plan_is_confirmed(sentinel, stack, domain, backup):
    domain.delete_index(LOST)

    result = sentinel("restore", "--snapshot", backup, "--indices", LOST, "--wait", input="y\n")

    assert result.exit_code == 0, result.output
    assert "Restore plan" in result.stdout
    assert f"{LOST}" in result.stdout
    assert f"from snapshot {backup}?" in result.stderr
    assert "SUCCEEDED" in result.stdout
    assert domain.index(LOST).doc_count == 40
    assert len(restore_runs(stack)) == 2


def test_declining_the_plan_restores_nothing(sentinel, stack, domain, backup):
    domain.delete_index(LOST)

    result = sentinel("restore", "--snapshot", backup, "--indices", LOST, input="n\n")

    assert result.exit_code == 1
    assert domain.index(LOST) is None
    assert len(restore_runs(stack)) == 1


def test_restore_json_with_yes_carries_the_plan_and_the_run(sentinel, domain, backup):
    domain.delete_index(LOST)

    code, document = sentinel.json(
        "restore", "--snapshot", backup, "--indices", LOST, "--rename-prefix", "r-", "--yes", "--wait"
    )

    assert code == 0
    assert document["plan"]["restore_sample"] == [{"source": LOST, "target": f"r-{LOST}"}]
    assert document["restore_execution"]["status"] == "SUCCEEDED"
    assert domain.index(f"r-{LOST}").doc_count == 40


def test_an_unknown_snapshot_is_a_usage_error_that_says_where_to_look(sentinel, backup):
    result = sentinel("restore", "--snapshot", "nightly-1999-01-01t00-00-00z", "--yes")

    assert result.exit_code == 2
    assert "'nightly-1999-01-01t00-00-00z' is not in repository 'nightly-backups'" in result.stderr
    assert "sentinel snapshots --all" in result.stderr


def test_contradicting_rename_flags_are_bad_usage(sentinel, stack):
    result = sentinel("restore", "--rename-prefix", "r-", "--rename-pattern", "(.+)", "--rename-replacement", "x-$1")

    assert result.exit_code == 2
    assert restore_runs(stack) == []
