"""Record document counts: each index's count and write operations (``seq_no.max``) just before a
full snapshot starts ("before") and once it has ended ("after"), in the drill catalog, and its
aliases before it starts (a restore checks them against the live ones). A subset snapshot records
nothing: drills only prove full ones. BackupStateMachine catches any failure here and goes on: the
backup matters more than the catalog, and a drill without counts says so."""

from __future__ import annotations

import os
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from snapshot_sentinel import clock
from snapshot_sentinel.drills.catalog import Catalog, record_document_counts
from snapshot_sentinel.drills.settings import CatalogSettings
from snapshot_sentinel.observability import logger, tracer
from snapshot_sentinel.wiring import domain_client, dynamodb_client


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    settings = CatalogSettings.from_env(os.environ)
    logger.append_keys(domain=settings.domain.name, snapshot=event.get("snapshot_name"))
    result = record_document_counts(
        event,
        lambda: Catalog(dynamodb_client(settings.domain.region), settings.table_name),
        domain_client(settings.domain, os.environ),
        now=clock.utc_now(),
    )
    logger.info("document counts recorded", extra=result)
    return result
