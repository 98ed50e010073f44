"""What happens after a run ends without its own alert, as AWS does it: Step Functions' status-change
event for the execution, template.yaml's rule that matches it, and EventBridge's delivery of it to the
real LastResortAlertFunction of a rehearsal stack."""

from __future__ import annotations

import json
from typing import Any

import boto3
from moto.events.models import EventPattern

from tests.support.constants import ACCOUNT, REGION


def status_change_event(execution_arn: str) -> dict[str, Any]:
    """The "Step Functions Execution Status Change" event AWS sends for this execution's end."""
    described = boto3.client("stepfunctions", region_name=REGION).describe_execution(executionArn=execution_arn)
    detail = {
        "executionArn": described["executionArn"],
        "stateMachineArn": described["stateMachineArn"],
        "name": described["name"],
        "status": described["status"],
        "startDate": int(described["startDate"].timestamp() * 1000),
        "stopDate": int(described["stopDate"].timestamp() * 1000),
        "input": described.get("input"),
        "inputDetails": {"included": True},
        "output": described.get("output"),
        "outputDetails": {"included": True} if described.get("output") else None,
    }
    for key in ("error", "cause"):
        if described.get(key) is not None:
            detail[key] = described[key]
    return {
        "version": "0",
        "id": "7bf73129-1428-4cd3-a780-95db273d1602",
        "detail-type": "Step Functions Execution Status Change",
        "source": "aws.states",
        "account": ACCOUNT,
        "time": described["stopDate"].strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": REGION,
        "resources": [execution_arn],
        "detail": detail,
    }


def the_rule(stack: Any) -> EventPattern:
    """template.yaml's rule that sends a run's end to LastResortAlertFunction, as the stack resolves it."""
    [event] = stack.template["Resources"]["LastResortAlertFunction"]["Properties"]["Events"].values()
    resolver = stack.resolver
    resolver.attributes = {
        **resolver.attributes,
        **stack.state_machine_arns,
    }
    return EventPattern.load(json.dumps(resolver.resolve(event["Properties"]["Pattern"])))


def deliver(stack: Any, event: dict[str, Any]) -> dict[str, Any]:
    """What EventBridge does with a matching event: invoke the function with it."""
    payload, failed, _ = stack._invoke("LastResortAlertFunction", event)
    assert not failed, payload
    result: dict[str, Any] = json.loads(payload)
    return result
