"""Verify the vault after a copy: its index.latest, the index-N it names and every snapshot, index and
shard metadata file that references are there; publish VaultCopySucceeded and VaultLagHours.

Event: ``{"plan": <Plan the copy's result>}``. Raises VaultIncompleteError naming what is missing.
"""

from __future__ import annotations

import os
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from snapshot_sentinel import clock
from snapshot_sentinel.observability import logger, publish_metrics, tracer
from snapshot_sentinel.vault.input import verify_copy_run
from snapshot_sentinel.vault.report import vault_metrics
from snapshot_sentinel.vault.settings import VaultSettings
from snapshot_sentinel.wiring import s3_client


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    settings = VaultSettings.from_env(os.environ)
    logger.append_keys(domain=settings.domain_name, vault=settings.vault_bucket)
    verified = verify_copy_run(s3_client(settings.vault_region), settings, event, clock.utc_now())
    logger.info("vault verified", extra=verified)
    publish_metrics(settings.domain_name, vault_metrics(event.get("plan", {}), verified))
    return verified
