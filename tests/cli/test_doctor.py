"""`sentinel doctor`: the first-deploy checklist against the rehearsal stack, one line per item."""

from __future__ import annotations

import boto3
import pytest

from tests.emulator import SnapshotProgress
from tests.emulator.model import Fault
from tests.support.cli import Sentinel, publish_schedule, publish_stack
from tests.support.constants import REGION, REPOSITORY
from tests.support.sns_confirmation import EmailConfirmations

ALARM = "snapshot-sentinel-NoRecentBackupAlarm-XYZ"
ITEMS = ["Stack", "Alerts", "Repository", "Schedule", "Last backup", "RPO alarm", "Last drill"]


@pytest.fixture
def doctor(stack):
    """The stack as deployed, with its RPO alarm in CloudWatch (in ALARM until a first backup, as in AWS)."""
    cloudwatch = boto3.client("cloudwatch", region_name=REGION)
    cloudwatch.put_metric_alarm(
        AlarmName=ALARM,
        Namespace="SnapshotSentinel",
        MetricName="SnapshotSucceeded",
        Statistic="Sum",
        Period=3600,
        EvaluationPeriods=26,
        Threshold=1,
        ComparisonOperator="LessThanThreshold",
    )
    cloudwatch.set_alarm_state(AlarmName=ALARM, StateValue="ALARM", StateReason="Threshold Crossed: no datapoints")
    publish_stack(stack, attributes={"NoRecentBackupAlarm": ALARM})
    publish_schedule(stack)
    return Sentinel(stack)


def statuses(report):
    return {check["check"]: check["status"] for check in report["checks"]}


def the(report, item):
    [check] = [c for c in report["checks"] if c["check"] == item]
    return check


def backed_up_and_drilled(stack, domain):
    domain.create_index("orders", shards=2, docs=1_000)
    domain.progress = SnapshotProgress(polls=1, outcome="SUCCESS")
    assert stack.run({}).status == "SUCCEEDED"
    boto3.client("cloudwatch", region_name=REGION).set_alarm_state(
        AlarmName=ALARM, StateValue="OK", StateReason="a snapshot succeeded"
    )
    assert stack.run({}, state_machine="DrillStateMachine").status == "SUCCEEDED"


def test_a_fresh_deploy_fails_on_what_is_left_to_do_and_says_how(doctor, stack, domain):
    sns = boto3.client("sns", region_name=REGION)
    for subscription in sns.list_subscriptions_by_topic(TopicArn=stack.topic_arn)["Subscriptions"]:
        sns.unsubscribe(SubscriptionArn=subscription["SubscriptionArn"])
    with EmailConfirmations().installed() as confirmations:
        confirmations.subscribe(stack.topic_arn, "oncall@example.com")

        code, report = doctor.json("doctor")
        text = doctor("doctor")

    assert code == 1
    assert statuses(report) == {
        "Stack": "OK",
        "Alerts": "FAIL",
        "Repository": "OK",
        "Schedule": "OK",
        "Last backup": "FAIL",
        "RPO alarm": "FAIL",
        "Last drill": "WARN",
    }
    assert "sentinel confirm" in the(report, "Alerts")["fix"]
    assert f"{REPOSITORY} is registered" in the(report, "Repository")["detail"]
    assert "next run 2026-" in the(report, "Schedule")["detail"]
    assert the(report, "Last backup")["fix"].startswith("take the first one now: sentinel backup --wait")
    assert "sentinel drill --wait" in the(report, "Last drill")["fix"]
    assert text.exit_code == 1
    lines = text.stdout.splitlines()
    assert [line.split()[0] for line in lines if line.split() and line.split()[0] in ("OK", "WARN", "FAIL")] == [
        "OK",
        "FAIL",
        "OK",
        "OK",
        "FAIL",
        "FAIL",
        "WARN",
    ]
    assert "→ take the first one now: sentinel backup --wait" in text.stdout
    assert lines[-1] == "3 OK, 1 WARN, 3 FAIL: fix the FAIL lines first."


def test_a_finished_set_up_is_all_ok_and_exits_0_having_only_read_the_domain(doctor, stack, domain):
    backed_up_and_drilled(stack, domain)
    domain.clear_requests()

    code, report = doctor.json("doctor")

    assert code == 0, report
    assert [c["check"] for c in report["checks"]] == ITEMS
    assert set(statuses(report).values()) == {"OK"}
    assert {r.method for r in domain.requests} == {"GET"}
    executions = boto3.client("stepfunctions", region_name=REGION).list_executions(
        stateMachineArn=stack.state_machine_arn
    )["executions"]
    [read_only] = [e for e in executions if e["name"].startswith("sentinel-doctor-")]
    described = boto3.client("stepfunctions", region_name=REGION).describe_execution(
        executionArn=read_only["executionArn"]
    )
    assert described["input"] == '{"retention_only": true, "retention_dry_run": true}'


