"""Last-resort alert: EventBridge calls this for every FAILED, TIMED_OUT or ABORTED execution of the
stack's state machines; it publishes to AlertTopic unless the run already alerted (its Cause ends
with "Alert sent to AlertTopic."). A publish that fails raises: Lambda retries the event twice and
LastResortAlertDeliveryAlarm pages on the function's errors."""

from __future__ import annotations

import os
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from snapshot_sentinel.alerts.last_resort import last_resort_alert
from snapshot_sentinel.alerts.settings import AlertSettings
from snapshot_sentinel.observability import logger, tracer
from snapshot_sentinel.wiring import sns_client


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    settings = AlertSettings.from_env(os.environ)
    return last_resort_alert(sns_client(settings.region), settings, event)
