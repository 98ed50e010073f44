"""Apply retention: prune old managed snapshots within a time budget and report every decision.

Event (from BackupStateMachine): ``{"snapshot_name": <the name this run took, or null for a
retention-only run>, "dry_run": <bool>}``. The result is the bounded report of
:meth:`RetentionReport.to_dict`, which lands in the execution's output as ``$.retention``.
"""

from __future__ import annotations

import os
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from snapshot_sentinel import clock
from snapshot_sentinel.errors import InvalidInputError
from snapshot_sentinel.observability import logger, publish_metrics, retention_metrics, tracer
from snapshot_sentinel.retention_apply import apply_retention
from snapshot_sentinel.retention_plan import RetentionPolicy
from snapshot_sentinel.settings import RetentionSettings
from snapshot_sentinel.wiring import domain_client

RESERVE_SECONDS = 120
"""Time kept back from the Lambda's timeout. A delete started just before the budget ends may
take the client's 55 s (connect + read) timeout, and the look-up after a failed delete one more
(the client sends each request once); the report must still be returned: 110 s, and a margin."""


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    settings = RetentionSettings.from_env(os.environ)
    taken = event.get("snapshot_name")
    dry_run = event.get("dry_run", False)
    if not (taken is None or isinstance(taken, str)) or not isinstance(dry_run, bool):
        raise InvalidInputError(f"expected {{'snapshot_name': str or null, 'dry_run': bool}}, got {event!r}")
    logger.append_keys(domain=settings.domain.name, repository=settings.domain.repository, snapshot=taken)
    report = apply_retention(
        domain_client(settings.domain, os.environ),
        settings.domain.repository,
        RetentionPolicy(
            prefix=settings.prefix,
            stack_name=settings.stack_name,
            days=settings.days,
            min_count=settings.min_count,
            max_count=settings.max_count,
        ),
        now=clock.utc_now(),
        protect=frozenset({taken}) if taken else frozenset(),
        dry_run=dry_run,
        budget_seconds=max(
            0.0, min(settings.time_budget_seconds, context.get_remaining_time_in_millis() / 1000 - RESERVE_SECONDS)
        ),
    )
    result = report.to_dict()
    logger.info("retention done", extra={"totals": result["totals"], "stopped_because": result["stopped_because"]})
    publish_metrics(settings.domain.name, retention_metrics(result["totals"], dry_run=dry_run))
    return result
