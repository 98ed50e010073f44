"""The last resort, end to end: a real run of BackupStateMachine ends without its own alert (the
alert cannot be published), Step Functions' status-change event for it (built from the execution as
AWS describes it) goes through template.yaml's rule and the real LastResortAlertFunction, and a
readable alert reaches AlertTopic's subscriber."""

from __future__ import annotations

import json

import boto3

from tests.emulator import SnapshotProgress
from tests.support.constants import REGION
from tests.support.last_resort import deliver, status_change_event, the_rule


def last_execution(stack) -> str:
    sfn = boto3.client("stepfunctions", region_name=REGION)
    executions = sfn.list_executions(stateMachineArn=stack.state_machine_arn)["executions"]
    return max(executions, key=lambda e: e["startDate"])["executionArn"]


def test_a_run_whose_alert_cannot_be_published_is_reported_by_the_last_resort(stack, domain):
    domain.progress = SnapshotProgress(polls=1, outcome="FAILED")

    def publish_refused(event, context):
        raise RuntimeError("KMS.KMSAccessDeniedException: not authorized to use AlertTopicKey")

    stack._handlers["SendAlertFunction"] = publish_refused
    run = stack.run({})

    assert run.status == "FAILED"
    assert run.alerts == [], "the run's own alert never went out"
    assert run.error == "AlertNotSentError"
    event = status_change_event(last_execution(stack))
    assert the_rule(stack).matches_event(event)

    result = deliver(stack, event)

    assert result["published"] is True
    [alert] = stack.read_alerts()
    assert alert["subject"].startswith("[FAILED] 127.0.0.1: BackupStateMachine run-1 ended without an alert")
    assert "BackupStateMachine run 'run-1' ended FAILED and sent no alert of its own." in alert["email"]
    assert "  Error:          AlertNotSentError" in alert["email"]
    assert "KMSAccessDeniedException" in alert["email"], "the publish error, from the execution's Cause"
    assert alert["attributes"]["outcome"]["Value"] == "FAILED"
    assert json.loads(alert["message"])["kind"] == "execution_ended_without_alert"


def test_an_uncatchable_data_limit_ending_is_reported(stack, domain):
    domain.progress = SnapshotProgress(polls=1, outcome="SUCCESS")
    run = stack.run({})
    assert run.status == "SUCCEEDED"
    # AWS would have ended this execution with States.DataLimitExceeded, which no Catch handles
    # (moto does not enforce the 256 KB limit): the event carries that error and cause.
    event = status_change_event(last_execution(stack))
    event["detail"].update(
        status="FAILED",
        error="States.DataLimitExceeded",
        cause="The state/task 'Check snapshot' returned a result with a size exceeding the maximum number of "
        "bytes service limit.",
        output=None,
    )
    assert the_rule(stack).matches_event(event)

    deliver(stack, event)

    [alert] = stack.read_alerts()
    assert "256 KB limit" in alert["email"]
    assert "States.DataLimitExceeded" in alert["email"]


def test_an_ending_that_already_alerted_is_not_alerted_again(stack, domain):
    domain.progress = SnapshotProgress(polls=1, outcome="FAILED")
    run = stack.run({})
    assert run.status == "FAILED" and len(run.alerts) == 1
    # The alert path's Fail names the real error and ends its Cause with the agreed suffix
    assert run.error == "SnapshotFailedError"
    assert run.cause.endswith("Alert sent to AlertTopic.")
    event = status_change_event(last_execution(stack))
    assert the_rule(stack).matches_event(event), "the rule takes it; the function decides"

    result = deliver(stack, event)

    assert result == {"published": False, "reason": "the run's own alert was sent"}
    assert stack.read_alerts() == []
