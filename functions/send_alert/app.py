"""Send alert: publish what went wrong with a backup run to AlertTopic.

The state machine calls this on every path but success, then fails the execution. The alert is
rendered by :func:`snapshot_sentinel.alerts.render_alert`, which never raises: an event of an
unexpected shape still becomes a generic alert carrying the raw JSON.

One ``Publish`` with ``MessageStructure="json"``: email subscribers get the text with the JSON
facts appended; every machine protocol (email-json, sqs, lambda, http/https, firehose) gets the
JSON facts through ``default``. Message attributes ``outcome``, ``domain`` and ``repository`` let
subscribers filter (e.g. a pager only for ``FAILED``).

If publishing fails the handler raises: the Task's Retry covers throttling, and if it still
fails the execution fails with that error in its history, which is all that is left to report
through. Returning quietly would hide the lost alert.
"""

from __future__ import annotations

import os
from functools import cache
from typing import Any

import boto3
from aws_lambda_powertools.utilities.typing import LambdaContext

from snapshot_sentinel.alerts import message_attributes, render_alert, sns_message
from snapshot_sentinel.observability import logger, tracer
from snapshot_sentinel.settings import AlertSettings


@cache
def sns_client(region: str) -> Any:
    """One SNS client per warm container, created on first use, never at import."""
    return boto3.client("sns", region_name=region)


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    settings = AlertSettings.from_env(os.environ)
    logger.debug("alert event", extra={"event": event})
    alert = render_alert(
        event,
        domain_name=settings.domain_name,
        endpoint=settings.endpoint,
        repository=settings.repository,
        region=settings.region,
    )
    logger.append_keys(
        domain=settings.domain_name,
        repository=settings.repository,
        snapshot=alert.facts["snapshot"],
        execution=alert.facts["execution"]["arn"],
    )
    response = sns_client(settings.region).publish(
        TopicArn=settings.topic_arn,
        Subject=alert.subject,
        Message=sns_message(alert),
        MessageStructure="json",
        MessageAttributes=message_attributes(alert),
    )
    logger.info("alert published", extra={"outcome": alert.facts["outcome"], "message_id": response["MessageId"]})
    return {
        "published": True,
        "message_id": response["MessageId"],
        "subject": alert.subject,
        "outcome": alert.facts["outcome"],
    }
