"""Send vault alert: a vault copy failed (planning, a batch, or the verification); publish what failed,
what it means and what to do to AlertTopic, and hand the state machine the Error and Cause the
execution ends with (its Cause ends "Alert sent to AlertTopic.", so the last-resort rule stays quiet).
A publish that fails raises AlertNotSentError; the execution then ends with it and the last resort alerts.

Event (from VaultCopyStateMachine's Catch): ``{"run": <the state>, "execution_id": <execution ARN>}``.
"""

from __future__ import annotations

import os
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from snapshot_sentinel.alerts.settings import AlertSettings
from snapshot_sentinel.observability import logger, tracer
from snapshot_sentinel.vault.publish import alert_copy_failure
from snapshot_sentinel.vault.settings import VaultSettings
from snapshot_sentinel.vault.steps import Location
from snapshot_sentinel.wiring import sns_client


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    alert_settings = AlertSettings.from_env(os.environ)
    vault = VaultSettings.from_env(os.environ)
    logger.append_keys(domain=vault.domain_name, vault=vault.vault_bucket, execution=event.get("execution_id"))
    alert, result = alert_copy_failure(
        sns_client(alert_settings.region),
        alert_settings.topic_arn,
        event,
        domain=vault.domain_name,
        region=vault.region,
        source=Location(vault.source_bucket, vault.base_path),
        vault=Location(vault.vault_bucket, vault.base_path),
        vault_region=vault.vault_region,
    )
    logger.warning("vault copy alert published", extra={"error": alert.error, "message_id": result["message_id"]})
    return result
