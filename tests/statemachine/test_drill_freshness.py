"""NoRecentDrillAlarm's datapoint from the real stack: DrillStateMachine runs real drills (moto's ASL
interpreter, the real handlers, the emulated domain), then PublishDrillFreshnessFunction, with the
environment template.yaml gives it, reads their executions as its hourly schedule would."""

from __future__ import annotations

import json

from tests.support.drills import backed_up, drill
from tests.support.stack import RehearsalStack

DAY = 86_400
FRESHNESS = "PublishDrillFreshnessFunction"


def published_days(stack: RehearsalStack) -> list[float]:
    return [value for line in map(json.loads, stack.metric_lines) for value in line.get("DaysSinceDrillSucceeded", [])]


def test_a_new_stack_counts_from_its_creation_and_is_stale_only_past_drill_stale_days(stack):
    first = stack.invoke(FRESHNESS)

    stack.clock.advance(8 * DAY)
    at_eight = stack.invoke(FRESHNESS)
    stack.clock.advance(3600)
    an_hour_later = stack.invoke(FRESHNESS)

    assert (first["source"], first["days_since_drill_succeeded"]) == ("created", 0.0)
    assert (at_eight["days_since_drill_succeeded"], at_eight["stale"]) == (8.0, False)
    assert an_hour_later["stale"] is True
    assert published_days(stack) == [0.0, 8.0, round(8 + 1 / 24, 4)]


def test_a_passing_drill_resets_the_age_and_a_failing_one_does_not(stack, domain):
    # Given a backup and a drill that passed on it
    domain.create_index("orders", shards=2, docs=1_000)
    backed_up(stack, domain)
    passed = drill(stack)
    assert passed.status == "SUCCEEDED", passed.cause
    ended = stack.clock.now()

    # When a week later a drill fails, and the function reads the executions a day after that
    stack.clock.advance(7 * DAY)
    failed = drill(stack, {"not_a_drill_key": True})
    assert failed.status == "FAILED"
    stack.clock.advance(DAY + 60)
    reading = stack.invoke(FRESHNESS)

    # Then the age still counts from the drill that passed: over 8 days, the alarm's datapoint is stale
    assert reading["source"] == "drill"
    assert reading["execution_arn"] == passed.arn
    assert reading["since"] <= ended.isoformat()
    assert reading["days_since_drill_succeeded"] > 8
    assert reading["stale"] is True
    assert published_days(stack)[-1] == reading["days_since_drill_succeeded"]
