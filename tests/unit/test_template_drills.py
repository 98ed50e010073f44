"""The drill's contract in template.yaml: parameter names and defaults, the weekly schedule (retry,
dead-letter queue, off with DrillEnabled=false), NoRecentDrillAlarm, and the last-resort rule."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.template import load_template


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return load_template()


def test_the_drill_parameters_keep_their_contract_names_and_defaults(template):
    parameters = template["Parameters"]
    assert parameters["DrillScheduleExpression"]["Default"] == "cron(0 5 ? * SUN *)"
    assert parameters["DrillEnabled"]["Default"] == "true"
    assert parameters["DrillEnabled"]["AllowedValues"] == ["true", "false"]
    assert parameters["DrillIndices"]["Default"] == ""
    assert parameters["DrillMaxShards"]["Default"] == 20
    assert parameters["DrillMaxGigabytes"]["Default"] == 20
    assert parameters["DrillDomainEndpoint"]["Default"] == ""
    assert parameters["DrillStaleDays"]["Default"] == 8


def test_the_weekly_drill_is_scheduled_with_retries_and_the_dead_letter_queue(template):
    machine = template["Resources"]["DrillStateMachine"]
    assert machine["Type"] == "AWS::Serverless::StateMachine"
    schedule = machine["Properties"]["Events"]["WeeklyDrill"]
    assert schedule["Type"] == "ScheduleV2"
    props = schedule["Properties"]
    assert props["ScheduleExpression"] == {"Ref": "DrillScheduleExpression"}
    assert props["Input"] == "{}"
    assert props["RetryPolicy"]["MaximumRetryAttempts"] > 0
    assert props["DeadLetterConfig"]["Arn"] == {"Fn::GetAtt": ["ScheduleDeadLetterQueue", "Arn"]}
    assert props["State"] == {"Fn::If": ["DrillScheduled", "ENABLED", "DISABLED"]}
    assert template["Conditions"]["DrillScheduled"] == {"Fn::Equals": [{"Ref": "DrillEnabled"}, "true"]}


def test_no_recent_drill_alarm_watches_drill_successes_with_missing_data_breaching(template):
    alarm = template["Resources"]["NoRecentDrillAlarm"]["Properties"]
    assert (alarm["Namespace"], alarm["MetricName"]) == ("SnapshotSentinel", "DrillSucceeded")
    assert alarm["TreatMissingData"] == "breaching"
    assert alarm["ComparisonOperator"] == "LessThanThreshold" and alarm["Threshold"] == 1
    # CloudWatch caps Period x EvaluationPeriods at 7 days
    assert alarm["Period"] == 86400
    assert alarm["EvaluationPeriods"] == {"Fn::If": ["DrillStaleBeyondAWeek", 7, {"Ref": "DrillStaleDays"}]}


def test_the_last_resort_rule_covers_the_drill(template):
    rule = template["Resources"]["LastResortAlertFunction"]["Properties"]["Events"]["ExecutionEnded"]
    assert {"Ref": "DrillStateMachine"} in rule["Properties"]["Pattern"]["detail"]["stateMachineArn"]
