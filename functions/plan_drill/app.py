"""Plan drill: validate the input, choose the snapshot and the sample within the caps; changes nothing."""

from __future__ import annotations

import os
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from snapshot_sentinel import clock
from snapshot_sentinel.backup.settings import SnapshotSettings
from snapshot_sentinel.drills.catalog import Catalog
from snapshot_sentinel.drills.steps import drill_settings, plan_drill
from snapshot_sentinel.observability import logger, tracer
from snapshot_sentinel.settings import drill_domain_settings
from snapshot_sentinel.wiring import domain_client, dynamodb_client


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    settings = SnapshotSettings.from_env(os.environ)
    drill = drill_settings(
        os.environ,
        settings.domain.repository,
        settings.prefix,
        settings.stack_name,
        settings.max_wait_minutes,
        settings.poll_interval_seconds,
    )
    catalog = Catalog(dynamodb_client(settings.domain.region), os.environ["CATALOG_TABLE_NAME"])
    target = drill_domain_settings(settings.domain, os.environ)
    logger.append_keys(domain=settings.domain.name, drill_domain=target.name, execution=event.get("execution_id"))
    plan = plan_drill(
        domain_client(settings.domain, os.environ),
        catalog,
        drill,
        event.get("input"),
        now=clock.utc_now(),
        execution_id=str(event.get("execution_id") or ""),
        target=domain_client(target, os.environ) if target != settings.domain else None,
        target_name=target.name,
    )
    logger.info("drill planned", extra={"snapshot": plan["snapshot_name"], "picks": len(plan["picks"])})
    return plan
