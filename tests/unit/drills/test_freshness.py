"""DaysSinceDrillSucceeded, the figure NoRecentDrillAlarm compares with DrillStaleDays: examples for
each source (a passing drill, the creation date before the first), then properties over arbitrary
drill histories: a weekly drill that passes never looks stale at the default 8 days, a missed one
does within the hour, and no history or ordering makes the figure hide a stale drill."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from snapshot_sentinel.drills.freshness import (
    CREATED,
    DAYS_SINCE_DRILL_SUCCEEDED,
    DRILL,
    SUCCEEDED_PAGE,
    drill_freshness,
    read_drill_freshness,
)

NOW = datetime(2026, 12, 6, 4, 30, tzinfo=UTC)  # a Sunday, half an hour before the default drill
CREATED_AT = datetime(2026, 10, 1, tzinfo=UTC)
ARN = "arn:aws:states:us-east-1:123456789012:stateMachine:DrillStateMachine-Ab12"
NINE_SECONDS = timedelta(seconds=9)


def execution(stop: datetime | None, name: str = "drill", start: datetime | None = None) -> dict[str, Any]:
    summary: dict[str, Any] = {"executionArn": f"{ARN.replace('stateMachine', 'execution')}:{name}", "name": name}
    summary["startDate"] = start or (stop - timedelta(minutes=20) if stop else NOW)
    if stop is not None:
        summary["stopDate"] = stop
    return summary


# ------------------------------------------------------------------------------ examples


def test_the_age_counts_from_the_newest_passing_drills_end() -> None:
    last_sunday = datetime(2026, 11, 29, 5, 40, tzinfo=UTC)

    freshness = drill_freshness([execution(last_sunday, "last"), execution(last_sunday - timedelta(days=7))], NOW)

    assert freshness.source == DRILL
    assert freshness.since == last_sunday
    assert freshness.execution_arn is not None and freshness.execution_arn.endswith(":last")
    assert freshness.days == round((NOW - last_sunday) / timedelta(days=1), 4) == 6.9514
    assert freshness.metrics() == {DAYS_SINCE_DRILL_SUCCEEDED: (6.9514, "None")}
    assert freshness.is_stale(8) is False


def test_overlapping_drills_count_from_the_one_that_ended_last_not_the_one_started_last() -> None:
    # ListExecutions lists by start, newest first: a long drill started earlier may have ended later.
    long_one = execution(NOW - timedelta(hours=1), "long", start=NOW - timedelta(hours=6))
    short_one = execution(NOW - timedelta(hours=3), "short", start=NOW - timedelta(hours=4))

    freshness = drill_freshness([short_one, long_one], NOW)

    assert freshness.since == NOW - timedelta(hours=1)
    assert freshness.execution_arn is not None and freshness.execution_arn.endswith(":long")


def test_before_any_drill_passed_the_age_counts_from_the_state_machines_creation() -> None:
    freshness = drill_freshness([], NOW, created=NOW - timedelta(days=3))

    assert (freshness.source, freshness.days, freshness.execution_arn) == (CREATED, 3.0, None)
    assert freshness.is_stale(8) is False, "a new stack gets DrillStaleDays of grace"
    assert drill_freshness([], NOW, created=NOW - timedelta(days=9)).is_stale(8) is True


def test_with_no_drill_and_no_creation_date_there_is_nothing_to_count_from() -> None:
    with pytest.raises(ValueError, match="no SUCCEEDED drill and no creation date"):
        drill_freshness([], NOW)


def test_a_drill_that_ended_after_the_functions_clock_reads_zero_days_not_negative() -> None:
    assert drill_freshness([execution(NOW + timedelta(seconds=30))], NOW).days == 0.0


def test_times_without_a_zone_are_utc_as_step_functions_writes_them() -> None:
    naive = datetime(2026, 12, 5, 4, 30)

    assert drill_freshness([execution(naive)], NOW).days == 1.0


def test_exactly_drill_stale_days_is_not_yet_stale_and_just_past_it_is() -> None:
    assert drill_freshness([execution(NOW - timedelta(days=8))], NOW).is_stale(8) is False
    assert drill_freshness([execution(NOW - timedelta(days=8) - NINE_SECONDS)], NOW).is_stale(8) is True


def test_the_result_says_what_the_figure_counts_from_and_whether_the_alarm_would_fire() -> None:
    result = drill_freshness([], NOW, created=CREATED_AT).result(8)

    assert result == {
        "days_since_drill_succeeded": round((NOW - CREATED_AT) / timedelta(days=1), 4),
        "since": CREATED_AT.isoformat(),
        "source": CREATED,
        "execution_arn": None,
        "stale_days": 8,
        "stale": True,
    }


class RecordingStepFunctions:
    """The two calls the function makes, answered from a list; it records what it was asked."""

    def __init__(self, executions: list[dict[str, Any]], created: datetime = CREATED_AT) -> None:
        self.executions = executions
        self.created = created
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def list_executions(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append(("list_executions", kwargs))
        return {"executions": self.executions[: kwargs["maxResults"]]}

    def describe_state_machine(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append(("describe_state_machine", kwargs))
        return {"stateMachineArn": kwargs["stateMachineArn"], "creationDate": self.created}


def test_reading_asks_for_the_newest_succeeded_executions_only_and_skips_the_description() -> None:
    stepfunctions = RecordingStepFunctions([execution(NOW - timedelta(days=2))])

    freshness = read_drill_freshness(stepfunctions, ARN, NOW)

    assert freshness.days == 2.0
    assert stepfunctions.calls == [
        ("list_executions", {"stateMachineArn": ARN, "statusFilter": "SUCCEEDED", "maxResults": SUCCEEDED_PAGE})
    ]


def test_reading_with_no_passing_drill_describes_the_state_machine_for_its_creation_date() -> None:
    stepfunctions = RecordingStepFunctions([])

    freshness = read_drill_freshness(stepfunctions, ARN, NOW)

    assert (freshness.source, freshness.since) == (CREATED, CREATED_AT)
    assert [name for name, _ in stepfunctions.calls] == ["list_executions", "describe_state_machine"]


# ------------------------------------------------------------------------------ properties

HOUR = timedelta(hours=1)
MOMENTS = st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC))
STALE_DAYS = st.integers(min_value=1, max_value=90)


@given(
    first_drill=MOMENTS,
    durations=st.lists(st.timedeltas(min_value=timedelta(minutes=5), max_value=timedelta(hours=4)), min_size=2),
    delays=st.lists(st.timedeltas(min_value=timedelta(0), max_value=timedelta(hours=1)), min_size=2),
    invocation_offset=st.timedeltas(min_value=timedelta(0), max_value=HOUR),
)
def test_a_weekly_drill_that_passes_every_week_never_looks_stale_at_the_default_eight_days(
    first_drill: datetime, durations: list[timedelta], delays: list[timedelta], invocation_offset: timedelta
) -> None:
    # Given a drill started weekly (up to an hour late: the scheduler's retries) that passes after up
    # to four hours
    weeks = min(len(durations), len(delays))
    ends = [first_drill + timedelta(weeks=week) + delays[week] + durations[week] for week in range(weeks)]
    # When the hourly function reads the executions at every hour between the first and the last end
    moment = ends[0] + invocation_offset
    while moment < ends[-1]:
        passed = [execution(end) for end in ends if end <= moment]
        # Then the figure never passes 8 days (the old daily-bucket alarm fired weekly here)
        assert not drill_freshness(passed, moment).is_stale(8), moment
        moment += HOUR


@given(
    last_success=MOMENTS, stale_days=STALE_DAYS, invocation_offset=st.timedeltas(min_value=timedelta(0), max_value=HOUR)
)
def test_a_missed_drill_looks_stale_at_the_first_hourly_reading_past_drill_stale_days_never_before(
    last_success: datetime, stale_days: int, invocation_offset: timedelta
) -> None:
    deadline = last_success + timedelta(days=stale_days)
    history = [execution(last_success), execution(last_success - timedelta(days=7))]

    # Every reading up to DrillStaleDays after the last success is fresh...
    assert not drill_freshness(history, deadline).is_stale(stale_days)
    assert not drill_freshness(history, deadline - invocation_offset).is_stale(stale_days)
    # ...and the first hourly reading more than nine seconds past it is stale (four decimals of a day)
    first_after = deadline + NINE_SECONDS + invocation_offset
    assert drill_freshness(history, first_after).is_stale(stale_days)
    assert first_after - deadline <= HOUR + NINE_SECONDS


SUMMARIES = st.lists(
    st.builds(execution, stop=st.one_of(st.none(), MOMENTS), name=st.text("abc", min_size=1, max_size=5)),
    max_size=SUCCEEDED_PAGE,
)


@given(summaries=SUMMARIES, now=MOMENTS, created=MOMENTS, data=st.data())
def test_the_figure_ignores_the_listing_order_and_a_further_success_never_makes_it_older(
    summaries: list[dict[str, Any]], now: datetime, created: datetime, data: st.DataObject
) -> None:
    freshness = drill_freshness(summaries, now, created=created)

    assert freshness.days >= 0
    shuffled = data.draw(st.permutations(summaries))
    assert drill_freshness(shuffled, now, created=created).since == freshness.since
    if summaries:
        extra = data.draw(st.builds(execution, stop=MOMENTS))
        assert drill_freshness([*summaries, extra], now, created=created).days <= freshness.days


@given(summaries=SUMMARIES.filter(bool), now=MOMENTS, stale_days=STALE_DAYS)
def test_stale_exactly_when_no_listed_drill_ended_within_drill_stale_days(
    summaries: list[dict[str, Any]], now: datetime, stale_days: int
) -> None:
    ends = [s.get("stopDate") or s["startDate"] for s in summaries]
    window = timedelta(days=stale_days)

    stale = drill_freshness(summaries, now).is_stale(stale_days)

    if any(now - end <= window for end in ends):
        assert not stale
    if all(now - end > window + NINE_SECONDS for end in ends):
        assert stale
