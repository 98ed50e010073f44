"""template.yaml's dead man's switch and dashboard (issue 8, item 5): the alarm watches the metric
the code writes, under the dimension the code writes it with, and pages when it is missing."""

from __future__ import annotations

import json
from typing import Any

from snapshot_sentinel import observability
from snapshot_sentinel.drills.freshness import DAYS_SINCE_DRILL_SUCCEEDED
from snapshot_sentinel.observability import DOMAIN_DIMENSION, METRICS_NAMESPACE
from tests.support.template import ATTRIBUTES, resolver, resource

DOMAIN = "logs-prod"
WITH_DOMAIN = {**ATTRIBUTES, "SnapshotRepository.DomainName": DOMAIN, "BackupStateMachine": "arn:sm"}


def resolved(template: dict[str, Any], logical_id: str, **parameters: Any) -> dict[str, Any]:
    resolve = resolver(template, **parameters)
    resolve.attributes = WITH_DOMAIN
    properties: dict[str, Any] = resolve.resolve(resource(template, logical_id)["Properties"])
    return properties


def test_rpo_hours_defaults_to_a_night_and_slack_within_cloudwatchs_seven_days(template: dict[str, Any]) -> None:
    parameter = template["Parameters"]["RpoHours"]
    assert parameter["Type"] == "Number"
    assert parameter["Default"] == 26
    assert parameter["MinValue"] == 1
    assert parameter["MaxValue"] * 3600 <= 604_800, "Period x EvaluationPeriods may not pass seven days"


def test_no_recent_backup_alarm_pages_without_a_success_or_without_any_data(template: dict[str, Any]) -> None:
    alarm = resolved(template, "NoRecentBackupAlarm", RpoHours=30)

    assert alarm["Namespace"] == METRICS_NAMESPACE == "SnapshotSentinel"
    assert alarm["MetricName"] == observability.SNAPSHOT_SUCCEEDED
    assert alarm["Dimensions"] == [{"Name": DOMAIN_DIMENSION, "Value": DOMAIN}]
    assert alarm["Statistic"] == "Sum"
    # Every hour of the last RpoHours without a SUCCESS (0 or no data at all) breaches: all must breach
    assert alarm["Period"] * alarm["EvaluationPeriods"] == 30 * 3600
    assert alarm["DatapointsToAlarm"] == alarm["EvaluationPeriods"]
    assert (alarm["ComparisonOperator"], alarm["Threshold"]) == ("LessThanThreshold", 1)
    assert alarm["TreatMissingData"] == "breaching"
    assert alarm["AlarmActions"] == [ATTRIBUTES["AlertTopic"]]
    assert alarm["OKActions"] == [ATTRIBUTES["AlertTopic"]]


def test_the_domain_dimension_comes_from_the_functions_own_rule(template: dict[str, Any]) -> None:
    # CloudFormation cannot derive the short name from the endpoint; the registration function
    # answers it (settings.domain_name), and the Returns list forces an Update on older stacks.
    dimension = resource(template, "NoRecentBackupAlarm")["Properties"]["Dimensions"][0]["Value"]
    assert dimension == {"Fn::GetAtt": ["SnapshotRepository", "DomainName"]}
    assert "DomainName" in resource(template, "SnapshotRepository")["Properties"]["Returns"]


def test_a_read_only_stack_has_no_alarm_that_would_page_forever(template: dict[str, Any]) -> None:
    alarm = resource(template, "NoRecentBackupAlarm")
    assert alarm["Condition"] == "TakesBackups"
    read_only = resolver(template, RepositoryReadOnly="true", SnapshotBucketName="old-domain-backups")
    assert read_only.condition("TakesBackups") is False
    assert resolver(template).condition("TakesBackups") is True
    output = read_only.resolve(template["Outputs"]["NoRecentBackupAlarmName"]["Value"])
    assert output.startswith("none: a read-only stack")