def test_warnings_alone_exit_4(doctor, stack, domain):
    domain.progress = SnapshotProgress(polls=1, outcome="SUCCESS")
    assert stack.run({}).status == "SUCCEEDED"
    boto3.client("cloudwatch", region_name=REGION).set_alarm_state(AlarmName=ALARM, StateValue="OK", StateReason="ok")

    code, report = doctor.json("doctor")
    text = doctor("doctor")

    assert code == 4
    assert statuses(report)["Last drill"] == "WARN"
    assert {s for item, s in statuses(report).items() if item != "Last drill"} == {"OK"}
    assert text.stdout.splitlines()[-1] == "6 OK, 1 WARN: finish the WARN lines."


def test_an_unregistered_repository_is_registered_again_by_the_check_and_said_so(doctor, stack, domain):
    backed_up_and_drilled(stack, domain)
    domain.delete_repository(REPOSITORY)
    stack.read_alerts()

    code, report = doctor.json("doctor")

    assert code == 4
    repository = the(report, "Repository")
    assert repository["status"] == "WARN"
    assert f"{REPOSITORY} was not registered on the domain" in repository["detail"]
    assert "registered it again" in repository["detail"]
    assert "find out who or what removed it" in repository["fix"]
    assert domain.repository(REPOSITORY) is not None
    assert [a["subject"] for a in stack.read_alerts() if "REGISTERED" in (a["subject"] or "")]
    assert {s for item, s in statuses(report).items() if item != "Repository"} == {"OK"}


def test_a_repository_that_cannot_be_registered_again_fails_with_the_runs_error(doctor, stack, domain):
    backed_up_and_drilled(stack, domain)
    domain.delete_repository(REPOSITORY)
    domain.inject(Fault(kind="forbidden_passrole", method="PUT", path=f"_snapshot/{REPOSITORY}", times=50))

    code, report = doctor.json("doctor")

    assert code == 1
    repository = the(report, "Repository")
    assert repository["status"] == "FAIL"
    assert "retention dry run" in repository["detail"]
    assert "iam:PassRole" in repository["fix"]
    assert domain.repository(REPOSITORY) is None


def test_a_fine_grained_access_control_refusal_names_the_role_to_map(doctor, stack, domain):
    backed_up_and_drilled(stack, domain)
    role = "arn:aws:iam::123456789012:role/snapshot-sentinel-ApplyRetentionFunctionRole-AbC"
    domain.inject(Fault(kind="forbidden_fgac", method="GET", path=f"_snapshot/{REPOSITORY}", times=50, message=role))

    code, report = doctor.json("doctor")

    assert code == 1
    repository = the(report, "Repository")
    assert repository["status"] == "FAIL"
    assert "AuthorizationError" in repository["detail"]
    assert f"map {role} as a backend role of manage_snapshots" in repository["fix"]


def test_a_disabled_schedule_fails_with_how_to_enable_it(doctor, stack, domain):
    backed_up_and_drilled(stack, domain)
    scheduler = boto3.client("scheduler", region_name=REGION)
    [summary] = scheduler.list_schedules()["Schedules"]
    schedule = scheduler.get_schedule(Name=summary["Name"])
    scheduler.update_schedule(
        Name=schedule["Name"],
        ScheduleExpression=schedule["ScheduleExpression"],
        ScheduleExpressionTimezone=schedule["ScheduleExpressionTimezone"],
        FlexibleTimeWindow=schedule["FlexibleTimeWindow"],
        Target=schedule["Target"],
        State="DISABLED",
    )

    code, report = doctor.json("doctor", "--no-run")

    assert code == 1
    schedule_check = the(report, "Schedule")
    assert schedule_check["status"] == "FAIL"
    assert "DISABLED: no nightly backup starts" in schedule_check["detail"]
    assert "State ENABLED" in schedule_check["fix"]
    assert the(report, "Repository")["detail"] == "not checked (--no-run)"


def test_a_failed_latest_drill_fails(doctor, stack, domain):
    backed_up_and_drilled(stack, domain)
    failed = stack.run({"snapshot_name": "no-such-snapshot"}, state_machine="DrillStateMachine")
    assert failed.status == "FAILED"

    code, report = doctor.json("doctor", "--no-run")

    assert code == 1
    drill = the(report, "Last drill")
    assert drill["status"] == "FAIL"
    assert "ended FAILED" in drill["detail"]
    assert "sentinel watch" in drill["fix"]


def test_a_missing_stack_is_one_fail_line_with_the_fix(doctor):
    code, report = doctor.json("doctor", "--stack", "no-such-stack")

    assert code == 1
    [check] = report["checks"]
    assert check["check"] == "Stack"
    assert check["status"] == "FAIL"
    assert "no-such-stack" in check["detail"]
    assert "--stack" in check["fix"]
