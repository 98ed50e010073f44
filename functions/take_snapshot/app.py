"""Take snapshot: start this run's snapshot with wait_for_completion=false and return at once."""

from __future__ import annotations

import os
from datetime import timedelta
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from snapshot_sentinel import clock
from snapshot_sentinel.observability import logger, tracer
from snapshot_sentinel.settings import SnapshotSettings
from snapshot_sentinel.snapshots import TakeRequest, take_snapshot
from snapshot_sentinel.wiring import domain_client


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    settings = SnapshotSettings.from_env(os.environ)
    request = TakeRequest(
        repository=settings.domain.repository,
        name=event["snapshot_name"],
        indices=event.get("indices"),
        stack_name=settings.stack_name,
        execution_id=event["execution_id"],
        execution_start=clock.parse_timestamp(event["execution_start_time"]),
    )
    logger.append_keys(
        domain=settings.domain.name,
        repository=request.repository,
        snapshot=request.name,
        execution=request.execution_id,
    )
    result = take_snapshot(
        domain_client(settings.domain, os.environ),
        request,
        now=clock.utc_now(),
        max_wait=timedelta(minutes=settings.max_wait_minutes),
        poll_interval_seconds=int(event.get("poll_interval_seconds") or settings.poll_interval_seconds),
    )
    logger.info("snapshot started", extra={"deadline": result["deadline"]})
    return result
