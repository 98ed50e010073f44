"""Take safety snapshot: before on_conflict "delete" deletes anything, snapshot exactly the
conflicting indices as pre-restore-<UTC timestamp> in the stack's repository (never waits)."""

from __future__ import annotations

import os
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from snapshot_sentinel import clock
from snapshot_sentinel.observability import logger, tracer
from snapshot_sentinel.restore.safety import take_safety_snapshot
from snapshot_sentinel.restore.settings import RestoreSettings
from snapshot_sentinel.restore.steps import restore_run
from snapshot_sentinel.wiring import domain_client


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    settings = RestoreSettings.from_env(os.environ)
    run = restore_run(domain_client(settings.domain, os.environ), settings, event["config"])
    logger.append_keys(
        domain=settings.domain.name, snapshot=run.safety_snapshot_name, execution=run.config.execution_id
    )
    facts = take_safety_snapshot(run, event["plan"], now=clock.utc_now(), max_wait=settings.max_wait)
    logger.info("safety snapshot started", extra={"indices": facts["indices_count"]})
    return facts
