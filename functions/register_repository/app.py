"""Register repository: the SnapshotRepository custom resource (and DrillSnapshotRepository, the same
repository read-only on the drill domain). It registers and verifies the S3 snapshot repository on
deploy and update, leaves it in place on delete, and always answers CloudFormation before its own
timeout."""

from __future__ import annotations

import os
from typing import Any

import requests
from aws_lambda_powertools.utilities.typing import LambdaContext

from snapshot_sentinel.observability import logger, tracer
from snapshot_sentinel.repository.custom_resource import serve
from snapshot_sentinel.repository.settings import RegistrationSettings
from snapshot_sentinel.wiring import domain_client


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    settings = RegistrationSettings.from_env(os.environ)
    answer = serve(
        event,
        settings,
        client_for=lambda domain: domain_client(domain, os.environ),
        remaining_seconds=lambda: context.get_remaining_time_in_millis() / 1000,
        session=requests.Session(),
        logs_hint=f"Details: CloudWatch Logs {context.log_group_name}, stream {context.log_stream_name}.",
    )
    logger.info("request served", extra={"status": answer["Status"]})
    return answer
