"""Gather the vault copy's plan: read every listing job's plan, pack the batch files per tier into copy
items, and write one manifest per tier for the tiers' Distributed Maps.

Event: ``{"listing": <Plan the copy's result>}``. The result holds counts and the manifests' keys only
(bounded state), as ``$.plan``. Raises VaultPlanIncompleteError when a listing job wrote no plan.
"""

from __future__ import annotations

import os
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from snapshot_sentinel.observability import logger, tracer
from snapshot_sentinel.vault.input import gather_copy_plan
from snapshot_sentinel.vault.settings import VaultSettings
from snapshot_sentinel.wiring import s3_client


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    settings = VaultSettings.from_env(os.environ)
    logger.append_keys(domain=settings.domain_name, vault=settings.vault_bucket)
    plan = gather_copy_plan(s3_client(settings.region), settings, event)
    logger.info("vault copy planned", extra={"objects": plan["objects"], "batches": plan["batches"]})
    return plan
