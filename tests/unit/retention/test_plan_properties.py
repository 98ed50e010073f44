"""Property-based proof of the retention rules over arbitrary repositories.

Hypothesis generates repositories mixing our managed names with look-alikes under and around the
prefix (``nightly-archive-...``, ``nightly-before-upgrade-...``, a managed name with a suffix,
``nightlyx-<timestamp>``), other stacks' and people's metadata or none, full and subset scopes,
snapshots of every engine generation (Elasticsearch before 7.3 stores no metadata), every state
(and some the engine never wrote), start times that tie, sit exactly on the age boundary, lie in
the future or are missing, and arbitrary RetentionDays / MinCount / MaxCount. Each test states one
rule of issues 3 and 9.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from snapshot_sentinel.models import FAILED, IN_PROGRESS, INCOMPATIBLE, PARTIAL, SUCCESS, SnapshotInfo
from snapshot_sentinel.ownership import TAKEN_BY
from snapshot_sentinel.retention.plan import (
    Action,
    RetentionPlan,
    RetentionPolicy,
    Rule,
    plan_retention,
)

NOW = datetime(2024, 6, 1, 2, 0, tzinfo=UTC)
PREFIX = "nightly"
STACK = "prod-backups"
STATES = st.sampled_from([SUCCESS] * 5 + [PARTIAL, FAILED, IN_PROGRESS, INCOMPATIBLE, "", "SOMETHING_NEW"])
ES_6_8, ES_7_1, ES_7_3, ES_7_10, OS_1_3, OS_2_11, OS_3_1 = (
    6_080_099,
    7_010_099,
    7_030_099,
    7_100_299,
    1_030_099 ^ 0x08000000,
    2_110_099 ^ 0x08000000,
    3_010_099 ^ 0x08000000,
)
WITHOUT_METADATA = (ES_6_8, ES_7_1)
ENGINES = st.sampled_from([ES_6_8, ES_7_1, ES_7_3, ES_7_10, OS_1_3, OS_2_11, OS_3_1, None])
"""Every engine generation's version id (None: the listing did not say), as the snapshot reports it."""

proves = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
"""Per test, not a global profile: other modules' Hypothesis tests keep their own settings."""


def ours(scope: str | None = "full") -> dict[str, Any]:
    metadata = {"taken_by": TAKEN_BY, "stack": STACK, "execution_id": "arn:aws:states:us-east-1:1:execution:m:x"}
    if scope is not None:
        metadata["scope"] = scope
    return metadata


METADATA = st.sampled_from(
    [
        None,
        {},
        ours(),
        ours(),
        ours(),
        ours(None),
        ours("subset"),
        {"taken_by": TAKEN_BY, "stack": "staging-backups", "execution_id": "arn:x", "scope": "full"},
        {"taken_by": "someone-else", "stack": STACK},
        {"note": "taken by hand before the upgrade"},
    ]
)


def stamp(moment: datetime) -> str:
    return f"{moment:%Y-%m-%dt%H-%M-%S}z"


NAME_KINDS = st.sampled_from(["managed"] * 6 + ["suffixed", "subset", "archive", "upgrade", "longer", "other", "bare"])
"""How a generated name relates to ours: only ``managed`` is exactly ``<prefix>-<UTC timestamp>``."""


def name_of(kind: str, index: int) -> str:
    moment = datetime(2024, 1, 1, tzinfo=UTC) + timedelta(hours=index)
    return {
        "managed": f"{PREFIX}-{stamp(moment)}",
        "suffixed": f"{PREFIX}-{stamp(moment)}-manual",
        "subset": f"{PREFIX}-{stamp(moment)}-subset",
        "archive": f"{PREFIX}-archive-before-migration-{index}",
        "upgrade": f"{PREFIX}-before-upgrade-2-{index}",
        "longer": f"{PREFIX}x-{stamp(moment)}",
        "other": f"weekly-{stamp(moment)}",
        "bare": f"{PREFIX}{stamp(moment)}",
    }[kind]


