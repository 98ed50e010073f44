"""SendAlertFunction's step: one call decides what goes to AlertTopic.

``{"notice": <Ensure repository's result>}`` is the one message a run sends without failing (the
repository was registered again, :mod:`.notice`); any other event is a run that did not succeed,
and gets its alert (:mod:`.lookup` completes the run's facts with what the domain says, unless the
domain is out of the alert function's reach).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from snapshot_sentinel.alerts.facts import Domain
from snapshot_sentinel.alerts.lookup import alert_for
from snapshot_sentinel.alerts.notice import publish_notice, render_registered_again
from snapshot_sentinel.alerts.settings import AlertSettings
from snapshot_sentinel.alerts.sns import publish_alert
from snapshot_sentinel.client import DomainClient
from snapshot_sentinel.observability import logger

if TYPE_CHECKING:
    from mypy_boto3_sns import SNSClient


def send_alert(
    event: Mapping[str, Any],
    settings: AlertSettings,
    *,
    sns: SNSClient,
    connect: Callable[[], DomainClient],
) -> dict[str, Any]:
    """Publish the notice or the alert ``event`` calls for; the result carries ``subject`` and
    ``message_id``, and for an alert the execution's ``error`` and ``cause``.

    ``connect`` is called only when the alert function may read the domain (``reads_domain``).
    Raises AlertNotSentError when SNS refuses the message.
    """
    if "notice" in event:
        notice = render_registered_again(
            event["notice"], execution_arn=str(event.get("execution_id") or ""), region=settings.region
        )
        return publish_notice(sns, settings.topic_arn, notice)
    alert = alert_for(
        event,
        domain=Domain(settings.domain_name, settings.endpoint, settings.repository, settings.region),
        client=connect() if settings.reads_domain else None,
        prefix=settings.prefix,
        stack=settings.stack_name,
    )
    logger.append_keys(
        domain=settings.domain_name,
        repository=settings.repository,
        snapshot=alert.facts["snapshot"],
        execution=alert.facts["execution"]["arn"],
    )
    return publish_alert(sns, settings.topic_arn, alert)
