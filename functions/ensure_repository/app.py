"""Ensure repository: before a run uses the repository, make sure the domain holds it; when it is
gone (unregistered by hand, or a replaced domain), register it again exactly as the stack's
SnapshotRepository resource does. ``{"domain": "drill"}`` looks at the drill domain, read-only."""

from __future__ import annotations

import os
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from snapshot_sentinel.observability import logger, tracer
from snapshot_sentinel.repository.healing import ensure_registered
from snapshot_sentinel.repository.settings import HealSettings
from snapshot_sentinel.wiring import domain_client


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    settings = HealSettings.for_event(os.environ, event)
    logger.append_keys(domain=settings.domain.name, repository=settings.registration.repository)
    ensured = ensure_registered(domain_client(settings.domain, os.environ), settings)
    logger.info(
        "repository registered",
        extra={"registered_again": ensured.registered_again, "verified_nodes": ensured.verified_nodes},
    )
    return ensured.to_dict()
