"""Report drill: publish [DRILL OK] or [DRILL FAILED] to AlertTopic, write the drill metrics, and hand
the state machine the Error/Cause a failed drill ends with. A failed publish raises (AlertNotSentError)."""

from __future__ import annotations

import os
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from snapshot_sentinel.alerts.settings import AlertSettings
from snapshot_sentinel.drills.publish import report_drill
from snapshot_sentinel.drills.report import drill_metrics
from snapshot_sentinel.observability import logger, publish_metrics, tracer
from snapshot_sentinel.wiring import sns_client


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    alert = AlertSettings.from_env(os.environ)
    logger.append_keys(domain=alert.domain_name, execution=event.get("execution_id"))
    report, result = report_drill(
        sns_client(alert.region), alert.topic_arn, event, domain=alert.domain_name, region=alert.region
    )
    publish_metrics(alert.domain_name, drill_metrics(report))
    logger.info("drill report published", extra={"outcome": report.outcome, "message_id": result["message_id"]})
    return result