def dashboard(template: dict[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(resolved(template, "BackupDashboard")["DashboardBody"])
    return body


def test_the_dashboard_is_valid_json_and_shows_every_metric_of_the_domain(template: dict[str, Any]) -> None:
    widgets = dashboard(template)["widgets"]
    shown: set[str] = set()
    for widget in widgets:
        for line in widget["properties"]["metrics"]:
            if isinstance(line[0], str) and line[0] == METRICS_NAMESPACE:
                assert line[2:4] == [DOMAIN_DIMENSION, DOMAIN], line
                shown.add(line[1])
    assert shown == {
        observability.SNAPSHOT_SUCCEEDED,
        observability.SNAPSHOT_PARTIAL,
        observability.SNAPSHOT_FAILED,
        observability.SNAPSHOT_DURATION_SECONDS,
        observability.SHARDS_FAILED,
        observability.SNAPSHOTS_PRUNED,
        observability.RETENTION_DEFERRED,
        "DrillSucceeded",
        "DrillFailed",
        "DrillRestoreSeconds",
        "DrillRestoredBytes",
        DAYS_SINCE_DRILL_SUCCEEDED,
    }


def test_the_dashboard_shows_hours_since_success_and_executions_by_status(template: dict[str, Any]) -> None:
    widgets = {widget["properties"]["title"]: widget["properties"] for widget in dashboard(template)["widgets"]}

    since = widgets["Hours since the last SUCCESS"]
    expressions = [line[0]["expression"] for line in since["metrics"] if isinstance(line[0], dict)]
    assert any("EPOCH" in expression for expression in expressions)
    executions = widgets["BackupStateMachine executions by status"]["metrics"]
    assert {line[1] for line in executions} == {
        "ExecutionsSucceeded",
        "ExecutionsFailed",
        "ExecutionsTimedOut",
        "ExecutionsAborted",
    }
    assert all(line[2:4] == ["StateMachineArn", "arn:sm"] for line in executions)


def test_the_dashboard_shows_the_days_since_the_last_passing_drill_beside_the_alarms_threshold(
    template: dict[str, Any],
) -> None:
    widgets = {widget["properties"]["title"]: widget for widget in dashboard(template)["widgets"]}

    days = widgets["Days since the last passing drill"]
    [line] = days["properties"]["metrics"]
    assert line[1] == DAYS_SINCE_DRILL_SUCCEEDED
    assert line[4]["label"] == "days (alarm above 8)"
    assert (days["properties"]["stat"], days["properties"]["period"]) == ("Maximum", 3600)
    drill_row = [widget for widget in widgets.values() if widget["y"] == days["y"]]
    assert sum(widget["width"] for widget in drill_row) == 24, "the drill row fills the dashboard's 24 columns"


def test_outputs_name_the_alarm_and_the_dashboard(template: dict[str, Any]) -> None:
    outputs = template["Outputs"]
    assert outputs["NoRecentBackupAlarmName"]["Value"]["Fn::If"][1] == {"Ref": "NoRecentBackupAlarm"}
    assert outputs["DashboardName"]["Value"] == {"Ref": "BackupDashboard"}
    assert "DashboardUrl" in outputs


def test_every_state_machine_of_the_stack_is_watched_by_the_last_resort(template: dict[str, Any]) -> None:
    # A new state machine (drills...) must be added to the rule's list, or its silent endings go unseen.
    machines = {
        logical_id
        for logical_id, spec in template["Resources"].items()
        if spec["Type"] == "AWS::Serverless::StateMachine"
    }
    [event] = resource(template, "LastResortAlertFunction")["Properties"]["Events"].values()
    pattern = event["Properties"]["Pattern"]
    assert pattern["source"] == ["aws.states"]
    assert pattern["detail-type"] == ["Step Functions Execution Status Change"]
    assert sorted(pattern["detail"]["status"]) == ["ABORTED", "FAILED", "TIMED_OUT"]
    # A state machine created only under a condition (the vault copy) is listed under that condition.
    watched = {(ref["Fn::If"][1] if "Fn::If" in ref else ref)["Ref"] for ref in pattern["detail"]["stateMachineArn"]}
    assert watched == machines


def test_the_last_resort_may_publish_to_the_encrypted_topic_and_nothing_else(template: dict[str, Any]) -> None:
    statements = resolver(template).resolve(resource(template, "LastResortAlertFunction")["Properties"]["Policies"])
    [policy] = statements
    grants = {
        (s["Sid"], tuple(s["Action"]) if isinstance(s["Action"], list) else (s["Action"],), str(s["Resource"]))
        for s in policy["Statement"]
    }
    assert grants == {
        ("PublishAlerts", ("sns:Publish",), ATTRIBUTES["AlertTopic"]),
        ("EncryptAlertsForTheTopic", ("kms:GenerateDataKey*", "kms:Decrypt"), ATTRIBUTES["AlertTopicKey.Arn"]),
    }
    alarm = resolved(template, "LastResortAlertDeliveryAlarm")
    assert (alarm["Namespace"], alarm["MetricName"]) == ("AWS/Lambda", "Errors")
    assert alarm["AlarmActions"] == [ATTRIBUTES["AlertTopic"]]
