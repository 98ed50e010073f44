"""Copy one item of a tier's manifest into the vault: server-side copies of its batch files' keys, in order.

Event (one item of a tier's manifest, from the Distributed Map): ``{"tier", "batch_keys", "objects",
"bytes", "latest_etag"}``. Returns ``{"objects", "bytes"}``; the map discards it (bounded state).
"""

from __future__ import annotations

import os
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from snapshot_sentinel.errors import InvalidInputError
from snapshot_sentinel.observability import logger, tracer
from snapshot_sentinel.vault.settings import VaultSettings
from snapshot_sentinel.vault.steps import Location, copy_item
from snapshot_sentinel.wiring import s3_client


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    settings = VaultSettings.from_env(os.environ)
    batch_keys = event.get("batch_keys")
    if not isinstance(batch_keys, list) or not batch_keys:
        raise InvalidInputError(f"expected a manifest item {{'batch_keys': [...]}}, got {event!r}")
    logger.append_keys(domain=settings.domain_name, vault=settings.vault_bucket, tier=event.get("tier"))
    copied = copy_item(
        s3_client(settings.vault_region),
        s3_client(settings.region),
        settings.manifest_bucket,
        Location(settings.source_bucket, settings.base_path),
        Location(settings.vault_bucket, settings.base_path),
        [str(k) for k in batch_keys],
        latest_etag=str(event.get("latest_etag") or ""),
    )
    logger.info("vault batch copied", extra=copied.to_dict())
    return copied.to_dict()
