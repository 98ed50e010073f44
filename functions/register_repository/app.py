"""Register repository: the SnapshotRepository custom resource. It registers and verifies the S3
snapshot repository on deploy and update, leaves it in place on delete, and always answers
CloudFormation before its own timeout."""

from __future__ import annotations

import os
from typing import Any

import requests
from aws_lambda_powertools.utilities.typing import LambdaContext

from snapshot_sentinel.client import DomainClient
from snapshot_sentinel.observability import logger, tracer
from snapshot_sentinel.registration import handle_request
from snapshot_sentinel.settings import DomainSettings, domain_name
from snapshot_sentinel.wiring import domain_client


def _connect() -> DomainClient:
    settings = DomainSettings.from_env(os.environ)
    logger.append_keys(domain=settings.name)
    return domain_client(settings, os.environ)


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return handle_request(
        event,
        connect=_connect,
        remaining_seconds=lambda: context.get_remaining_time_in_millis() / 1000,
        session=requests.Session(),
        logs_hint=f"Details: CloudWatch Logs {context.log_group_name}, stream {context.log_stream_name}.",
        # The metrics' domain dimension, for NoRecentBackupAlarm and the dashboard (same rule as every function).
        attributes={"DomainName": domain_name(os.environ.get("DOMAIN_ENDPOINT", ""), os.environ.get("DOMAIN_ARN", ""))},
    )
