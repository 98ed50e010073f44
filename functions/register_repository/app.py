"""Register repository: the SnapshotRepository custom resource (and DrillSnapshotRepository, the same
repository read-only on the drill domain). It registers and verifies the S3 snapshot repository on
deploy and update, leaves it in place on delete, and always answers CloudFormation before its own
timeout."""

from __future__ import annotations

import os
from typing import Any

import requests
from aws_lambda_powertools.utilities.typing import LambdaContext

from snapshot_sentinel.client import DomainClient
from snapshot_sentinel.errors import SentinelError
from snapshot_sentinel.observability import logger, tracer
from snapshot_sentinel.registration import handle_request, registration_domain
from snapshot_sentinel.settings import domain_name
from snapshot_sentinel.wiring import domain_client


def _connect(properties: dict[str, Any]) -> DomainClient:
    """The backed-up domain, or the drill domain for DrillSnapshotRepository (read-only there)."""
    settings = registration_domain(properties, os.environ)
    logger.append_keys(domain=settings.name)
    return domain_client(settings, os.environ)


def _domain_name(properties: dict[str, Any]) -> str:
    """The metrics' domain dimension (NoRecentBackupAlarm, the dashboard), or the drill domain's name
    (the drill functions' IAM scope): the name of the domain this resource registers on."""
    try:
        return registration_domain(properties, os.environ).name
    except SentinelError:  # answered FAILED by handle_request, which names the problem
        return domain_name(os.environ.get("DOMAIN_ENDPOINT", ""), os.environ.get("DOMAIN_ARN", ""))


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    properties = dict(event.get("ResourceProperties") or {})
    return handle_request(
        event,
        connect=lambda: _connect(properties),
        remaining_seconds=lambda: context.get_remaining_time_in_millis() / 1000,
        session=requests.Session(),
        logs_hint=f"Details: CloudWatch Logs {context.log_group_name}, stream {context.log_stream_name}.",
        attributes={"DomainName": _domain_name(properties)},
    )
