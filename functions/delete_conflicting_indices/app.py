"""Set aside conflicting indices (the logical ID keeps its first name): once the safety snapshot is
SUCCESS and holds each of them, close exactly the indices the plan restores over, so their names
stay taken until the restore replaces them; nothing is deleted. With ``"reopen": true`` (the state
machine's path after a failure before the restore went over them) it opens them again as they were."""

from __future__ import annotations

import os
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from snapshot_sentinel.observability import logger, tracer
from snapshot_sentinel.restore.safety import set_aside_step
from snapshot_sentinel.restore.settings import RestoreSettings
from snapshot_sentinel.restore.steps import restore_run
from snapshot_sentinel.wiring import domain_client


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    settings = RestoreSettings.from_env(os.environ)
    run = restore_run(domain_client(settings.domain, os.environ), settings, event["config"])
    logger.append_keys(domain=settings.domain.name, execution=run.config.execution_id)
    result = set_aside_step(run, event)
    logger.info("conflicting indices set aside or opened again", extra=result)
    return result