def start_times(days: int) -> st.SearchStrategy[datetime | None]:
    boundary = NOW - timedelta(days=days)
    return st.one_of(
        st.none(),
        st.sampled_from([boundary, boundary - timedelta(milliseconds=1), boundary + timedelta(milliseconds=1)]),
        st.sampled_from([NOW - timedelta(days=n) for n in range(0, 60, 3)]),
        st.integers(min_value=-60 * 24, max_value=72).map(lambda hours: NOW + timedelta(hours=hours)),
    )


@st.composite
def repositories(draw: st.DrawFn) -> tuple[list[SnapshotInfo], RetentionPolicy, frozenset[str]]:
    """Random snapshots of every kind, plus a nightly series of ours like a real repository holds."""
    policy = RetentionPolicy(
        prefix=PREFIX,
        stack_name=STACK,
        days=draw(st.integers(min_value=1, max_value=40)),
        min_count=draw(st.integers(min_value=1, max_value=8)),
        max_count=draw(st.sampled_from([0, 0, 1, 2, 3, 5, 8])),
    )
    facts = st.tuples(NAME_KINDS, STATES, start_times(policy.days), METADATA, ENGINES)
    snapshots = [
        SnapshotInfo(
            name=name_of(kind, index),
            state=state,
            uuid=f"uuid-{index}",
            start_time=start,
            metadata=metadata or {},
            version_id=engine,
        )
        for index, (kind, state, start, metadata, engine) in enumerate(draw(st.lists(facts, max_size=30)))
    ]
    series_states = draw(st.sampled_from([STATES, STATES, st.sampled_from([FAILED, PARTIAL])]))
    series_engine = draw(ENGINES)
    nightly_series = st.lists(st.tuples(series_states, st.sampled_from([None, ours(), ours()])), max_size=25)
    snapshots += [
        SnapshotInfo(
            name=f"{PREFIX}-{stamp(NOW - timedelta(days=day, seconds=7))}",
            state=state,
            start_time=NOW - timedelta(days=day, minutes=draw(st.sampled_from([0, 1, 90]))),
            metadata=metadata or {},
            version_id=series_engine,
        )
        for day, (state, metadata) in enumerate(draw(nightly_series))
    ]
    snapshots = draw(st.permutations(snapshots))
    names = [s.name for s in snapshots]
    protect = draw(st.sets(st.sampled_from([*names, f"{PREFIX}-not-listed"]), max_size=2) if names else st.just(set()))
    return list(snapshots), policy, frozenset(protect)


MANAGED_NAME = re.compile(rf"{PREFIX}-\d{{4}}-\d\d-\d\dt\d\d-\d\d-\d\dz")


def is_ours(snapshot: SnapshotInfo) -> bool:
    """The ownership rule, restated independently of the code under test."""
    if not MANAGED_NAME.fullmatch(snapshot.name):
        return False
    metadata = snapshot.metadata
    if metadata:
        return metadata.get("taken_by") == TAKEN_BY and metadata.get("stack") == STACK
    return snapshot.version_id in WITHOUT_METADATA


def is_full(snapshot: SnapshotInfo) -> bool:
    return snapshot.metadata.get("scope") != "subset"


def rankable_successes(snapshots: list[SnapshotInfo]) -> list[SnapshotInfo]:
    """Managed SUCCESS snapshots with a start time, newest first (ties broken by name)."""
    found = [s for s in snapshots if is_ours(s) and is_full(s) and s.state == SUCCESS and s.start_time is not None]
    return sorted(found, key=lambda s: (s.start_time, s.name), reverse=True)


def deleted_names(plan: RetentionPlan) -> set[str]:
    return {d.name for d in plan.to_delete}


def older_than_days(snapshot: SnapshotInfo, policy: RetentionPolicy) -> bool:
    assert snapshot.start_time is not None
    return NOW - snapshot.start_time > timedelta(days=policy.days)


