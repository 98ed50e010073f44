"""Apply retention: prune old managed snapshots within a time budget and report every decision.

Event (from BackupStateMachine): ``{"snapshot_name": <the name this run took, or null for a
retention-only run>, "dry_run": <bool>}``. The result is the bounded report of
:meth:`snapshot_sentinel.retention.report.RetentionReport.to_dict`, which lands in the execution's
output as ``$.retention``.
"""

from __future__ import annotations

import os
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from snapshot_sentinel import clock
from snapshot_sentinel.observability import logger, publish_metrics, retention_metrics, tracer
from snapshot_sentinel.retention.apply import apply_run_retention
from snapshot_sentinel.retention.settings import RetentionSettings
from snapshot_sentinel.wiring import domain_client


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    settings = RetentionSettings.from_env(os.environ)
    logger.append_keys(
        domain=settings.domain.name, repository=settings.domain.repository, snapshot=event.get("snapshot_name")
    )
    result = apply_run_retention(
        domain_client(settings.domain, os.environ),
        settings,
        event,
        now=clock.utc_now(),
        seconds_left=context.get_remaining_time_in_millis() / 1000,
    )
    logger.info("retention done", extra={"totals": result["totals"], "stopped_because": result["stopped_because"]})
    publish_metrics(settings.domain.name, retention_metrics(result["totals"], dry_run=result["dry_run"]))
    return result
