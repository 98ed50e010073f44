"""Check drill: one read of the drill indices' health while they restore (fails on an unallocatable
primary or at the deadline; ``_recovery``'s bytes give the next wait). Reads only, on the drill
domain (DrillDomainEndpoint, else the backed-up one)."""

from __future__ import annotations

import os
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from snapshot_sentinel import clock
from snapshot_sentinel.drills.settings import DrillSettings
from snapshot_sentinel.drills.steps import check_drill
from snapshot_sentinel.observability import logger, tracer
from snapshot_sentinel.wiring import domain_client


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    settings = DrillSettings.from_env(os.environ)
    logger.append_keys(
        domain=settings.domain.name, drill_domain=settings.target.name, snapshot=event["plan"]["snapshot_name"]
    )
    progress = check_drill(
        domain_client(settings.target, os.environ), event["plan"], event["restore"], now=clock.utc_now()
    )
    logger.info("drill checked", extra={"done": progress["done"], "waiting": progress["waiting_count"]})
    return progress
