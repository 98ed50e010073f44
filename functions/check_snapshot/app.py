"""Check snapshot: one GET of the snapshot's state; the state machine decides what follows.

The backup state machine's checks write the run's metrics (a full backup the one the RPO alarm reads);
the restore state machine's check of its safety snapshot (``purpose`` "safety_snapshot") writes none."""

from __future__ import annotations

import os
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from snapshot_sentinel import clock
from snapshot_sentinel.clock import minimum_wait_seconds
from snapshot_sentinel.observability import logger, publish_metrics, snapshot_dimensions, snapshot_metrics, tracer
from snapshot_sentinel.settings import SnapshotSettings
from snapshot_sentinel.snapshots import check_snapshot
from snapshot_sentinel.wiring import domain_client


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    settings = SnapshotSettings.from_env(os.environ)
    name = event["snapshot_name"]
    logger.append_keys(domain=settings.domain.name, repository=settings.domain.repository, snapshot=name)
    facts = check_snapshot(
        domain_client(settings.domain, os.environ),
        settings.domain.repository,
        name,
        deadline=event["deadline"],
        polls=int(event.get("polls", 0)),
        # An execution started before the upgrade to ETA polling passes no floor: derive it.
        min_wait_seconds=int(
            event.get("min_wait_seconds")
            or minimum_wait_seconds(settings.poll_interval_seconds, settings.max_wait_minutes * 60)
        ),
        now=clock.utc_now(),
        prefix=settings.prefix,
        stack_name=None if settings.read_only else settings.stack_name,
    )
    logger.info(
        "snapshot checked",
        extra={
            "state": facts["state"],
            "polls": facts["polls"],
            "progress": facts["progress"],
            "remaining": facts["remaining_text"],
            "next_wait_seconds": facts["next_wait_seconds"],
            "scope": facts["scope"],
        },
    )
    if event.get("purpose", "backup") == "backup":
        publish_metrics(settings.domain.name, snapshot_metrics(facts), snapshot_dimensions(facts["scope"]))
    return facts
