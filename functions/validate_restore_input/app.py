"""Validate restore input: the first state of a restore. It checks the input against the keys of
RestoreStateMachine and fills in the defaults; it never touches the domain."""

from __future__ import annotations

import os
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from snapshot_sentinel.observability import logger, tracer
from snapshot_sentinel.restore.settings import RestoreSettings
from snapshot_sentinel.restore.validation import validate_restore_input


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    settings = RestoreSettings.from_env(os.environ)
    logger.append_keys(execution=event.get("execution_id"), domain=settings.domain.name)
    config = validate_restore_input(
        event.get("input"),
        default_repository=settings.domain.repository,
        default_poll_seconds=settings.poll_interval_seconds,
        execution_id=event["execution_id"],
        execution_start_time=event["execution_start_time"],
    )
    logger.info("restore configured", extra={"snapshot": config.snapshot_name, "dry_run": config.dry_run})
    return config.to_dict()