@proves
@given(repositories())
def test_every_snapshot_gets_exactly_one_decision_with_its_facts(repo: Any) -> None:
    # Given an arbitrary repository / When it is planned
    snapshots, policy, protect = repo
    plan = plan_retention(snapshots, policy, NOW, protect)

    # Then each snapshot appears once, carrying its name, state, start time, action, rule and sentence
    assert sorted(d.name for d in plan.decisions) == sorted(s.name for s in snapshots)
    by_name = {s.name: s for s in snapshots}
    for decision in plan.decisions:
        snapshot = by_name[decision.name]
        assert (decision.state, decision.start_time) == (snapshot.state, snapshot.start_time)
        assert decision.action in (Action.KEEP, Action.DELETE)
        assert decision.rule in Rule
        assert decision.reason.startswith(("Kept", "Deleted", "Not managed"))
        assert decision.reason.startswith("Deleted") == (decision.action is Action.DELETE)


@proves
@given(repositories())
def test_nothing_but_managed_snapshots_is_ever_deleted(repo: Any) -> None:
    """The ownership rule: exact name, and this stack's metadata (or an engine without metadata)."""
    snapshots, policy, protect = repo

    plan = plan_retention(snapshots, policy, NOW, protect)

    for decision in plan.decisions:
        if not is_ours(decision.snapshot):
            assert decision.action is Action.KEEP
            assert decision.rule in (Rule.FOREIGN_NAME, Rule.OTHER_OWNER, Rule.NO_METADATA)
            assert not decision.managed
        else:
            assert decision.managed


@proves
@given(repositories())
def test_in_progress_protected_unrecognised_and_undated_snapshots_are_kept(repo: Any) -> None:
    snapshots, policy, protect = repo

    plan = plan_retention(snapshots, policy, NOW, protect)

    for decision in plan.to_delete:
        assert decision.name not in protect
        assert decision.state in (SUCCESS, PARTIAL, FAILED)
        assert decision.start_time is not None


@proves
@given(repositories())
def test_the_newest_success_and_the_min_count_newest_successes_are_kept(repo: Any) -> None:
    snapshots, policy, protect = repo

    plan = plan_retention(snapshots, policy, NOW, protect)

    successes = rankable_successes(snapshots)
    assert not deleted_names(plan) & {s.name for s in successes[: policy.min_count]}
    kept_successes = [s for s in successes if s.name not in deleted_names(plan)]
    assert len(kept_successes) >= min(policy.min_count, len(successes))


@proves
@given(repositories())
def test_success_is_deleted_exactly_when_beyond_the_minimum_and_expired_or_over_the_cap(repo: Any) -> None:
    snapshots, policy, protect = repo

    plan = plan_retention(snapshots, policy, NOW, protect)

    cap = max(policy.max_count, policy.min_count)
    for rank, snapshot in enumerate(rankable_successes(snapshots)):
        beyond_minimum = rank >= policy.min_count
        over_cap = policy.max_count > 0 and rank >= cap
        expected = snapshot.name not in protect and beyond_minimum and (older_than_days(snapshot, policy) or over_cap)
        assert (snapshot.name in deleted_names(plan)) == expected, (rank, snapshot)


@proves
@given(repositories())
def test_the_cap_deletes_oldest_first_and_never_leaves_more_than_allowed(repo: Any) -> None:
    snapshots, policy, protect = repo

    plan = plan_retention(snapshots, policy, NOW, protect)

    successes = rankable_successes(snapshots)
    deleted = deleted_names(plan)
    kept = [s for s in successes if s.name not in deleted and s.name not in protect]
    if policy.max_count:
        assert len(kept) <= max(policy.max_count, policy.min_count)
    for gone in (s for s in successes if s.name in deleted):
        assert all((gone.start_time, gone.name) < (k.start_time, k.name) for k in kept if k.name not in protect)


