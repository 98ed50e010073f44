"""Publish the alert of a vault copy that failed to AlertTopic, through the one ``Publish`` and envelope
of :mod:`snapshot_sentinel.alerts.sns`; a publish that fails raises AlertNotSentError."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from snapshot_sentinel.alerts.sns import publish, string_attributes
from snapshot_sentinel.vault.report import VaultCopyAlert, render_copy_failure
from snapshot_sentinel.vault.steps import Location

if TYPE_CHECKING:
    from mypy_boto3_sns import SNSClient


def s3_location(location: Location) -> str:
    return f"s3://{location.bucket}/{location.base_path.strip('/')}".rstrip("/")


def alert_copy_failure(
    sns: SNSClient,
    topic_arn: str,
    event: Mapping[str, Any],
    *,
    domain: str,
    region: str,
    source: Location,
    vault: Location,
    vault_region: str,
) -> tuple[VaultCopyAlert, dict[str, Any]]:
    """Render and publish the alert of the failed copy in ``event`` (``run``: the state at the Catch,
    ``execution_id``); the alert and the step's output (what the Fail state reads, and the message id)."""
    run = {**(event.get("run") or {}), "execution_id": event.get("execution_id")}
    alert = render_copy_failure(
        run,
        domain=domain,
        region=region,
        repository=s3_location(source),
        vault=s3_location(vault),
        vault_region=vault_region,
    )
    message_id = publish(
        sns,
        topic_arn,
        subject=alert.subject,
        text=alert.text,
        facts=alert.facts,
        attributes=string_attributes(alert.attribute_values()),
    )
    result = {
        "published": True,
        "message_id": message_id,
        "subject": alert.subject,
        "error": alert.error,
        "cause": alert.cause,
    }
    return alert, result
