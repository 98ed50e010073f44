"""The drill's contract in template.yaml: parameter names and defaults, the weekly schedule (retry,
dead-letter queue, off with DrillEnabled=false), NoRecentDrillAlarm and the hourly freshness function
that feeds it, and the last-resort rule."""

from __future__ import annotations

import json
import re

import pytest

from snapshot_sentinel.drills.freshness import DAYS_SINCE_DRILL_SUCCEEDED
from snapshot_sentinel.observability import DOMAIN_DIMENSION, METRICS_NAMESPACE
from tests.support.constants import DOMAIN_ARN, ENDPOINT
from tests.support.template import ATTRIBUTES, ROOT, Resolver, as_list, function_statements, granted, resolver

HOURLY_EVENT = ROOT / "events" / "publish_drill_freshness" / "hourly.json"


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


# ------------------------------------------------------------------------------ a separate drill domain

DRILL_ENDPOINT = "https://search-drills-abcdefghijklmnopqrstuvwxyz.us-east-1.es.amazonaws.com"
DRILL_ARN = "arn:aws:es:us-east-1:123456789012:domain/drills"
DRILL_FUNCTIONS = (
    "PlanDrillFunction",
    "StartDrillFunction",
    "CheckDrillFunction",
    "VerifyDrillFunction",
    "CleanUpDrillFunction",
)
WITH_DRILL_DOMAIN = {"DomainArn": DOMAIN_ARN, "DrillDomainEndpoint": DRILL_ENDPOINT, "DrillDomainArn": DRILL_ARN}
ROLE_ATTRIBUTES = {**ATTRIBUTES, "DrillSnapshotRole.Arn": "arn:aws:iam::123456789012:role/sentinel-DrillSnapshotRole-X"}


def on(arn: str, resources: set[str]) -> set[str]:
    return {r for r in resources if r.startswith(arn + "/") or r == arn}


def test_without_a_drill_domain_drills_act_on_the_backed_up_domain_and_nothing_else_is_created(template):
    plain = resolver(template, DomainArn=DOMAIN_ARN)
    assert not plain.condition("HasDrillDomain")
    for logical_id in ("DrillSnapshotRole", "DrillSnapshotRepository"):
        assert template["Resources"][logical_id]["Condition"] == "HasDrillDomain"
    for function in DRILL_FUNCTIONS:
        grants = granted(function_statements(template, function, DomainArn=DOMAIN_ARN))
        es = {r for resources in grants.values() for r in resources if r.startswith("arn:aws:es:")}
        assert es and es == on(DOMAIN_ARN, es), function
        variables = plain.resolve(template["Resources"][function]["Properties"]["Environment"]["Variables"])
        assert variables["DRILL_DOMAIN_ENDPOINT"] == "", function


def test_a_drill_domain_holds_the_repository_read_only_through_a_role_that_cannot_write(template):
    drill = Resolver(template, {"DomainEndpoint": ENDPOINT, **WITH_DRILL_DOMAIN}, ROLE_ATTRIBUTES)
    assert drill.condition("HasDrillDomain")
    repository = drill.resolve(template["Resources"]["DrillSnapshotRepository"]["Properties"])
    main = drill.resolve(template["Resources"]["SnapshotRepository"]["Properties"])
    assert repository["DomainEndpoint"] == DRILL_ENDPOINT
    assert repository["ReadOnly"] == "true"
    assert repository["RoleArn"] == ROLE_ATTRIBUTES["DrillSnapshotRole.Arn"]
    assert repository["ServiceToken"] == main["ServiceToken"]
    for key in ("RepositoryName", "Bucket", "BasePath", "Region"):
        assert repository[key] == main[key], key
    role = drill.resolve(template["Resources"]["DrillSnapshotRole"]["Properties"])
    [trust] = role["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Condition"]["ArnLike"]["aws:SourceArn"] == DRILL_ARN
    actions = {
        a for policy in role["Policies"] for s in policy["PolicyDocument"]["Statement"] for a in as_list(s["Action"])
    }
    assert actions == {"s3:ListBucket", "s3:GetObject"}, "the drill domain's role can never write the repository"


