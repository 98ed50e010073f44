"""Plan the vault copy under one prefix (one index directory): list it in the repository and in the
vault, and write the batches the vault lacks there, and the job's plan, to the manifest bucket.

Event (one item of the listing manifest, from the Distributed Map): ``{"run", "job", "prefix"}``.
Returns the job's counts; the map discards them (bounded state).
"""

from __future__ import annotations

import os
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from snapshot_sentinel.observability import logger, tracer
from snapshot_sentinel.vault.input import plan_listing_job
from snapshot_sentinel.vault.settings import VaultSettings
from snapshot_sentinel.wiring import s3_client


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    settings = VaultSettings.from_env(os.environ)
    logger.append_keys(
        domain=settings.domain_name, vault=settings.vault_bucket, execution=event.get("run"), prefix=event.get("prefix")
    )
    planned = plan_listing_job(s3_client(settings.region), s3_client(settings.vault_region), settings, event)
    logger.info("vault copy planned under a prefix", extra=planned)
    return planned
