"""Start drill: POST _restore of the picks under drill names (no replicas, no aliases), once, on the drill
domain (DrillDomainEndpoint, else the backed-up domain)."""

from __future__ import annotations

import os
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from snapshot_sentinel import clock
from snapshot_sentinel.drills.settings import DrillSettings
from snapshot_sentinel.drills.steps import start_drill
from snapshot_sentinel.observability import logger, tracer
from snapshot_sentinel.wiring import domain_client


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    settings = DrillSettings.from_env(os.environ)
    logger.append_keys(
        domain=settings.domain.name, drill_domain=settings.target.name, snapshot=event["plan"]["snapshot_name"]
    )
    facts = start_drill(
        domain_client(settings.target, os.environ), settings.target.repository, event["plan"], now=clock.utc_now()
    )
    logger.info("drill restore started", extra={"answered": facts["answered"]})
    return facts
