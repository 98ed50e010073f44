"""Clean up drill: delete exactly the drill's own indices (its picks, its names, its restore) on the drill
domain, on success and failure alike; keep_restored leaves them."""

from __future__ import annotations

import os
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from snapshot_sentinel.drills.cleanup import clean_up
from snapshot_sentinel.drills.settings import DrillSettings
from snapshot_sentinel.observability import logger, tracer
from snapshot_sentinel.wiring import domain_client


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    settings = DrillSettings.from_env(os.environ)
    logger.append_keys(domain=settings.domain.name, drill_domain=settings.target.name)
    result = clean_up(domain_client(settings.target, os.environ), event.get("run"), settings.target.repository)
    logger.info("drill cleaned up", extra={"deleted": result["deleted"], "note": result["note"]})
    return result
