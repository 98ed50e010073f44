"""Measure restored indices: each restored index's docs, shards, size and health, read inside the
domain's VPC and handed to ReportRestore (outside it, where SNS is reachable) as totals and a
bounded sample. A failure here costs the report its figures, never the restore."""

from __future__ import annotations

import os
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from snapshot_sentinel.observability import logger, tracer
from snapshot_sentinel.restore.settings import RestoreSettings
from snapshot_sentinel.restore.steps import restore_run
from snapshot_sentinel.restore.watch import measure_restored
from snapshot_sentinel.wiring import domain_client


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    settings = RestoreSettings.from_env(os.environ)
    run = restore_run(domain_client(settings.domain, os.environ), settings, event["config"])
    logger.append_keys(domain=settings.domain.name, snapshot=event["snapshot_name"], execution=run.config.execution_id)
    measured = measure_restored(run, event["snapshot_name"])
    logger.info("restored indices measured", extra={"indices": measured["indices"], "sample": len(measured["sample"])})
    return measured
