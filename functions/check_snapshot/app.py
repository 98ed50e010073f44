"""Check snapshot: one GET of the snapshot's state; the state machine decides what follows.

The backup state machine's checks write the run's metrics (a full backup the one the RPO alarm reads);
the restore state machine's check of its safety snapshot (``purpose`` "safety_snapshot") writes none."""

from __future__ import annotations

import os
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from snapshot_sentinel import clock
from snapshot_sentinel.backup.settings import SnapshotSettings
from snapshot_sentinel.backup.steps import check_run_snapshot
from snapshot_sentinel.observability import (
    BACKUP_PURPOSE,
    logger,
    publish_metrics,
    snapshot_dimensions,
    snapshot_metrics,
    tracer,
)
from snapshot_sentinel.wiring import domain_client


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    settings = SnapshotSettings.from_env(os.environ)
    logger.append_keys(
        domain=settings.domain.name, repository=settings.domain.repository, snapshot=event["snapshot_name"]
    )
    facts = check_run_snapshot(domain_client(settings.domain, os.environ), settings, event, now=clock.utc_now())
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
    publish_metrics(
        settings.domain.name,
        snapshot_metrics(facts, purpose=event.get("purpose", BACKUP_PURPOSE)),
        snapshot_dimensions(facts["scope"]),
    )
    return facts
