"""Take snapshot: start this run's snapshot with wait_for_completion=false and return at once."""

from __future__ import annotations

import os
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from snapshot_sentinel import clock
from snapshot_sentinel.backup.settings import SnapshotSettings
from snapshot_sentinel.backup.steps import take_run_snapshot
from snapshot_sentinel.observability import logger, tracer
from snapshot_sentinel.wiring import domain_client


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    settings = SnapshotSettings.from_env(os.environ)
    logger.append_keys(
        domain=settings.domain.name,
        repository=settings.domain.repository,
        snapshot=event["snapshot_name"],
        execution=event["execution_id"],
    )
    result = take_run_snapshot(domain_client(settings.domain, os.environ), settings, event, now=clock.utc_now())
    logger.info(
        "duplicate start: another execution watches this snapshot" if result["duplicate_of"] else "snapshot started",
        extra={"deadline": result["deadline"], "owner": result["duplicate_of"]},
    )
    return result
