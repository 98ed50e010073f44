"""Publish a drill's report (``[DRILL OK]`` or ``[DRILL FAILED]``) to AlertTopic, through the one
``Publish`` and envelope; a publish that fails raises AlertNotSentError."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from snapshot_sentinel.drills.report import render_drill
from snapshot_sentinel.restore.outcome import RestoreReport
from snapshot_sentinel.restore.publish import publish_report

if TYPE_CHECKING:
    from mypy_boto3_sns import SNSClient


def report_drill(
    sns: SNSClient, topic_arn: str, event: Mapping[str, Any], *, domain: str, region: str
) -> tuple[RestoreReport, dict[str, Any]]:
    """Render and publish the report of the drill in ``event`` (``run`` and ``execution_id``); the report
    and the step's output (what the Choice and Fail states read, and the message id)."""
    run = {**(event.get("run") or {}), "execution_id": event.get("execution_id")}
    report = render_drill(run, domain=domain, region=region)
    return report, publish_report(sns, topic_arn, report)
