"""When EventBridge Scheduler next starts a run (sentinel status)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from sentinel_cli.cron import ScheduleExpressionError, next_run

NOW = datetime(2026, 11, 28, 2, 30, tzinfo=UTC)  # a Saturday


@pytest.mark.parametrize(
    ("expression", "timezone", "expected"),
    [
        ("cron(0 2 * * ? *)", "UTC", datetime(2026, 11, 29, 2, 0, tzinfo=UTC)),
        ("cron(45 2 * * ? *)", "UTC", datetime(2026, 11, 28, 2, 45, tzinfo=UTC)),
        ("cron(0 2 * * ? *)", "Europe/Paris", datetime(2026, 11, 29, 1, 0, tzinfo=UTC)),
        ("cron(0/15 * * * ? *)", "UTC", datetime(2026, 11, 28, 2, 45, tzinfo=UTC)),
        ("cron(0 3 ? * MON-FRI *)", "UTC", datetime(2026, 11, 30, 3, 0, tzinfo=UTC)),
        ("cron(0 3 ? * 1 *)", "UTC", datetime(2026, 11, 29, 3, 0, tzinfo=UTC)),
        ("cron(0 0 L * ? *)", "UTC", datetime(2026, 11, 30, 0, 0, tzinfo=UTC)),
        ("cron(0 0 ? * 2#1 *)", "UTC", datetime(2026, 12, 7, 0, 0, tzinfo=UTC)),
        ("cron(0 0 ? * FRI-MON *)", "UTC", datetime(2026, 11, 29, 0, 0, tzinfo=UTC)),
        ("cron(0 12 1 JAN ? 2027)", "UTC", datetime(2027, 1, 1, 12, 0, tzinfo=UTC)),
    ],
)
def test_the_next_run_of_a_cron_is_in_the_schedules_time_zone(expression, timezone, expected):
    assert next_run(expression, timezone, NOW).at == expected


def test_a_daily_cron_has_a_period_of_a_day():
    assert next_run("cron(0 2 * * ? *)", "UTC", NOW).period_seconds == 86_400


def test_a_rate_has_a_period_but_no_known_next_time():
    upcoming = next_run("rate(12 hours)", "UTC", NOW)

    assert upcoming.at is None
    assert upcoming.period_seconds == 12 * 3600


def test_a_cron_in_a_past_year_never_runs_again():
    assert next_run("cron(0 12 1 JAN ? 2020)", "UTC", NOW).at is None


@pytest.mark.parametrize("expression", ["cron(0 2 * *)", "cron(61 2 * * ? *)", "daily", "cron(0 2 * FOO ? *)"])
def test_an_unreadable_expression_is_an_error(expression):
    with pytest.raises(ScheduleExpressionError):
        next_run(expression, "UTC", NOW)


def test_an_unknown_time_zone_is_an_error():
    with pytest.raises(ScheduleExpressionError, match="Mars/Olympus"):
        next_run("cron(0 2 * * ? *)", "Mars/Olympus", NOW)
