"""The drill's contract in template.yaml: parameter names and defaults, the weekly schedule (retry,
dead-letter queue, off with DrillEnabled=false), NoRecentDrillAlarm and the hourly freshness function
that feeds it, and the last-resort rule."""

from __future__ import annotations

import json
from typing import Any

import pytest

from snapshot_sentinel.drills.freshness import DAYS_SINCE_DRILL_SUCCEEDED
from snapshot_sentinel.observability import DOMAIN_DIMENSION, METRICS_NAMESPACE
from tests.support.template import ROOT, load_template

HOURLY_EVENT = ROOT / "events" / "publish_drill_freshness" / "hourly.json"


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


def test_no_recent_drill_alarm_compares_the_age_of_the_last_passing_drill_with_drill_stale_days(template):
    alarm = template["Resources"]["NoRecentDrillAlarm"]["Properties"]
    assert (alarm["Namespace"], alarm["MetricName"]) == (METRICS_NAMESPACE, DAYS_SINCE_DRILL_SUCCEEDED)
    assert alarm["Dimensions"] == [
        {"Name": DOMAIN_DIMENSION, "Value": {"Fn::GetAtt": ["SnapshotRepository", "DomainName"]}}
    ]
    assert alarm["Statistic"] == "Maximum"
    assert (alarm["ComparisonOperator"], alarm["Threshold"]) == ("GreaterThanThreshold", {"Ref": "DrillStaleDays"})
    # A freshness function that stops publishing is noticed: no data breaches (a dead man's switch)
    assert alarm["TreatMissingData"] == "breaching"
    assert alarm["AlarmActions"] == alarm["OKActions"] == [{"Ref": "AlertTopic"}]
    # Whoever is paged reads what the age counts from, and that a stopped function pages too
    description = " ".join(alarm["AlarmDescription"]["Fn::Sub"].split())
    assert "counted from the stack's creation until the first drill passes" in description
    assert "PublishDrillFreshnessFunction stopped publishing" in description


def test_no_recent_drill_alarm_fires_within_two_hours_of_drill_stale_days_and_not_for_one_late_hour(template):
    alarm = template["Resources"]["NoRecentDrillAlarm"]["Properties"]
    schedule = template["Resources"]["PublishDrillFreshnessFunction"]["Properties"]["Events"]["Hourly"]["Properties"]
    # One datapoint an hour, one period an hour: a late or lost invocation leaves at most one period
    # without data, and the alarm needs every one of its periods breaching, at least two of them.
    assert schedule["ScheduleExpression"] == "rate(1 hour)"
    assert alarm["Period"] == 3600
    assert alarm["DatapointsToAlarm"] == alarm["EvaluationPeriods"] >= 2
    # The first reading past DrillStaleDays comes within the hour; the alarm needs it and the next one.
    assert alarm["Period"] * alarm["EvaluationPeriods"] <= 2 * 3600


def test_drill_stale_days_reaches_what_step_functions_remembers_with_no_seven_day_cap(template):
    parameter = template["Parameters"]["DrillStaleDays"]
    assert (parameter["Type"], parameter["Default"], parameter["MinValue"]) == ("Number", 8, 1)
    # Step Functions keeps a closed execution for 90 days; past that the last success is forgotten.
    assert parameter["MaxValue"] == 90
    assert "DrillStaleBeyondAWeek" not in template["Conditions"]
    assert "DrillStaleBeyondAWeek" not in json.dumps(template)


def test_the_freshness_function_reads_the_drill_state_machine_every_hour(template):
    function = template["Resources"]["PublishDrillFreshnessFunction"]["Properties"]
    variables = function["Environment"]["Variables"]
    assert variables["DRILL_STATE_MACHINE_ARN"] == {"Ref": "DrillStateMachine"}
    assert variables["DRILL_STALE_DAYS"] == {"Ref": "DrillStaleDays"}
    assert "VpcConfig" not in function, "it calls Step Functions only: no NAT gateway needed"
    schedule = function["Events"]["Hourly"]
    assert schedule["Type"] == "ScheduleV2"
    # events/ holds what the schedule sends, for `sam local invoke -e`
    assert json.loads(schedule["Properties"]["Input"]) == json.loads(HOURLY_EVENT.read_text()) == {}
    assert schedule["Properties"]["RetryPolicy"]["MaximumEventAgeInSeconds"] <= 3600
    log_group = template["Resources"]["PublishDrillFreshnessLogGroup"]
    assert function["LoggingConfig"]["LogGroup"] == {"Ref": "PublishDrillFreshnessLogGroup"}
    assert log_group["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}


def test_the_last_resort_rule_covers_the_drill(template):
    rule = template["Resources"]["LastResortAlertFunction"]["Properties"]["Events"]["ExecutionEnded"]
    assert {"Ref": "DrillStateMachine"} in rule["Properties"]["Pattern"]["detail"]["stateMachineArn"]
