"""The restore planner: one decision per index, each with its reason; blockers before anything changes."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from snapshot_sentinel.models import ShardFailure, SnapshotInfo
from snapshot_sentinel.restore.plan import (
    Action,
    ClusterFacts,
    RestoreOptions,
    plan_restore,
)
from snapshot_sentinel.restore.selection import Rename
from snapshot_sentinel.restore.snapshots import choose_default_snapshot

T0 = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)
FULL = {"taken_by": "snapshot-sentinel", "stack": "sentinel", "execution_id": "arn:x", "scope": "full"}


def snap(name, indices=("logs-1", "orders", ".kibana_1"), *, state="SUCCESS", days=0, metadata=None, **kw):
    return SnapshotInfo(
        name=name,
        state=state,
        start_time=T0 - timedelta(days=days),
        indices=tuple(indices),
        shards_total=len(indices),
        metadata=metadata if metadata is not None else dict(FULL),
        **kw,
    )


def cluster(**indices):
    return ClusterFacts(indices=indices, open_shards=10, max_shards_per_node=1000, data_nodes=2)


def test_one_deleted_index_is_restored_and_the_rest_conflict_unless_excluded():
    plan = plan_restore(snap("s"), "repo", cluster(), RestoreOptions(indices=["orders"]))

    assert not plan.blocked
    assert [(d.source, d.target, d.action) for d in plan.restored] == [("orders", "orders", Action.RESTORE)]


def test_an_existing_index_blocks_by_default_and_names_the_fix():
    plan = plan_restore(snap("s"), "repo", cluster(orders="open"), RestoreOptions())

    assert plan.blocked
    [blocker] = plan.blockers
    assert "[orders] exists" in blocker and "rename_prefix" in blocker and "on_conflict" in blocker


def test_on_conflict_delete_replaces_open_indices_but_never_closed_ones():
    plan = plan_restore(snap("s"), "repo", cluster(orders="open"), RestoreOptions(on_conflict="delete"))
    assert not plan.blocked
    assert plan.conflicts == ("orders",)

    closed = plan_restore(snap("s"), "repo", cluster(orders="close"), RestoreOptions(on_conflict="delete"))
    assert closed.blocked and "closed" in closed.blockers[0]


def test_a_read_only_stack_cannot_replace_because_it_cannot_save_first():
    options = RestoreOptions(on_conflict="delete", safety_snapshot_possible=False)

    plan = plan_restore(snap("s"), "repo", cluster(orders="open"), options)

    assert plan.blocked and "read-only" in plan.blockers[0]


def test_an_alias_holding_the_target_name_blocks_even_with_delete():
    facts = ClusterFacts(indices={}, aliases=frozenset({"orders"}))

    plan = plan_restore(snap("s"), "repo", facts, RestoreOptions(on_conflict="delete"))

    assert plan.blocked and "alias" in plan.blockers[0]


def test_a_renamed_restore_sits_next_to_live_indices():
    plan = plan_restore(
        snap("s"), "repo", cluster(orders="open", **{"logs-1": "open"}), RestoreOptions(rename=Rename.with_prefix("r-"))
    )

    assert not plan.blocked
    assert {d.target for d in plan.restored} == {"r-logs-1", "r-orders"}


def test_system_indices_are_skipped_with_their_reason():
    plan = plan_restore(snap("s"), "repo", cluster(), RestoreOptions())

    [skipped] = plan.skipped
    assert skipped.source == ".kibana_1" and "named exactly" in skipped.reason


def test_a_partial_snapshot_skips_failed_indices_and_names_an_older_snapshot_holding_them():
    failure = ShardFailure(index="orders", shard_id=0, reason="IndexShardSnapshotFailedException")
    partial = snap("s-partial", state="PARTIAL", failures=(failure,))
    older = [snap("s-3", days=3), snap("s-1", days=1, indices=("logs-1",)), snap("s-2", days=2, state="PARTIAL")]

    plan = plan_restore(partial, "repo", cluster(), RestoreOptions(), older=older)

    assert not plan.blocked
    assert [d.source for d in plan.restored] == ["logs-1"]
    orders = next(d for d in plan.skipped if d.source == "orders")
    assert "s-3" in orders.reason
    assert plan.advice == ({"index": "orders", "older_snapshot": "s-3"},)


def test_failed_and_in_progress_snapshots_block():
    for state in ("FAILED", "IN_PROGRESS", "INCOMPATIBLE"):
        assert plan_restore(snap("s", state=state), "repo", cluster(), RestoreOptions()).blocked


def test_primaries_beyond_the_shard_limit_block_and_replicas_only_warn():
    big = snap("s", indices=[f"i{n}" for n in range(100)])
    tight = ClusterFacts(indices={}, max_shards_per_node=100, data_nodes=1, open_shards=50)
    assert "shard limit" in plan_restore(big, "repo", tight, RestoreOptions()).blockers[0]

    roomy = ClusterFacts(indices={}, max_shards_per_node=100, data_nodes=2, open_shards=50)
    plan = plan_restore(big, "repo", roomy, RestoreOptions())
    assert not plan.blocked
    assert "number_of_replicas" in plan.warnings[0]
    assert not plan_restore(big, "repo", roomy, RestoreOptions(replicas=0)).warnings


def test_nothing_selected_blocks():
    plan = plan_restore(snap("s"), "repo", cluster(), RestoreOptions(indices=[".k*"]))

    assert plan.blocked and "nothing to restore" in plan.blockers[0]


def test_the_default_snapshot_is_the_newest_full_success_of_this_stack():
    snapshots = [
        snap("nightly-2026-11-25t02-00-00z", days=3),
        snap("nightly-2026-11-26t02-00-00z", days=2),
        snap("nightly-2026-11-28t02-00-00z", days=0, state="PARTIAL"),
        snap("nightly-2026-11-27t02-00-00z", days=0, state="FAILED"),
        snap("nightly-2026-11-27t03-00-00z-subset", days=0, metadata={**FULL, "scope": "subset"}),
        snap("nightly-2026-11-27t04-00-00z", days=0, metadata={**FULL, "stack": "someone-else"}),
        snap("by-hand", days=0, metadata={}),
    ]

    chosen, why = choose_default_snapshot(snapshots, managed=True, prefix="nightly", stack_name="sentinel")

    assert chosen is not None and chosen.name == "nightly-2026-11-26t02-00-00z"
    assert "newest SUCCESS" in why


def test_look_alikes_are_never_the_default_whatever_their_metadata_or_name():
    # Newer than the real nightly: a manual run of this stack under a name of its own, a snapshot
    # taken by hand under the managed name (no metadata, on an engine that stores it), a subset
    # run whose metadata says subset under the managed name, another project's metadata
    snapshots = [
        snap("nightly-2026-11-26t02-00-00z", days=2),
        snap("nightly-before-upgrade", days=1),
        snap("nightly-2026-11-27t02-00-00z", days=1, metadata={}),
        snap("nightly-2026-11-27t03-00-00z", days=1, metadata={**FULL, "scope": "subset"}),
        snap("nightly-2026-11-27t04-00-00z", days=1, metadata={**FULL, "taken_by": "curator"}),
    ]

    chosen, _ = choose_default_snapshot(snapshots, managed=True, prefix="nightly", stack_name="sentinel")

    assert chosen is not None and chosen.name == "nightly-2026-11-26t02-00-00z"


def test_a_read_only_stack_takes_the_newest_full_backup_of_any_stack_of_this_project():
    snapshots = [
        snap("nightly-2026-11-26t02-00-00z", days=2, metadata={**FULL, "stack": "old-domain"}),
        snap("nightly-2026-11-27t02-00-00z", days=1, metadata={**FULL, "stack": "old-domain", "scope": "subset"}),
        snap("nightly-2026-11-27t04-00-00z", days=1, metadata={**FULL, "taken_by": "curator"}),
    ]

    chosen, _ = choose_default_snapshot(snapshots, managed=True, prefix="nightly", stack_name=None)

    assert chosen is not None and chosen.name == "nightly-2026-11-26t02-00-00z"


def test_without_metadata_the_managed_name_decides_only_on_engines_that_store_none():
    es_6 = 6_080_099
    snapshots = [
        snap("nightly-2026-11-27t02-00-00z", days=1, metadata={}, version_id=es_6),
        snap("by-hand", metadata={}, version_id=es_6),
    ]

    chosen, _ = choose_default_snapshot(snapshots, managed=True, prefix="nightly", stack_name="sentinel")

    assert chosen is not None and chosen.name == "nightly-2026-11-27t02-00-00z"
    on_es_7_10 = [snap("nightly-2026-11-27t02-00-00z", days=1, metadata={}, version_id=7_100_299)]
    assert choose_default_snapshot(on_es_7_10, managed=True, prefix="nightly", stack_name="sentinel")[0] is None


def test_another_repository_defaults_to_its_newest_success_snapshot():
    snapshots = [snap("2026-11-28t01-00", metadata={}), snap("2026-11-28t02-00", state="PARTIAL", metadata={})]

    chosen, _ = choose_default_snapshot(snapshots, managed=False, prefix="nightly", stack_name="sentinel")

    assert chosen is not None and chosen.name == "2026-11-28t01-00"
    assert choose_default_snapshot([], managed=True, prefix="n", stack_name="s")[0] is None


def test_the_summary_stays_bounded_for_ten_thousand_indices():
    names = [f"logs-{n:05d}" for n in range(10_000)]
    plan = plan_restore(snap("s", indices=names), "repo", ClusterFacts(indices={}, data_nodes=20), RestoreOptions())

    summary = plan.summary()

    assert summary["counts"]["restore"] == 10_000
    assert len(summary["restore_sample"]) == 20

    assert len(json.dumps(summary)) < 8_000


def test_before_the_scope_was_recorded_the_newest_managed_snapshot_of_this_stack_is_the_default():
    legacy = {k: v for k, v in FULL.items() if k != "scope"}
    snapshots = [
        snap("nightly-2026-11-27t02-00-00z", days=1, metadata=legacy),
        snap("before-upgrade", days=0, metadata=legacy),
        snap("nightly-2026-11-28t02-00-00z", days=0, state="PARTIAL", metadata=legacy),
    ]

    chosen, why = choose_default_snapshot(snapshots, managed=True, prefix="nightly", stack_name="sentinel")

    assert chosen is not None and chosen.name == "nightly-2026-11-27t02-00-00z"
    assert "scope was recorded" in why
    # It counts as full as retention counts it, even once later runs record their scope
    scoped = [*snapshots, snap("nightly-2026-11-20t02-00-00z", days=8, metadata={**FULL, "scope": "subset"})]
    chosen, _ = choose_default_snapshot(scoped, managed=True, prefix="nightly", stack_name="sentinel")
    assert chosen is not None and chosen.name == "nightly-2026-11-27t02-00-00z"
