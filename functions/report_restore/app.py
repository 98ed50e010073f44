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

from snapshot_sentinel.observability import logger, publish_metrics, tracer
from snapshot_sentinel.restore.report import RestoreReport, render_failure, render_plan, render_success, restore_metrics
from snapshot_sentinel.settings import AlertSettings
from snapshot_sentinel.wiring import aws_client


def _render(path: str, state: dict[str, Any], alert: AlertSettings) -> RestoreReport:
    if path == "dry_run":
        return render_plan(state, domain=alert.domain_name, region=alert.region)
    if path != "restored":
        return render_failure(state, domain=alert.domain_name, region=alert.region)
    if state.get("measure_error"):
        logger.warning("index stats unavailable for the report", extra={"error": state["measure_error"]})
    measured = state.get("measured") or {}
    return render_success(state, measured, domain=alert.domain_name, region=alert.region)


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    alert = AlertSettings.from_env(os.environ)
    state = event.get("run") or {}
    logger.append_keys(domain=alert.domain_name, execution=event.get("execution_id"))
    logger.debug("restore report event", extra={"event": event})
    report = _render(str(event.get("path", "failed")), state, alert)
    response = aws_client("sns", alert.region).publish(
        TopicArn=alert.topic_arn,
        Subject=report.subject,
        Message=report.sns_message(),
        MessageStructure="json",
        MessageAttributes=report.attributes(),
    )
    logger.info("restore report published", extra={"outcome": report.outcome, "message_id": response["MessageId"]})
    publish_metrics(alert.domain_name, restore_metrics(report))
    return {**report.result(), "message_id": response["MessageId"], "facts": _bounded(report)}


def _bounded(report: RestoreReport) -> dict[str, Any]:
    """What the execution output keeps of the report: everything but the long per-index list."""
    facts = dict(report.facts)
    indices = facts.pop("indices", None)
    if indices is not None:
        facts["indices_sample"] = indices[:50]
    facts.pop("plan", None)
    return facts
