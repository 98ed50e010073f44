"""Publish drill freshness: every hour, DaysSinceDrillSucceeded for the domain (the age of the newest
SUCCEEDED DrillStateMachine execution, or of the state machine before the first), which
NoRecentDrillAlarm compares with DrillStaleDays. Reads Step Functions only; changes nothing."""

from __future__ import annotations

import os
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from snapshot_sentinel import clock
from snapshot_sentinel.drills.freshness import read_drill_freshness
from snapshot_sentinel.drills.settings import DrillFreshnessSettings
from snapshot_sentinel.observability import logger, publish_metrics, tracer
from snapshot_sentinel.wiring import stepfunctions_client


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    settings = DrillFreshnessSettings.from_env(os.environ)
    logger.append_keys(domain=settings.domain.name)
    freshness = read_drill_freshness(
        stepfunctions_client(settings.domain.region), settings.state_machine_arn, now=clock.utc_now()
    )
    publish_metrics(settings.domain.name, freshness.metrics())
    result = freshness.result(settings.stale_days)
    if result["stale"]:
        logger.warning("no drill passed within DrillStaleDays", extra=result)
    else:
        logger.info("drill freshness published", extra=result)
    return result