@proves
@given(repositories())
def test_partial_and_failed_go_only_when_expired_and_a_newer_success_exists(repo: Any) -> None:
    snapshots, policy, protect = repo

    plan = plan_retention(snapshots, policy, NOW, protect)

    success_starts = [s.start_time for s in rankable_successes(snapshots)]
    for snapshot in snapshots:
        if (
            not is_ours(snapshot)
            or not is_full(snapshot)
            or snapshot.state not in (PARTIAL, FAILED)
            or snapshot.start_time is None
        ):
            continue
        newer_success = any(start > snapshot.start_time for start in success_starts if start is not None)
        expected = snapshot.name not in protect and older_than_days(snapshot, policy) and newer_success
        assert (snapshot.name in deleted_names(plan)) == expected, snapshot


@proves
@given(repositories())
def test_partial_and_failed_never_count_toward_the_minimum(repo: Any) -> None:
    # Given a repository, and the same repository with every PARTIAL and FAILED snapshot removed
    snapshots, policy, protect = repo
    without_failures = [s for s in snapshots if s.state not in (PARTIAL, FAILED)]

    # When both are planned
    with_plan = plan_retention(snapshots, policy, NOW, protect)
    without_plan = plan_retention(without_failures, policy, NOW, protect)

    # Then the failures change nothing about the other snapshots
    def rules(plan: RetentionPlan) -> dict[str, Rule]:
        return {d.name: d.rule for d in plan.decisions if d.state not in (PARTIAL, FAILED)}

    assert rules(with_plan) == rules(without_plan)


@proves
@given(repositories(), st.lists(st.sampled_from(["weekly-", "nightly2-", "nightlyx", "cs-automated-"]), max_size=5))
def test_snapshots_that_are_not_ours_change_no_decision_about_ours(repo: Any, stems: list[str]) -> None:
    snapshots, policy, protect = repo
    strangers = [
        SnapshotInfo(name=f"{stem}stranger-{i}", state=SUCCESS, start_time=NOW + timedelta(days=1))
        for i, stem in enumerate(stems)
    ]
    strangers += [
        SnapshotInfo(name=f"{PREFIX}-other-stack", state=SUCCESS, start_time=NOW, metadata={"stack": "x"}),
        SnapshotInfo(name=f"{PREFIX}-2024-06-01t01-00-00z", state=SUCCESS, start_time=NOW, version_id=OS_2_11),
        SnapshotInfo(name=f"{PREFIX}-archive-before-migration", state=SUCCESS, start_time=NOW, version_id=ES_6_8),
    ]

    alone = plan_retention(snapshots, policy, NOW, protect)
    crowded = plan_retention([*snapshots, *strangers], policy, NOW, protect)

    stranger_names = {s.name for s in strangers}
    assert {d.name: d.rule for d in alone.decisions} == {
        d.name: d.rule for d in crowded.decisions if d.name not in stranger_names
    }
    assert all(not d.managed for d in crowded.decisions if d.name in stranger_names)


@proves
@given(repositories())
def test_a_second_run_at_the_same_moment_deletes_nothing_more(repo: Any) -> None:
    # Given a repository planned and pruned once
    snapshots, policy, protect = repo
    first = plan_retention(snapshots, policy, NOW, protect)
    survivors = [s for s in snapshots if s.name not in deleted_names(first)]

    # When the survivors are planned again
    second = plan_retention(survivors, policy, NOW, protect)

    # Then the plan is stable: retention converges in one pass
    assert second.to_delete == ()


@proves
@given(repositories())
def test_deletions_come_oldest_first(repo: Any) -> None:
    snapshots, policy, protect = repo

    plan = plan_retention(snapshots, policy, NOW, protect)

    starts = [d.start_time for d in plan.to_delete]
    assert starts == sorted(starts)  # type: ignore[type-var]


