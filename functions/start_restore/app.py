"""Start restore: POST _snapshot/<repo>/<snapshot>/_restore?wait_for_completion=false with the
planned indices; after a 504 or reset it looks at the target indices before deciding anything."""

from __future__ import annotations

import os
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from snapshot_sentinel import clock
from snapshot_sentinel.observability import logger, tracer
from snapshot_sentinel.restore.settings import RestoreSettings
from snapshot_sentinel.restore.start import start_restore
from snapshot_sentinel.restore.steps import restore_run
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
    logger.append_keys(
        domain=settings.domain.name, snapshot=event["plan"].get("snapshot_name"), execution=run.config.execution_id
    )
    facts = start_restore(run, event["plan"], now=clock.utc_now(), max_wait=settings.max_wait)
    logger.info("restore started", extra={"targets": facts["targets_count"], "adopted": facts["adopted"]})
    return facts
