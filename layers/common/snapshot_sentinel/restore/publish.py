"""Publish a restore's report (and a drill's, which has the same shape) to AlertTopic.

The report is rendered by :mod:`.report` and goes out through the one ``Publish`` and envelope of
:mod:`snapshot_sentinel.alerts.sns`; a publish that fails raises AlertNotSentError.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from snapshot_sentinel.alerts.sns import publish
from snapshot_sentinel.observability import logger
from snapshot_sentinel.restore.outcome import RestoreReport
from snapshot_sentinel.restore.report import render_report

if TYPE_CHECKING:
    from mypy_boto3_sns import SNSClient


def publish_report(sns: SNSClient, topic_arn: str, report: RestoreReport) -> dict[str, Any]:
    """Publish ``report``; the step's output (what the Choice and Fail states read) and the message id."""
    message_id = publish(
        sns,
        topic_arn,
        subject=report.subject,
        text=report.text,
        facts=report.facts,
        attributes=report.attributes(),
    )
    return {**report.result(), "message_id": message_id}


def report_restore(
    sns: SNSClient, topic_arn: str, event: Mapping[str, Any], *, domain: str, region: str
) -> tuple[RestoreReport, dict[str, Any]]:
    """Render and publish the report of the run in ``event`` (``path`` and ``run``); the report and the
    step's output, which keeps the facts but the long per-index list."""
    run = event.get("run") or {}
    if run.get("measure_error"):
        logger.warning("index stats unavailable for the report", extra={"error": run["measure_error"]})
    report = render_report(str(event.get("path", "failed")), run, domain=domain, region=region)
    return report, {**publish_report(sns, topic_arn, report), "facts": report.bounded_facts()}
