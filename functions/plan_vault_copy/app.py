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

from snapshot_sentinel.errors import InvalidInputError
from snapshot_sentinel.observability import logger, tracer
from snapshot_sentinel.vault.listing import Manifests, plan_root
from snapshot_sentinel.vault.settings import VaultSettings
from snapshot_sentinel.vault.steps import Location
from snapshot_sentinel.wiring import s3_client


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    settings = VaultSettings.from_env(os.environ)
    run = event.get("run")
    if not isinstance(run, str) or not run:
        raise InvalidInputError(f"expected {{'run': <execution name>}}, got {event!r}")
    logger.append_keys(domain=settings.domain_name, vault=settings.vault_bucket, execution=run)
    listing = plan_root(
        s3_client(settings.region),
        s3_client(settings.vault_region),
        Manifests(s3_client(settings.region), settings.manifest_bucket, run),
        Location(settings.source_bucket, settings.base_path),
        Location(settings.vault_bucket, settings.base_path),
        {"max_batch_objects": settings.batch_objects, "max_batch_bytes": settings.batch_bytes},
    )
    logger.info("vault copy planned at the root", extra=listing)
    return listing
