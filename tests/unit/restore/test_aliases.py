"""Which of a snapshot's aliases a restore brings back: never one that has moved to other indices."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from snapshot_sentinel.drills.catalog import ALIASES_MAX_BYTES, bounded_aliases
from snapshot_sentinel.models import SnapshotInfo
from snapshot_sentinel.restore.aliases import BackupRecord, plan_aliases
from snapshot_sentinel.restore.plan import Action, ClusterFacts, RestoreOptions, plan_restore

WRITE = {"is_write_index": True}


def test_an_alias_swapped_to_another_index_is_left_out_and_the_others_are_added_back():
    record = BackupRecord(aliases={"orders_v1": {"orders": WRITE, "orders-archive": {"filter": {"term": {"y": 1}}}}})

    plan = plan_aliases(
        [("orders_v1", "orders_v1")],
        wanted=True,
        live={"orders": {"orders_v2"}},
        live_indices={"orders_v2"},
        record=record,
    )

    assert plan.include_aliases is False
    assert plan.add == (("orders_v1", "orders-archive", {"filter": {"term": {"y": 1}}}),)
    assert plan.notes == ("alias [orders] now points at [orders_v2]: restored [orders_v1] without it",)
    assert plan.left_out == 1


def test_an_alias_still_on_the_indices_that_held_it_then_is_restored_with_the_engines_own_definitions():
    record = BackupRecord(aliases={"logs-a": {"logs": {}}, "logs-b": {"logs": {}}})

    plan = plan_aliases(
        [("logs-a", "logs-a")], wanted=True, live={"logs": {"logs-b"}}, live_indices={"logs-b"}, record=record
    )

    assert (plan.include_aliases, plan.add, plan.notes) == (True, (), ())


def test_the_replaced_index_itself_never_counts_as_elsewhere():
    record = BackupRecord(aliases={"orders": {"orders-live": {}}})

    plan = plan_aliases(
        [("orders", "orders")], wanted=True, live={"orders-live": {"orders"}}, live_indices={"orders"}, record=record
    )

    assert plan.include_aliases is True


def test_an_index_that_took_the_aliases_name_keeps_it():
    record = BackupRecord(aliases={"orders_v1": {"orders": {}}})

    plan = plan_aliases([("orders_v1", "orders_v1")], wanted=True, live={}, live_indices={"orders"}, record=record)

    assert plan.include_aliases is False and plan.add == ()
    assert plan.notes == ("an index is now named [orders]: restored [orders_v1] without alias [orders]",)


def test_without_a_record_aliases_come_back_only_when_no_other_index_has_one():
    pairs = [("orders_v1", "orders_v1")]

    quiet = plan_aliases(pairs, wanted=True, live={".kibana": {".kibana_1"}}, live_indices=set(), record=None)
    busy = plan_aliases(pairs, wanted=True, live={"orders": {"orders_v2"}}, live_indices=set(), record=None)

    assert quiet.include_aliases is True
    assert busy.include_aliases is False
    assert "alias [orders] points at [orders_v2]" in busy.notes[0]


def test_a_definition_too_large_to_record_is_never_re_added_without_it():
    record = BackupRecord(aliases={"a": {"moved": {}, "tenant": None}})

    plan = plan_aliases([("a", "a")], wanted=True, live={"moved": {"b"}}, live_indices={"b"}, record=record)

    assert plan.add == ()
    assert "alias [tenant] of [a] not re-added" in plan.notes[-1]


def test_a_rename_or_an_input_without_aliases_restores_none():
    record = BackupRecord(aliases={"a": {"x": {}}})
    assert (
        plan_aliases([("a", "r-a")], wanted=False, live={}, live_indices=set(), record=record).include_aliases is False
    )


@given(
    held=st.dictionaries(st.sampled_from(["i1", "i2", "i3", "i4"]), st.sets(st.sampled_from(["x", "y", "z"]))),
    now=st.dictionaries(st.sampled_from(["x", "y", "z"]), st.sets(st.sampled_from(["i1", "i2", "i3", "i4", "j"]))),
    restored=st.sets(st.sampled_from(["i1", "i2", "i3", "i4"]), min_size=1),
)
def test_after_a_restore_no_alias_points_at_an_index_that_did_not_hold_it_then_or_now(held, now, restored):
    record = BackupRecord(aliases={index: {alias: {} for alias in aliases} for index, aliases in held.items()})
    pairs = [(index, index) for index in sorted(restored)]
    live_indices = {index for indices in now.values() for index in indices} - restored

    plan = plan_aliases(pairs, wanted=True, live=now, live_indices=live_indices, record=record)

    # the aliases each restored index ends up with
    ends: dict[str, set[str]] = {alias: set(indices) - restored for alias, indices in now.items()}
    for index in restored:
        given_back = set(held.get(index, ())) if plan.include_aliases else {a for t, a, _ in plan.add if t == index}
        for alias in given_back:
            ends.setdefault(alias, set()).add(index)
    for alias, indices in ends.items():
        before = {index for index, aliases in held.items() if alias in aliases}
        now_elsewhere = set(now.get(alias, ())) - restored
        # an alias either stayed where it is, or every index it reaches held it when the snapshot was taken
        assert indices == now_elsewhere or (indices <= before | now_elsewhere and now_elsewhere <= before)


def test_a_recorded_shard_count_unlike_the_live_one_blocks_the_replace_naming_both():
    snapshot = SnapshotInfo.from_api(
        {"snapshot": "nightly-1", "uuid": "u", "state": "SUCCESS", "indices": ["orders"], "shards": {"total": 2}}
    )
    cluster = ClusterFacts(indices={"orders": "open"}, primaries={"orders": 3})

    plan = plan_restore(
        snapshot,
        "repo",
        cluster,
        RestoreOptions(on_conflict="delete"),
        record=BackupRecord(primaries={"orders": 2}),
    )
    same = plan_restore(
        snapshot,
        "repo",
        ClusterFacts(indices={"orders": "open"}, primaries={"orders": 2}),
        RestoreOptions(on_conflict="delete"),
    )

    assert [d.action for d in plan.decisions] == [Action.BLOCK]
    assert "[orders] has 3 primary shards and [orders] had 2 in snapshot [nightly-1]" in plan.blockers[0]
    assert [d.action for d in same.decisions] == [Action.REPLACE]


def test_a_closed_target_is_replaced_only_after_this_run_set_it_aside():
    snapshot = SnapshotInfo.from_api({"snapshot": "n", "uuid": "u", "state": "SUCCESS", "indices": ["orders"]})
    cluster = ClusterFacts(indices={"orders": "close"})

    before = plan_restore(snapshot, "repo", cluster, RestoreOptions(on_conflict="delete"))
    after = plan_restore(snapshot, "repo", cluster, RestoreOptions(on_conflict="delete", set_aside=True))

    assert [d.action for d in before.decisions] == [Action.BLOCK]
    assert [d.action for d in after.decisions] == [Action.REPLACE]


@given(st.dictionaries(st.text(min_size=1, max_size=255), st.dictionaries(st.text(max_size=5), st.text()), max_size=60))
def test_recorded_aliases_stay_bounded_and_keep_every_definition_that_fits(aliases):
    text, truncated = bounded_aliases(aliases)
    kept = json.loads(text)

    assert len(text.encode()) <= 2 * ALIASES_MAX_BYTES * 4 + 2  # UTF-8 of at most 2 x the budget in characters
    assert set(kept) <= set(aliases) and truncated == (set(kept) != set(aliases))
    assert all(kept[name] in (None, aliases[name]) for name in kept)


def test_a_huge_filter_is_recorded_by_name_only():
    text, truncated = bounded_aliases({"a": {}, "huge": {"filter": {"terms": {"id": list(range(20_000))}}}})
    assert json.loads(text) == {"a": {}, "huge": None} and truncated is False
