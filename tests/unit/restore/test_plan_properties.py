"""The restore planner's safety rules, proven over arbitrary snapshots, clusters and inputs."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from snapshot_sentinel.models import SnapshotInfo
from snapshot_sentinel.restore.plan import Action, ClusterFacts, RestoreOptions, plan_restore
from snapshot_sentinel.restore.selection import Rename, is_system_index

NAMES = st.sampled_from(
    ["a", "b", "ab", "logs-1", "logs-2", "orders", ".kibana_1", ".tasks", ".plugins-ml", "r-a", "r-orders", "x"]
)
PATTERNS = st.lists(
    st.one_of(NAMES, st.sampled_from(["*", "logs-*", ".k*", "-logs-1", "-.*", "r-*", "-a", "_all"])), max_size=4
)
RENAMES = st.one_of(
    st.none(),
    st.just(Rename.with_prefix("r-")),
    st.just(Rename("logs-\\d", "logs")),
    st.just(Rename("^(.+)$", "$1")),
    st.just(Rename("a", "b")),
    st.just(Rename("^r-(.+)$", "$1")),
)


@st.composite
def scenarios(draw):
    indices = draw(st.lists(NAMES, unique=True, max_size=10))
    snapshot = SnapshotInfo(name="s", state="SUCCESS", indices=tuple(indices), shards_total=len(indices))
    existing = draw(st.dictionaries(NAMES, st.sampled_from(["open", "close"]), max_size=8))
    aliases = frozenset(draw(st.lists(NAMES, max_size=3)))
    cluster = ClusterFacts(indices=existing, aliases=aliases, max_shards_per_node=1000, data_nodes=1)
    patterns = draw(st.one_of(st.none(), PATTERNS.filter(bool)))
    options = RestoreOptions(
        indices=patterns,
        rename=draw(RENAMES),
        on_conflict=draw(st.sampled_from(["fail", "delete"])),
        safety_snapshot_possible=draw(st.booleans()),
    )
    return snapshot, cluster, options


@given(scenarios())
def test_never_restores_over_an_existing_index_it_does_not_first_save_and_delete(scenario):
    snapshot, cluster, options = scenario
    plan = plan_restore(snapshot, "repo", cluster, options)
    if plan.blocked:
        return
    for decision in plan.restored:
        if decision.target in cluster.indices:
            assert decision.action is Action.REPLACE
            assert options.on_conflict == "delete" and options.safety_snapshot_possible
            assert cluster.indices[decision.target] == "open"
        else:
            assert decision.action is Action.RESTORE


@given(scenarios())
def test_never_restores_onto_an_alias(scenario):
    snapshot, cluster, options = scenario
    plan = plan_restore(snapshot, "repo", cluster, options)
    assert plan.blocked or not any(d.target in cluster.aliases for d in plan.restored)


@given(scenarios())
def test_never_restores_a_system_index_unless_named_exactly(scenario):
    snapshot, cluster, options = scenario
    plan = plan_restore(snapshot, "repo", cluster, options)
    for decision in plan.restored:
        if is_system_index(decision.source):
            assert options.indices is not None and decision.source in options.indices


@given(scenarios())
def test_rename_never_maps_two_sources_onto_one_target(scenario):
    snapshot, cluster, options = scenario
    plan = plan_restore(snapshot, "repo", cluster, options)
    targets = [d.target for d in plan.decisions if d.action is not Action.SKIP and d.target is not None]
    assert len(targets) == len(set(targets))


@given(scenarios())
def test_every_index_of_the_snapshot_gets_exactly_one_decision_with_a_reason_or_the_plan_is_blocked(scenario):
    snapshot, cluster, options = scenario
    plan = plan_restore(snapshot, "repo", cluster, options)
    sources = [d.source for d in plan.decisions]
    assert len(sources) == len(set(sources))
    assert all(d.reason for d in plan.decisions)
    assert set(sources) <= set(snapshot.indices)
    assert plan.blocked or plan.restored


@given(scenarios())
def test_deletes_only_what_it_restores_over(scenario):
    snapshot, cluster, options = scenario
    plan = plan_restore(snapshot, "repo", cluster, options)
    assert set(plan.conflicts) <= {d.target for d in plan.restored}
    assert set(plan.conflicts) <= {name for name, state in cluster.indices.items() if state == "open"}
    if options.on_conflict == "fail":
        assert plan.conflicts == ()
