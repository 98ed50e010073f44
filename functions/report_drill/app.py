"""Report drill: publish [DRILL OK] or [DRILL FAILED] to AlertTopic, write the drill metrics, and hand
the state machine the Error/Cause a failed drill ends with. A failed publish raises (AlertNotSentError)."""

from __future__ import annotations

import os
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from snapshot_sentinel.drills.report import drill_metrics, render_drill
from snapshot_sentinel.observability import logger, publish_metrics, tracer
from snapshot_sentinel.settings import AlertSettings
from snapshot_sentinel.wiring import aws_client


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    alert = AlertSettings.from_env(os.environ)
    state = {**(event.get("run") or {}), "execution_id": event.get("execution_id")}
    logger.append_keys(domain=alert.domain_name, execution=event.get("execution_id"))
    report = render_drill(state, domain=alert.domain_name, region=alert.region)
    attributes = report.attributes()
    attributes["kind"] = {"DataType": "String", "StringValue": "drill"}
    response = aws_client("sns", alert.region).publish(
        TopicArn=alert.topic_arn,
        Subject=report.subject,
        Message=report.sns_message(),
        MessageStructure="json",
        MessageAttributes=attributes,
    )
    publish_metrics(alert.domain_name, drill_metrics(report))
    logger.info("drill report published", extra={"outcome": report.outcome, "message_id": response["MessageId"]})
    return {**report.result(), "message_id": response["MessageId"]}
