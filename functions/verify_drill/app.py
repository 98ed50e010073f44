"""Verify drill: counts against the catalog, mappings against the backed-up domain's live index, and a
sample search of the restored drill indices. Reads only; a bad result is a fact for the report, never
an error, so the clean-up always runs next."""

from __future__ import annotations

import os
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from snapshot_sentinel.drills.settings import DrillSettings
from snapshot_sentinel.drills.verify import verify_drill
from snapshot_sentinel.observability import logger, tracer
from snapshot_sentinel.wiring import domain_client, other_domain_client


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    settings = DrillSettings.from_env(os.environ)
    logger.append_keys(
        domain=settings.domain.name, drill_domain=settings.target.name, snapshot=event["plan"]["snapshot_name"]
    )
    result = verify_drill(
        domain_client(settings.target, os.environ),
        event["plan"],
        other_domain_client(settings.domain, settings.target, os.environ),
    )
    logger.info("drill verified", extra={"passed": result["passed"], "problems": result["problems"]})
    return result
