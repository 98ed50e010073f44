"""The drill's input rules and its clean-up's safety rule (hypothesis): it deletes only indices
that are in its own picks, carry its drill name, and exist, never a look-alike or a live index."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from snapshot_sentinel.drills.catalog import stored_sizes
from snapshot_sentinel.drills.cleanup import clean_up, own_indices, restored_from
from snapshot_sentinel.drills.input import validate_drill_input
from snapshot_sentinel.drills.plan import drill_prefix, drill_target, is_drill_index
from snapshot_sentinel.drills.steps import restore_body
from snapshot_sentinel.errors import InvalidInputError
from tests.support.fake_cluster import FakeCluster, FakeIndex, fake_client

START = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)
EXECUTION = "arn:aws:states:us-east-1:123456789012:execution:DrillStateMachine:weekly"
PREFIX = drill_prefix(START, EXECUTION)
names = st.text(alphabet="abcdefgh-.", min_size=1, max_size=12)


def test_the_input_defaults_and_refuses_unknown_keys_by_name():
    assert validate_drill_input({}) == {"snapshot_name": None, "indices": None, "keep_restored": False}
    assert validate_drill_input({"indices": "a*,b"})["indices"] == ["a*", "b"]
    with pytest.raises(InvalidInputError, match="unknown input key 'keep'"):
        validate_drill_input({"keep": True})
    with pytest.raises(InvalidInputError, match="keep_restored must be true or false"):
        validate_drill_input({"keep_restored": "yes"})


def test_the_restore_request_names_only_the_picks_without_replicas_or_aliases():
    plan = {"name_prefix": PREFIX, "picks": [{"source": "orders"}, {"source": "logs"}]}
    body = restore_body(plan)
    assert body["indices"] == "orders,logs"
    assert body["rename_replacement"] == f"{PREFIX}$1"
    assert PREFIX.startswith("drill-20261128t020000z-")
    assert body["index_settings"] == {"index.number_of_replicas": 0}
    assert body["include_aliases"] is False and body["include_global_state"] is False


@given(
    sources=st.lists(names, max_size=8),
    live=st.lists(names, max_size=8),
    foreign_drills=st.lists(names, max_size=5),
    other_start=st.datetimes(timezones=st.just(UTC)),
    other_run=st.text(min_size=1, max_size=20),
)
def test_clean_up_deletes_only_its_own_existing_drill_indices(sources, live, foreign_drills, other_start, other_run):
    picked = [drill_target(PREFIX, s) for s in sources]
    # Present: some of the drill's own targets, live source indices, and look-alikes it did not pick:
    # other drills' indices of this snapshot or another, and old-style names without a run token.
    other = drill_prefix(START, EXECUTION + other_run)
    look_alikes = (
        [drill_target(PREFIX, f) + "-copy" for f in foreign_drills]
        + [drill_target(drill_prefix(other_start, EXECUTION + other_run), f) for f in foreign_drills]
        + [drill_target("drill-20261128t020000z-", f) for f in foreign_drills]
    )
    present = set(picked[::2]) | set(live) | set(look_alikes)
    # Even a list of picks that names another drill's indices (a corrupted state) deletes none of them.
    deleted = own_indices([*picked, *(drill_target(other, f) for f in foreign_drills)], present, PREFIX)

    assert set(deleted) <= set(picked), "never an index outside the drill's own picks"
    assert set(deleted) <= present
    assert all(is_drill_index(n, PREFIX) for n in deleted)
    assert len(deleted) == len(set(deleted))
    assert set(deleted) == {p for p in picked if p in present}, "and every own index that exists"


recovery = st.fixed_dictionaries(
    {
        "primary": st.booleans(),
        "type": st.sampled_from(["SNAPSHOT", "EMPTY_STORE", "PEER", "EXISTING_STORE"]),
        "source": st.fixed_dictionaries(
            {"repository": st.sampled_from(["nightly-backups", "other"]), "snapshot": st.sampled_from(["snap", "old"])}
        ),
    }
)


@given(st.dictionaries(st.text(min_size=1, max_size=8), st.lists(recovery, max_size=4), max_size=6))
def test_after_a_failed_start_only_indices_restored_from_this_snapshot_count_as_the_drills(recoveries):
    found = restored_from(recoveries, "nightly-backups", "snap")

    for name in found:
        primaries = [r for r in recoveries[name] if r["primary"]]
        assert primaries, "an index with no primary recovery is never named"
        assert all(
            r["type"] == "SNAPSHOT" and r["source"] == {"repository": "nightly-backups", "snapshot": "snap"}
            for r in primaries
        ), "every primary came from this repository and snapshot"
    for name, shards in recoveries.items():
        primaries = [r for r in shards if r["primary"]]
        if primaries and all(
            r["type"] == "SNAPSHOT" and r["source"] == {"repository": "nightly-backups", "snapshot": "snap"}
            for r in primaries
        ):
            assert name in found


def _run_after_start_failed(error: str) -> tuple[dict[str, object], FakeCluster]:
    """A drill whose start step failed with ``error``; its one name held by an index restored from
    this very snapshot (a person's copy, or a drill whose token collided)."""
    cluster = FakeCluster()
    target = drill_target(PREFIX, "orders")
    cluster.indices[target] = FakeIndex(restored_from=("snap", "orders", 1))
    plan = {"snapshot_name": "snap", "name_prefix": PREFIX, "picks": [{"source": "orders", "target": target}]}
    return {"plan": plan, "error": {"Error": error, "Cause": "..."}}, cluster


def test_a_start_refused_because_its_name_was_held_deletes_nothing_even_if_restored_from_this_snapshot():
    state, cluster = _run_after_start_failed("DrillTargetExistsError")

    result = clean_up(fake_client(cluster), state, "nightly-backups")

    assert result["deleted"] == [] and cluster.paths("DELETE") == []
    assert result["note"] == "this drill restored nothing, so it deletes nothing"


def test_a_start_that_failed_after_it_may_have_sent_deletes_its_own_name_restored_from_this_snapshot():
    state, cluster = _run_after_start_failed("Lambda.ServiceException")

    result = clean_up(fake_client(cluster), state, "nightly-backups")

    assert result["deleted"] == [drill_target(PREFIX, "orders")]


class StatusOnly:
    """A domain that answers one ``_snapshot/<repo>/<snap>/_status`` (what a recovery region can read)."""

    def __init__(self, answer: dict[str, object]) -> None:
        self.answer = answer
        self.asked: list[tuple[str, dict[str, str] | None]] = []

    def read(self, path: str, params: dict[str, str] | None = None) -> dict[str, object]:
        self.asked.append((path, params))
        return self.answer


def test_an_index_neither_catalogued_nor_live_is_sized_from_the_snapshot_itself():
    domain = StatusOnly(
        {
            "snapshots": [
                {
                    "indices": {
                        "orders": {"shards_stats": {"total": 2}, "stats": {"total": {"size_in_bytes": 8_388_608}}},
                        "empty": {"shards_stats": {"total": 0}, "stats": {}},
                    }
                }
            ]
        }
    )

    sizes = stored_sizes(domain, "nightly backups", "nightly-2026-11-28")  # type: ignore[arg-type]

    assert sizes == {"orders": (2, 8_388_608)}
    [(path, params)] = domain.asked
    assert path == "/_snapshot/nightly%20backups/nightly-2026-11-28/_status"
    assert params is not None and "snapshots.indices.*.shards_stats.total" in params["filter_path"]
