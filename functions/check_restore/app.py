"""Check restore: per-index health and recovery of every restored index; fails on an unallocatable
primary or past MaxWaitMinutes. The state machine's Wait spaces the checks."""

from __future__ import annotations

import os
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from snapshot_sentinel import clock
from snapshot_sentinel.observability import logger, tracer
from snapshot_sentinel.restore.settings import RestoreSettings
from snapshot_sentinel.restore.steps import restore_run
from snapshot_sentinel.restore.watch import check_restore
from snapshot_sentinel.wiring import domain_client


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    settings = RestoreSettings.from_env(os.environ)
    run = restore_run(domain_client(settings.domain, os.environ), settings, event["config"])
    logger.append_keys(domain=settings.domain.name, snapshot=event["snapshot_name"], execution=run.config.execution_id)
    progress = check_restore(run, event["snapshot_name"], event["restore"], now=clock.utc_now())
    logger.info("restore checked", extra={"done": progress["done"], "counts": progress["counts"]})
    return progress
