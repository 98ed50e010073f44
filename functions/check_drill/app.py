"""Check drill: `step` "check" reads the drill indices' health (fails on an unallocatable primary or
the deadline); `step` "verify" checks counts, mappings (against the backed-up domain's live index) and a
sample search. Reads only; the drill indices are on the drill domain (DrillDomainEndpoint, else the backed-up one)."""

from __future__ import annotations

import os
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from snapshot_sentinel import clock
from snapshot_sentinel.backup.settings import SnapshotSettings
from snapshot_sentinel.drills.steps import check_drill, verify_drill
from snapshot_sentinel.observability import logger, tracer
from snapshot_sentinel.settings import drill_domain_settings
from snapshot_sentinel.wiring import domain_client


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    settings = SnapshotSettings.from_env(os.environ)
    target = drill_domain_settings(settings.domain, os.environ)
    client = domain_client(target, os.environ)
    logger.append_keys(domain=settings.domain.name, drill_domain=target.name, snapshot=event["plan"]["snapshot_name"])
    if event.get("step") == "verify":
        source = domain_client(settings.domain, os.environ) if target != settings.domain else None
        result = verify_drill(client, event["plan"], source)
        logger.info("drill verified", extra={"passed": result["passed"], "problems": result["problems"]})
        return result
    progress = check_drill(client, event["plan"], event["restore"], now=clock.utc_now())
    logger.info("drill checked", extra={"done": progress["done"], "waiting": progress["waiting_count"]})
    return progress
