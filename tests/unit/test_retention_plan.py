"""Worked examples of the retention rules: the cases people ask about, in their words."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from snapshot_sentinel.errors import ConfigurationError
from snapshot_sentinel.models import FAILED, IN_PROGRESS, INCOMPATIBLE, PARTIAL, SUCCESS, SnapshotInfo
from snapshot_sentinel.retention_plan import Action, RetentionPolicy, Rule, plan_retention
from snapshot_sentinel.settings import RetentionSettings
from snapshot_sentinel.snapshots import TAKEN_BY

NOW = datetime(2024, 6, 1, 2, 0, tzinfo=UTC)
POLICY = RetentionPolicy(prefix="nightly", stack_name="prod-backups", days=14, min_count=7)


def snap(
    name: str, state: str = SUCCESS, days_ago: float | None = 0, metadata: dict[str, Any] | None = None
) -> SnapshotInfo:
    start = None if days_ago is None else NOW - timedelta(days=days_ago)
    return SnapshotInfo(name=name, state=state, start_time=start, metadata=metadata or {})


def rules(snapshots: list[SnapshotInfo], policy: RetentionPolicy = POLICY, **kwargs: Any) -> dict[str, Rule]:
    return {d.name: d.rule for d in plan_retention(snapshots, policy, NOW, **kwargs).decisions}


def test_a_week_of_failures_never_prunes_the_good_snapshots() -> None:
    # Given 7 good nightly snapshots from a month ago, then a week of FAILED and PARTIAL nights
    good = [snap(f"nightly-good-{d}", days_ago=30 + d) for d in range(7)]
    bad = [snap(f"nightly-bad-{d}", state=FAILED if d % 2 else PARTIAL, days_ago=d) for d in range(7)]

    # When retention runs with RetentionMinCount 7
    plan = plan_retention(good + bad, POLICY, NOW)

    # Then nothing is deleted: the failures don't count toward the minimum and have no newer SUCCESS
    assert plan.to_delete == ()
    assert {d.name for d in plan.to_keep} >= {s.name for s in good}


def test_thirty_nightly_snapshots_keep_the_window_and_prune_the_rest() -> None:
    # Given 30 daily SUCCESS snapshots of ours
    snapshots = [snap(f"nightly-{d:02d}", days_ago=d + 0.5) for d in range(30)]

    # When retention keeps 14 days, at least 7
    plan = plan_retention(snapshots, POLICY, NOW)

    # Then the 14 youngest stay and the 16 older than 14 days go, oldest first
    assert [d.name for d in plan.to_delete] == [f"nightly-{d:02d}" for d in range(29, 13, -1)]
    assert {d.rule for d in plan.to_delete} == {Rule.EXPIRED}
    assert rules(snapshots)["nightly-00"] is Rule.NEWEST_SUCCESS
    assert rules(snapshots)["nightly-06"] is Rule.MINIMUM_COUNT
    assert rules(snapshots)["nightly-07"] is Rule.WITHIN_RETENTION


def test_look_alike_prefixes_and_other_stacks_are_never_ours() -> None:
    # Given ancient snapshots whose names merely resemble ours, or that another stack took
    strangers = [
        snap("nightly2-old", days_ago=400),
        snap("nightlyx-old", days_ago=400),
        snap("nightly", days_ago=400),
        snap("weekly-old", days_ago=400),
        snap("nightly-staging", days_ago=400, metadata={"taken_by": TAKEN_BY, "stack": "staging-backups"}),
        snap("nightly-by-hand", days_ago=400, metadata={"note": "before the upgrade"}),
    ]
    ours = [snap(f"nightly-{d}", days_ago=d) for d in range(10)]

    decided = rules(strangers + ours)

    assert {name: decided[name] for name in ("nightly2-old", "nightlyx-old", "nightly", "weekly-old")} == dict.fromkeys(
        ("nightly2-old", "nightlyx-old", "nightly", "weekly-old"), Rule.FOREIGN_PREFIX
    )
    assert decided["nightly-staging"] is Rule.OTHER_OWNER
    assert decided["nightly-by-hand"] is Rule.OTHER_OWNER


def test_our_metadata_and_no_metadata_both_mean_ours() -> None:
    tagged = snap("nightly-tagged", days_ago=100, metadata={"taken_by": TAKEN_BY, "stack": "prod-backups"})
    untagged = snap("nightly-untagged", days_ago=100)
    recent = [snap(f"nightly-{d}", days_ago=d) for d in range(7)]

    decided = rules([tagged, untagged, *recent])

    assert decided["nightly-tagged"] is Rule.EXPIRED
    assert decided["nightly-untagged"] is Rule.EXPIRED


def test_the_snapshot_this_run_took_is_kept_whatever_its_age() -> None:
    # Given an odd clock: the run's own snapshot reports a start time far in the past
    snapshots = [snap("nightly-this-run", days_ago=100)] + [snap(f"nightly-{d}", days_ago=d) for d in range(10)]

    decided = rules(snapshots, protect=frozenset({"nightly-this-run"}))

    assert decided["nightly-this-run"] is Rule.PROTECTED


def test_running_incompatible_unknown_and_undated_snapshots_are_kept() -> None:
    recent = [snap(f"nightly-{d}", days_ago=d) for d in range(10)]
    odd = [
        snap("nightly-running", state=IN_PROGRESS, days_ago=60),
        snap("nightly-newer-engine", state=INCOMPATIBLE, days_ago=60),
        snap("nightly-mystery", state="SOMETHING_NEW", days_ago=60),
        snap("nightly-undated", state=SUCCESS, days_ago=None),
    ]

    decided = rules(recent + odd)

    assert decided["nightly-running"] is Rule.IN_PROGRESS
    assert decided["nightly-newer-engine"] is Rule.UNRECOGNISED_STATE
    assert decided["nightly-mystery"] is Rule.UNRECOGNISED_STATE
    assert decided["nightly-undated"] is Rule.NO_START_TIME


def test_old_failures_go_only_once_a_newer_success_exists() -> None:
    # Given old FAILED/PARTIAL snapshots, with and without a SUCCESS after them
    old_failed = snap("nightly-old-failed", state=FAILED, days_ago=40)
    old_partial = snap("nightly-old-partial", state=PARTIAL, days_ago=40)
    newer_success = snap("nightly-newer", days_ago=30)

    assert rules([old_failed, old_partial])["nightly-old-failed"] is Rule.UNSUCCESSFUL_NO_NEWER_SUCCESS
    decided = rules([old_failed, old_partial, newer_success])

    assert decided["nightly-old-failed"] is Rule.UNSUCCESSFUL_EXPIRED
    assert decided["nightly-old-partial"] is Rule.UNSUCCESSFUL_EXPIRED
    assert decided["nightly-newer"] is Rule.NEWEST_SUCCESS


def test_a_success_at_the_same_instant_is_not_newer() -> None:
    failed = snap("nightly-a-failed", state=FAILED, days_ago=40)
    success_same_time = snap("nightly-b-success", days_ago=40)

    assert rules([failed, success_same_time])["nightly-a-failed"] is Rule.UNSUCCESSFUL_NO_NEWER_SUCCESS


def test_exactly_retention_days_old_is_not_older_than_retention_days() -> None:
    snapshots = [snap(f"nightly-{d}", days_ago=d) for d in range(7)]
    on_the_boundary = snap("nightly-boundary", days_ago=14)
    just_past = SnapshotInfo("nightly-past", SUCCESS, start_time=NOW - timedelta(days=14, milliseconds=1))

    decided = rules([*snapshots, on_the_boundary, just_past])

    assert decided["nightly-boundary"] is Rule.WITHIN_RETENTION
    assert decided["nightly-past"] is Rule.EXPIRED


def test_a_start_time_in_the_future_counts_as_the_newest_and_is_kept() -> None:
    snapshots = [snap(f"nightly-{d}", days_ago=d + 20) for d in range(10)] + [snap("nightly-skewed", days_ago=-2)]

    decided = rules(snapshots)

    assert decided["nightly-skewed"] is Rule.NEWEST_SUCCESS
    assert sum(rule is Rule.EXPIRED for rule in decided.values()) == 4


def test_max_count_caps_recent_successes_oldest_first() -> None:
    capped = RetentionPolicy(prefix="nightly", stack_name="prod-backups", days=365, min_count=3, max_count=5)
    snapshots = [snap(f"nightly-{d}", days_ago=d) for d in range(8)]

    plan = plan_retention(snapshots, capped, NOW)

    assert [d.name for d in plan.to_delete] == ["nightly-7", "nightly-6", "nightly-5"]
    assert {d.rule for d in plan.to_delete} == {Rule.OVER_MAX_COUNT}


def test_a_cap_below_the_minimum_yields_to_the_minimum() -> None:
    odd = RetentionPolicy(prefix="nightly", stack_name="prod-backups", days=365, min_count=4, max_count=2)
    snapshots = [snap(f"nightly-{d}", days_ago=d) for d in range(6)]

    plan = plan_retention(snapshots, odd, NOW)

    assert [d.name for d in plan.to_delete] == ["nightly-5", "nightly-4"]


def test_every_decision_explains_itself_in_a_sentence_with_the_policy_values() -> None:
    snapshots = [snap(f"nightly-{d}", days_ago=d) for d in range(20)]

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


def test_the_policy_comes_from_the_functions_settings() -> None:
    environ = {
        "DOMAIN_ENDPOINT": "https://search-logs-abcdefghijklmnopqrstuvwxyz.us-east-1.es.amazonaws.com",
        "AWS_REGION": "us-east-1",
        "REPOSITORY_NAME": "sentinel",
        "SNAPSHOT_PREFIX": "nightly",
        "STACK_NAME": "prod-backups",
        "RETENTION_DAYS": "30",
        "RETENTION_MIN_COUNT": "5",
        "RETENTION_MAX_COUNT": "40",
    }

    policy = RetentionPolicy.from_settings(RetentionSettings.from_env(environ))

    assert policy == RetentionPolicy(prefix="nightly", stack_name="prod-backups", days=30, min_count=5, max_count=40)
