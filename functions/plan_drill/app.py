"""Plan drill: validate the input, choose the snapshot and the sample within the caps; changes nothing."""

from __future__ import annotations

import os
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from snapshot_sentinel import clock
from snapshot_sentinel.drills.catalog import Catalog
from snapshot_sentinel.drills.settings import DrillSettings
from snapshot_sentinel.drills.steps import plan_drill
from snapshot_sentinel.observability import logger, tracer
from snapshot_sentinel.wiring import domain_client, dynamodb_client, other_domain_client


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    settings = DrillSettings.from_env(os.environ)
    logger.append_keys(
        domain=settings.domain.name, drill_domain=settings.target.name, execution=event.get("execution_id")
    )
    plan = plan_drill(
        domain_client(settings.domain, os.environ),
        Catalog(dynamodb_client(settings.domain.region), settings.required_catalog_table()),
        settings,
        event.get("input"),
        now=clock.utc_now(),
        execution_id=event.get("execution_id"),
        target=other_domain_client(settings.target, settings.domain, os.environ),
    )
    logger.info("drill planned", extra={"snapshot": plan["snapshot_name"], "picks": len(plan["picks"])})
    return plan
