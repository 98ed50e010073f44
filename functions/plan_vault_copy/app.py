"""Plan the vault copy: read the source's index.latest (the generation this copy brings), plan the
repository root's own files pinned to it, and write one listing job per index directory for the
Distributed Map that plans the rest.

Event (from VaultCopyStateMachine): ``{"run": <the execution's name>}``. The result holds counts and
the listing manifest's key only (bounded state), as ``$.listing``.
"""

from __future__ import annotations

import os
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from snapshot_sentinel.observability import logger, tracer
from snapshot_sentinel.vault.input import plan_copy_run
from snapshot_sentinel.vault.settings import VaultSettings
from snapshot_sentinel.wiring import s3_client


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    settings = VaultSettings.from_env(os.environ)
    logger.append_keys(domain=settings.domain_name, vault=settings.vault_bucket, execution=event.get("run"))
    listing: dict[str, Any] = plan_copy_run(
        s3_client(settings.region), s3_client(settings.vault_region), settings, event
    )
    logger.info("vault copy planned at the root", extra=listing)
    return listing
