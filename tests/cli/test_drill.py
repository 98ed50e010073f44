"""`sentinel drill` against the real DrillStateMachine, after a real nightly backup."""

from __future__ import annotations

from tests.emulator import SnapshotProgress
from tests.support.constants import REPOSITORY


def backed_up(sentinel, domain):
    domain.create_index("orders", shards=2, docs=1_000)
    domain.progress = SnapshotProgress(polls=1, outcome="SUCCESS")
    result = sentinel("backup", "--wait")
    assert result.exit_code == 0, result.output
    [snapshot] = domain.snapshots(REPOSITORY)
    return snapshot


def test_drill_with_wait_proves_the_newest_backup_and_exits_0(sentinel, domain):
    snapshot = backed_up(sentinel, domain)

    code, document = sentinel.json("drill", "--wait")

    assert code == 0
    assert document["status"] == "SUCCEEDED"
    assert document["state_machine"] == "DrillStateMachine"
    assert document["input"] == {}
    assert snapshot.name in str(document["output"])
    assert not [name for name in domain.index_names() if name.startswith("drill-")], "the drill cleaned up"


def test_drill_keep_restored_without_wait_starts_the_run_and_watch_follows_it(sentinel, domain):
    backed_up(sentinel, domain)

    code, started = sentinel.json("drill", "--no-wait", "--keep-restored", "--indices", "orders")
    watched = sentinel("watch", started["execution_arn"])

    assert code == 0
    assert started["input"] == {"indices": "orders", "keep_restored": True}
    assert watched.exit_code == 0, watched.output
    assert [name for name in domain.index_names() if name.startswith("drill-")], "kept for a person"


def test_a_drill_of_an_unknown_snapshot_fails_with_exit_1(sentinel, domain):
    backed_up(sentinel, domain)

    result = sentinel("drill", "--wait", "--snapshot", "nightly-1999-01-01t00-00-00z")

    assert result.exit_code == 1, result.output
    assert "FAILED" in result.stdout
