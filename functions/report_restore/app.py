"""Report restore: publish the outcome of a restore to AlertTopic and hand the state machine the
Error/Cause it ends with.

``path`` says which way the run went: ``restored`` (``[RESTORED] ...`` with the indices' docs,
shards and size as MeasureRestoredIndices measured them, and the measured RTO), ``dry_run`` (the
plan) or ``failed`` (the alert; the result's ``error`` and ``cause`` become the execution's final
Error and Cause). If publishing fails the handler raises: the state machine then fails with
AlertNotSentError. It never calls the domain, so it runs outside the domain's VPC.
"""

from __future__ import annotations

import os
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from snapshot_sentinel.alerts.settings import AlertSettings
from snapshot_sentinel.observability import logger, publish_metrics, tracer
from snapshot_sentinel.restore.publish import report_restore
from snapshot_sentinel.restore.report import restore_metrics
from snapshot_sentinel.wiring import sns_client


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    alert = AlertSettings.from_env(os.environ)
    logger.append_keys(domain=alert.domain_name, execution=event.get("execution_id"))
    logger.debug("restore report event", extra={"event": event})
    report, result = report_restore(
        sns_client(alert.region), alert.topic_arn, event, domain=alert.domain_name, region=alert.region
    )
    logger.info("restore report published", extra={"outcome": report.outcome, "message_id": result["message_id"]})
    publish_metrics(alert.domain_name, restore_metrics(report))
    return result
