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

from snapshot_sentinel.alerts.settings import AlertSettings
from snapshot_sentinel.alerts.steps import send_alert
from snapshot_sentinel.observability import logger, tracer
from snapshot_sentinel.wiring import alert_domain_client, sns_client


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    settings = AlertSettings.from_env(os.environ)
    logger.debug("alert event", extra={"event": event})
    result = send_alert(
        event,
        settings,
        sns=sns_client(settings.region),
        connect=lambda: alert_domain_client(settings.domain, os.environ),
    )
    logger.info(
        "alert published",
        extra={"subject": result["subject"], "outcome": result.get("outcome"), "message_id": result["message_id"]},
    )
    return result
