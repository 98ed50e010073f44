"""Send alert: publish what went wrong with a backup run to AlertTopic, and say how the run ends.

The state machine calls this on every path but success, then ends the execution with the
``error`` and ``cause`` this returns (``Cause`` ends with "Alert sent to AlertTopic.").

The state carries only bounded facts, so the function first reads the snapshot from the domain
itself (every shard failure, and the latest full backup) with short timeouts; when the domain is
in a VPC it does not try: this function stays outside the VPC so that an alert never depends on a
NAT gateway or an SNS endpoint, and the alert lists the run's sample of failures instead.
Rendering never raises: an event of an unexpected shape still becomes a generic alert.

One ``Publish`` with ``MessageStructure="json"``: email subscribers get the text with the JSON
facts appended; every machine protocol gets the JSON facts through ``default``. A publish that
fails raises ``AlertNotSentError``: the Task's Retry covers throttling, then the execution ends
with that error, never claiming an alert went out.

``{"notice": <Ensure repository's result>}`` publishes the one message a run sends without
failing: the repository was registered again, the run goes on, and someone should find out why.
"""

from __future__ import annotations

import os
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from snapshot_sentinel.alerts import Domain, publish_alert
from snapshot_sentinel.alerts.lookup import alert_for
from snapshot_sentinel.alerts.notice import publish_notice, render_registered_again
from snapshot_sentinel.observability import logger, tracer
from snapshot_sentinel.settings import AlertSettings
from snapshot_sentinel.wiring import alert_domain_client, sns_client


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    settings = AlertSettings.from_env(os.environ)
    logger.debug("alert event", extra={"event": event})
    if "notice" in event:
        notice = render_registered_again(
            event["notice"], execution_arn=str(event.get("execution_id") or ""), region=settings.region
        )
        sent = publish_notice(sns_client(settings.region), settings.topic_arn, notice)
        logger.info("notice published", extra={"subject": sent["subject"], "message_id": sent["message_id"]})
        return sent
    alert = alert_for(
        event,
        domain=Domain(settings.domain_name, settings.endpoint, settings.repository, settings.region),
        client=alert_domain_client(settings.domain, os.environ) if settings.reads_domain else None,
        prefix=settings.prefix,
        stack=settings.stack_name,
    )
    logger.append_keys(
        domain=settings.domain_name,
        repository=settings.repository,
        snapshot=alert.facts["snapshot"],
        execution=alert.facts["execution"]["arn"],
    )
    result = publish_alert(sns_client(settings.region), settings.topic_arn, alert)
    logger.info("alert published", extra={"outcome": result["outcome"], "message_id": result["message_id"]})
    return result