@proves
@given(repositories(), st.integers(min_value=0, max_value=400))
def test_time_passing_never_resurrects_a_deleted_success(repo: Any, hours_later: int) -> None:
    # Given a plan now, and the same repository planned later with nothing new
    snapshots, policy, protect = repo
    later = NOW + timedelta(hours=hours_later)

    now_plan = plan_retention(snapshots, policy, NOW, protect)
    later_plan = plan_retention(snapshots, policy, later, protect)

    # Then whatever was due for deletion is still due
    assert deleted_names(now_plan) <= deleted_names(later_plan)


def test_plans_are_deterministic_under_reordering() -> None:
    names = [name_of("managed", i) for i in range(10)]
    snapshots = [
        SnapshotInfo(name=name, state=SUCCESS, start_time=NOW - timedelta(days=30), metadata=ours()) for name in names
    ]
    policy = RetentionPolicy(PREFIX, STACK, days=7, min_count=3)

    forward = plan_retention(snapshots, policy, NOW)
    backward = plan_retention(list(reversed(snapshots)), policy, NOW)

    assert [(d.name, d.rule) for d in forward.decisions] == [(d.name, d.rule) for d in backward.decisions]
    assert {d.name for d in forward.to_keep} == set(names[-3:])


def test_generated_repositories_reach_every_rule() -> None:
    """Guards the generator: a property over repositories that never hit a rule proves nothing."""
    seen: set[Rule] = set()

    @given(repositories())
    @settings(max_examples=400, derandomize=True)
    def collect(repo: Any) -> None:
        snapshots, policy, protect = repo
        seen.update(d.rule for d in plan_retention(snapshots, policy, NOW, protect).decisions)

    collect()

    assert seen == set(Rule)


def test_replacing_metadata_with_another_stack_makes_a_snapshot_foreign() -> None:
    ours_snapshot = SnapshotInfo(
        name=name_of("managed", 1), state=SUCCESS, start_time=NOW - timedelta(days=90), metadata=ours()
    )
    theirs = replace(ours_snapshot, metadata={"taken_by": TAKEN_BY, "stack": "other"})
    policy = RetentionPolicy(PREFIX, STACK, days=1, min_count=1)

    plan = plan_retention([theirs], policy, NOW)

    assert [d.rule for d in plan.decisions] == [Rule.OTHER_OWNER]


@proves
@given(repositories())
def test_subset_snapshots_change_no_decision_about_full_ones(repo: Any) -> None:
    # Given a repository, and the same repository with every subset snapshot removed
    snapshots, policy, protect = repo
    full_only = [s for s in snapshots if is_full(s)]

    # When both are planned
    with_subsets = plan_retention(snapshots, policy, NOW, protect)
    without_subsets = plan_retention(full_only, policy, NOW, protect)

    # Then subsets neither count toward the minimum or the cap nor become the newest SUCCESS
    def rules(plan: RetentionPlan) -> dict[str, Rule]:
        return {d.name: d.rule for d in plan.decisions if is_full(d.snapshot)}

    assert rules(with_subsets) == rules(without_subsets)


@proves
@given(repositories())
def test_a_managed_subset_snapshot_goes_by_age_alone_and_is_never_the_newest_success(repo: Any) -> None:
    snapshots, policy, protect = repo

    plan = plan_retention(snapshots, policy, NOW, protect)

    for decision in plan.decisions:
        snapshot = decision.snapshot
        if not is_ours(snapshot) or is_full(snapshot):
            continue
        assert decision.rule not in (Rule.NEWEST_SUCCESS, Rule.MINIMUM_COUNT, Rule.OVER_MAX_COUNT)
        if snapshot.name in protect or snapshot.state not in (SUCCESS, PARTIAL, FAILED) or snapshot.start_time is None:
            assert decision.action is Action.KEEP
        else:
            assert (decision.action is Action.DELETE) == older_than_days(snapshot, policy)
