"""Copy one item of a tier's manifest into the vault: server-side copies of its batch files' keys, in order.

Event (one item of a tier's manifest, from the Distributed Map): ``{"tier", "batch_keys", "objects",
"bytes", "latest_etag"}``. Returns ``{"objects", "bytes"}``; the map discards it (bounded state).
"""

from __future__ import annotations

import os
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from snapshot_sentinel.observability import logger, tracer
from snapshot_sentinel.vault.input import copy_manifest_item
from snapshot_sentinel.vault.settings import VaultSettings
from snapshot_sentinel.wiring import s3_client


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    settings = VaultSettings.from_env(os.environ)
    logger.append_keys(domain=settings.domain_name, vault=settings.vault_bucket, tier=event.get("tier"))
    copied = copy_manifest_item(s3_client(settings.vault_region), s3_client(settings.region), settings, event)
    logger.info("vault batch copied", extra=copied.to_dict())
    return copied.to_dict()