def test_with_a_drill_domain_drills_restore_and_delete_there_and_only_read_the_backed_up_domain(template):
    writes = {"es:ESHttpPost", "es:ESHttpPut", "es:ESHttpDelete"}
    for function in DRILL_FUNCTIONS:
        grants = granted(function_statements(template, function, **WITH_DRILL_DOMAIN))
        for action, resources in grants.items():
            if action in writes:
                assert resources == on(DRILL_ARN, resources), (function, action, resources)
        variables = resolver(template, **WITH_DRILL_DOMAIN).resolve(
            template["Resources"][function]["Properties"]["Environment"]["Variables"]
        )
        assert (variables["DRILL_DOMAIN_ENDPOINT"], variables["DRILL_DOMAIN_ARN"]) == (DRILL_ENDPOINT, DRILL_ARN)
    start = granted(function_statements(template, "StartDrillFunction", **WITH_DRILL_DOMAIN))
    assert start["es:ESHttpPost"] == {f"{DRILL_ARN}/_snapshot/*/_restore"}
    clean = granted(function_statements(template, "CleanUpDrillFunction", **WITH_DRILL_DOMAIN))
    assert clean["es:ESHttpDelete"] == {f"{DRILL_ARN}/drill-*"}
    assert clean["es:ESHttpGet"] == {f"{DRILL_ARN}/_cat/indices*", f"{DRILL_ARN}/drill-*/_recovery"}
    verify = granted(function_statements(template, "VerifyDrillFunction", **WITH_DRILL_DOMAIN))
    assert f"{DOMAIN_ARN}/*/_mapping" in verify["es:ESHttpGet"], "the source's live mapping is compared"
    plan = granted(function_statements(template, "PlanDrillFunction", **WITH_DRILL_DOMAIN))
    assert f"{DOMAIN_ARN}/_snapshot*" in plan["es:ESHttpGet"] and f"{DRILL_ARN}/_cat/indices*" in plan["es:ESHttpGet"]


def test_the_registration_function_may_register_on_the_drill_domain_and_pass_it_only_the_read_only_role(template):
    statements = function_statements(template, "RegisterRepositoryFunction", **WITH_DRILL_DOMAIN)
    grants = granted(statements)
    assert f"{DRILL_ARN}/_snapshot*" in grants["es:ESHttpPut"]
    assert grants["iam:PassRole"] == {ATTRIBUTES["SnapshotRole.Arn"], "<DrillSnapshotRole.Arn>"}
    without = granted(function_statements(template, "RegisterRepositoryFunction", DomainArn=DOMAIN_ARN))
    assert all(not r.startswith(DRILL_ARN) for resources in without.values() for r in resources)
    assert len(without["iam:PassRole"]) == 1


@pytest.mark.parametrize(
    ("parameters", "refused"),
    [
        ({"DrillDomainEndpoint": ENDPOINT}, "the backed-up domain itself"),
        ({"DrillDomainEndpoint": DRILL_ENDPOINT, "DrillDomainArn": DOMAIN_ARN, "DomainArn": DOMAIN_ARN}, "DomainArn"),
        ({"DrillDomainArn": DRILL_ARN}, "goes with DrillDomainEndpoint"),
    ],
)
def test_a_drill_domain_that_is_the_domain_itself_or_an_arn_without_endpoint_is_refused_at_deploy(
    template, parameters, refused
):
    evaluate = resolver(template, **parameters)
    failed = [
        assertion["AssertDescription"]
        for rule in template["Rules"].values()
        if evaluate.resolve(rule.get("RuleCondition", True))
        for assertion in rule["Assertions"]
        if not evaluate.resolve(assertion["Assert"])
    ]
    assert len(failed) == 1 and refused in failed[0], failed
    ok = resolver(template, **WITH_DRILL_DOMAIN)
    assert all(
        ok.resolve(a["Assert"])
        for r in template["Rules"].values()
        if ok.resolve(r.get("RuleCondition", True))
        for a in r["Assertions"]
    )


def test_the_drill_domain_endpoint_takes_a_url_or_nothing(template):
    pattern = re.compile(template["Parameters"]["DrillDomainEndpoint"]["AllowedPattern"])
    assert pattern.fullmatch("") and pattern.fullmatch(DRILL_ENDPOINT) and pattern.fullmatch(DRILL_ENDPOINT + "/")
    assert not pattern.fullmatch("search-drills.us-east-1.es.amazonaws.com")
