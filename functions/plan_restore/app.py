"""Plan restore: resolve the snapshot, read the cluster (indices, aliases, shard limit) and decide
every index with a reason. Changes nothing; the state machine reads ``action``."""

from __future__ import annotations

import os
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from snapshot_sentinel import clock
from snapshot_sentinel.observability import logger, tracer
from snapshot_sentinel.restore.settings import RestoreSettings
from snapshot_sentinel.restore.steps import plan_step, restore_run
from snapshot_sentinel.wiring import domain_client, dynamodb_client


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    settings = RestoreSettings.from_env(os.environ)
    run = restore_run(
        domain_client(settings.domain, os.environ),
        settings,
        event["config"],
        dynamodb_client(settings.domain.region),
    )
    logger.append_keys(domain=settings.domain.name, repository=run.repository, execution=run.config.execution_id)
    plan = plan_step(run, now=clock.utc_now())
    logger.info("restore planned", extra={"action": plan["action"], "counts": plan["counts"]})
    return plan
