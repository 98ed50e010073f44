"""Validate input: the first state of every run. It checks the overrides and decides the
snapshot name; it never touches the domain, so a bad input changes nothing anywhere."""

from __future__ import annotations

import os
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from snapshot_sentinel.clock import parse_timestamp
from snapshot_sentinel.observability import logger, tracer
from snapshot_sentinel.settings import SnapshotSettings
from snapshot_sentinel.validation import validate_run_input


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    settings = SnapshotSettings.from_env(os.environ)
    logger.append_keys(execution=event.get("execution_id"), domain=settings.domain.name)
    config = validate_run_input(
        event.get("input"),
        prefix=settings.prefix,
        default_poll_seconds=settings.poll_interval_seconds,
        execution_id=event["execution_id"],
        execution_start=parse_timestamp(event["execution_start_time"]),
        execution_start_time=event["execution_start_time"],
        read_only=settings.read_only,
    )
    logger.info("run configured", extra={"snapshot": config.snapshot_name, "retention_only": config.retention_only})
    return config.to_dict()
