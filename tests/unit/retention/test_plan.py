"""Worked examples of the retention rules: the cases people ask about, in their words."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from snapshot_sentinel.errors import ConfigurationError
from snapshot_sentinel.models import FAILED, IN_PROGRESS, INCOMPATIBLE, PARTIAL, SUCCESS, SnapshotInfo
from snapshot_sentinel.naming import managed_snapshot_name
from snapshot_sentinel.ownership import TAKEN_BY, snapshot_metadata
from snapshot_sentinel.retention.plan import Action, RetentionPolicy, Rule, plan_retention

NOW = datetime(2024, 6, 1, 2, 0, tzinfo=UTC)
POLICY = RetentionPolicy(prefix="nightly", stack_name="prod-backups", days=14, min_count=7)
OURS = snapshot_metadata("prod-backups", "arn:aws:states:us-east-1:123456789012:execution:b:x", subset=False)
ES_6_8 = 6_080_099

_labels: dict[str, str] = {}


def nightly(label: str) -> str:
    """A managed name for a label the test reads better (``nightly("good-3")``); one per label."""
    if label not in _labels:
        _labels[label] = managed_snapshot_name(
            "nightly", datetime(2020, 1, 1, tzinfo=UTC) + timedelta(minutes=len(_labels))
        )
    return _labels[label]


def snap(
    name: str,
    state: str = SUCCESS,
    days_ago: float | None = 0,
    metadata: dict[str, Any] | None = None,
    version_id: int | None = None,
) -> SnapshotInfo:
    """A snapshot; names starting with ``nightly:`` become managed names, with our metadata by default."""
    start = None if days_ago is None else NOW - timedelta(days=days_ago)
    if name.startswith("nightly:"):
        name = nightly(name.removeprefix("nightly:"))
        metadata = OURS if metadata is None else metadata
    return SnapshotInfo(name=name, state=state, start_time=start, metadata=metadata or {}, version_id=version_id)


def rules(snapshots: list[SnapshotInfo], policy: RetentionPolicy = POLICY, **kwargs: Any) -> dict[str, Rule]:
    return {d.name: d.rule for d in plan_retention(snapshots, policy, NOW, **kwargs).decisions}


def test_a_week_of_failures_never_prunes_the_good_snapshots() -> None:
    # Given 7 good nightly snapshots from a month ago, then a week of FAILED and PARTIAL nights
    good = [snap(f"nightly:good-{d}", days_ago=30 + d) for d in range(7)]
    bad = [snap(f"nightly:bad-{d}", state=FAILED if d % 2 else PARTIAL, days_ago=d) for d in range(7)]

    # When retention runs with RetentionMinCount 7
    plan = plan_retention(good + bad, POLICY, NOW)

    # Then nothing is deleted: the failures don't count toward the minimum and have no newer SUCCESS
    assert plan.to_delete == ()
    assert {d.name for d in plan.to_keep} >= {s.name for s in good}


def test_thirty_nightly_snapshots_keep_the_window_and_prune_the_rest() -> None:
    # Given 30 daily SUCCESS snapshots of ours
    snapshots = [snap(f"nightly:{d:02d}", days_ago=d + 0.5) for d in range(30)]

    # When retention keeps 14 days, at least 7
    plan = plan_retention(snapshots, POLICY, NOW)

    # Then the 14 youngest stay and the 16 older than 14 days go, oldest first
    assert [d.name for d in plan.to_delete] == [nightly(f"{d:02d}") for d in range(29, 13, -1)]
    assert {d.rule for d in plan.to_delete} == {Rule.EXPIRED}
    assert rules(snapshots)[nightly("00")] is Rule.NEWEST_SUCCESS
    assert rules(snapshots)[nightly("06")] is Rule.MINIMUM_COUNT
    assert rules(snapshots)[nightly("07")] is Rule.WITHIN_RETENTION


def test_look_alike_names_and_other_stacks_are_never_ours() -> None:
    # Given ancient snapshots whose names merely resemble ours, or that another stack or a person took
    strangers = [
        snap("nightly2-old", days_ago=400, metadata=OURS),
        snap("nightlyx-old", days_ago=400, metadata=OURS),
        snap("nightly", days_ago=400, metadata=OURS),
        snap("weekly-old", days_ago=400, metadata=OURS),
        snap("nightly-archive-before-migration", days_ago=400),
        snap("nightly-before-upgrade-2-17", days_ago=400, metadata=OURS),
        snap(nightly("ours") + "-subset", days_ago=400, metadata=OURS),
        snap("nightly:staging", days_ago=400, metadata={"taken_by": TAKEN_BY, "stack": "staging-backups"}),
        snap("nightly:by-hand", days_ago=400, metadata={"note": "before the upgrade"}),
        snap("nightly:no-metadata", days_ago=400, metadata={}),
    ]
    ours = [snap(f"nightly:{d}", days_ago=d) for d in range(10)]

    decided = rules(strangers + ours)

    foreign = ("nightly2-old", "nightlyx-old", "nightly", "weekly-old", "nightly-archive-before-migration")
    foreign += ("nightly-before-upgrade-2-17", nightly("ours") + "-subset")
    assert {name: decided[name] for name in foreign} == dict.fromkeys(foreign, Rule.FOREIGN_NAME)
    assert decided[nightly("staging")] is Rule.OTHER_OWNER
    assert decided[nightly("by-hand")] is Rule.OTHER_OWNER
    assert decided[nightly("no-metadata")] is Rule.NO_METADATA


def test_our_metadata_means_ours_and_so_does_none_on_an_engine_that_stores_none() -> None:
    tagged = snap("nightly:tagged", days_ago=100)
    before_scope = snap("nightly:before-scope", days_ago=100, metadata={"taken_by": TAKEN_BY, "stack": "prod-backups"})
    untagged_6_8 = snap("nightly:untagged-6-8", days_ago=100, metadata={}, version_id=ES_6_8)
    untagged_2_11 = snap("nightly:untagged-2-11", days_ago=100, metadata={}, version_id=2_110_099 ^ 0x08000000)
    recent = [snap(f"nightly:{d}", days_ago=d) for d in range(7)]

    decided = rules([tagged, before_scope, untagged_6_8, untagged_2_11, *recent])

    assert decided[nightly("tagged")] is Rule.EXPIRED
    assert decided[nightly("before-scope")] is Rule.EXPIRED
    assert decided[nightly("untagged-6-8")] is Rule.EXPIRED
    assert decided[nightly("untagged-2-11")] is Rule.NO_METADATA


def test_subset_snapshots_never_count_and_never_push_a_full_one_out() -> None:
    # Given three full nightlies, then three newer runs of {"indices": ".kibana_1"} that carry managed names
    capped = RetentionPolicy(prefix="nightly", stack_name="prod-backups", days=14, min_count=1, max_count=3)
    subset = snapshot_metadata("prod-backups", "arn:aws:states:us-east-1:123456789012:execution:b:k", subset=True)
    full = [snap(f"nightly:full-{d}", days_ago=3 + d) for d in range(3)]
    kibana = [snap(f"nightly:kibana-{d}", days_ago=d, metadata=subset) for d in range(3)]

    decided = rules(full + kibana, capped)

    # Then every full one stays (the newest full one is the newest SUCCESS) and the subsets wait out their age
    assert decided[nightly("full-0")] is Rule.NEWEST_SUCCESS
    assert {decided[nightly(f"full-{d}")] for d in (1, 2)} == {Rule.WITHIN_RETENTION}
    assert {decided[nightly(f"kibana-{d}")] for d in range(3)} == {Rule.SUBSET_RECENT}


def test_an_old_subset_snapshot_goes_by_age_alone() -> None:
    subset = snapshot_metadata("prod-backups", "arn:aws:states:us-east-1:123456789012:execution:b:k", subset=True)
    old_subset = snap("nightly:old-kibana", days_ago=40, metadata=subset)

    plan = plan_retention([old_subset], POLICY, NOW)

    assert [d.rule for d in plan.to_delete] == [Rule.SUBSET_EXPIRED]
    assert plan.to_delete[0].reason == "Deleted: a subset of indices (never counted as a backup), older than 14 days."


def test_the_snapshot_this_run_took_is_kept_whatever_its_age() -> None:
    # Given an odd clock: the run's own snapshot reports a start time far in the past
    snapshots = [snap("nightly:this-run", days_ago=100)] + [snap(f"nightly:{d}", days_ago=d) for d in range(10)]

    decided = rules(snapshots, protect=frozenset({nightly("this-run")}))

    assert decided[nightly("this-run")] is Rule.PROTECTED


def test_running_incompatible_unknown_and_undated_snapshots_are_kept() -> None:
    recent = [snap(f"nightly:{d}", days_ago=d) for d in range(10)]
    odd = [
        snap("nightly:running", state=IN_PROGRESS, days_ago=60),
        snap("nightly:newer-engine", state=INCOMPATIBLE, days_ago=60),
        snap("nightly:mystery", state="SOMETHING_NEW", days_ago=60),
        snap("nightly:undated", state=SUCCESS, days_ago=None),
    ]

    decided = rules(recent + odd)

    assert decided[nightly("running")] is Rule.IN_PROGRESS
    assert decided[nightly("newer-engine")] is Rule.UNRECOGNISED_STATE
    assert decided[nightly("mystery")] is Rule.UNRECOGNISED_STATE
    assert decided[nightly("undated")] is Rule.NO_START_TIME


def test_old_failures_go_only_once_a_newer_success_exists() -> None:
    # Given old FAILED/PARTIAL snapshots, with and without a SUCCESS after them
    old_failed = snap("nightly:old-failed", state=FAILED, days_ago=40)
    old_partial = snap("nightly:old-partial", state=PARTIAL, days_ago=40)
    newer_success = snap("nightly:newer", days_ago=30)

    assert rules([old_failed, old_partial])[nightly("old-failed")] is Rule.UNSUCCESSFUL_NO_NEWER_SUCCESS
    decided = rules([old_failed, old_partial, newer_success])

    assert decided[nightly("old-failed")] is Rule.UNSUCCESSFUL_EXPIRED
    assert decided[nightly("old-partial")] is Rule.UNSUCCESSFUL_EXPIRED
    assert decided[nightly("newer")] is Rule.NEWEST_SUCCESS


def test_a_success_at_the_same_instant_is_not_newer() -> None:
    failed = snap("nightly:a-failed", state=FAILED, days_ago=40)
    success_same_time = snap("nightly:b-success", days_ago=40)

    assert rules([failed, success_same_time])[nightly("a-failed")] is Rule.UNSUCCESSFUL_NO_NEWER_SUCCESS


def test_exactly_retention_days_old_is_not_older_than_retention_days() -> None:
    snapshots = [snap(f"nightly:{d}", days_ago=d) for d in range(7)]
    on_the_boundary = snap("nightly:boundary", days_ago=14)
    just_past = SnapshotInfo(
        nightly("past"), SUCCESS, start_time=NOW - timedelta(days=14, milliseconds=1), metadata=OURS
    )

    decided = rules([*snapshots, on_the_boundary, just_past])

    assert decided[nightly("boundary")] is Rule.WITHIN_RETENTION
    assert decided[nightly("past")] is Rule.EXPIRED


def test_a_start_time_in_the_future_counts_as_the_newest_and_is_kept() -> None:
    snapshots = [snap(f"nightly:{d}", days_ago=d + 20) for d in range(10)] + [snap("nightly:skewed", days_ago=-2)]

    decided = rules(snapshots)

    assert decided[nightly("skewed")] is Rule.NEWEST_SUCCESS
    assert sum(rule is Rule.EXPIRED for rule in decided.values()) == 4


def test_max_count_caps_recent_successes_oldest_first() -> None:
    capped = RetentionPolicy(prefix="nightly", stack_name="prod-backups", days=365, min_count=3, max_count=5)
    snapshots = [snap(f"nightly:{d}", days_ago=d) for d in range(8)]

    plan = plan_retention(snapshots, capped, NOW)

    assert [d.name for d in plan.to_delete] == [nightly("7"), nightly("6"), nightly("5")]
    assert {d.rule for d in plan.to_delete} == {Rule.OVER_MAX_COUNT}


def test_a_cap_below_the_minimum_yields_to_the_minimum() -> None:
    odd = RetentionPolicy(prefix="nightly", stack_name="prod-backups", days=365, min_count=4, max_count=2)
    snapshots = [snap(f"nightly:{d}", days_ago=d) for d in range(6)]

    plan = plan_retention(snapshots, odd, NOW)

    assert [d.name for d in plan.to_delete] == [nightly("5"), nightly("4")]


def test_every_decision_explains_itself_in_a_sentence_with_the_policy_values() -> None:
    snapshots = [snap(f"nightly:{d}", days_ago=d) for d in range(20)]

    plan = plan_retention(snapshots, POLICY, NOW)

    expired = plan.to_delete[0]
    assert expired.action is Action.DELETE
    assert expired.reason == "Deleted: SUCCESS older than 14 days, beyond the 7 newest."
    assert plan.to_keep[-1].reason == "Kept: the newest SUCCESS snapshot."


def test_an_empty_repository_plans_nothing() -> None:
    plan = plan_retention([], POLICY, NOW)

    assert plan.decisions == ()


def test_now_must_carry_a_timezone() -> None:
    with pytest.raises(ValueError, match="timezone"):
        plan_retention([], POLICY, datetime(2024, 6, 1))


@pytest.mark.parametrize(
    ("days", "min_count", "max_count"),
    [(0, 7, 0), (14, 0, 0), (14, 7, -1)],
)
def test_a_policy_that_could_delete_everything_is_refused(days: int, min_count: int, max_count: int) -> None:
    with pytest.raises(ConfigurationError):
        RetentionPolicy(prefix="nightly", stack_name="s", days=days, min_count=min_count, max_count=max_count)
