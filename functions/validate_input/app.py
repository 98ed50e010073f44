"""Validate input: the first state of every run. It checks the overrides and decides the
snapshot name; it never touches the domain, so a bad input changes nothing anywhere."""

from __future__ import annotations

import os
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from snapshot_sentinel.backup.input import configure_run
from snapshot_sentinel.backup.settings import SnapshotSettings
from snapshot_sentinel.observability import logger, tracer


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    settings = SnapshotSettings.from_env(os.environ)
    logger.append_keys(execution=event.get("execution_id"), domain=settings.domain.name)
    config = configure_run(event, settings)
    logger.info("run configured", extra={"snapshot": config.snapshot_name, "retention_only": config.retention_only})
    return config.to_dict()
