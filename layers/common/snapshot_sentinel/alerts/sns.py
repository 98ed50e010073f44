"""The alert in SNS's shape, within SNS's limits, and the one ``Publish`` of the codebase.

Every message AlertTopic carries (the backup alert, the registered-again notice, the restore and
drill reports, the last-resort alert) goes through :func:`publish`, in the one :func:`envelope`,
with attributes from :func:`string_attributes`.

SNS refuses subjects of 100 characters or more, with line breaks or control characters, and
messages over 256 KB. The message carries the facts twice (the JSON ``default`` and the email's
appendix, one compact line after a separator) besides the text, so :func:`render_alert` lists
as many shard failures as fit (every one, when they do) and ends the list with "and N more" and
the command that shows them all.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from snapshot_sentinel.alerts.facts import SCHEMA_VERSION, Domain, DomainRead, Failure
from snapshot_sentinel.alerts.input import read_facts
from snapshot_sentinel.alerts.text import Alert, render
from snapshot_sentinel.errors import AlertNotSentError

if TYPE_CHECKING:
    from mypy_boto3_sns import SNSClient
    from mypy_boto3_sns.type_defs import MessageAttributeValueTypeDef

SNS_MESSAGE_MAX_BYTES = 262_144
MESSAGE_BUDGET_BYTES = 240_000
"""What our message may use of SNS's 256 KB, leaving room for the subject and attributes."""

FACTS_SEPARATOR = f"----- machine-readable facts (JSON, schema_version {SCHEMA_VERSION}) -----"
UNVERSIONED_FACTS_SEPARATOR = "----- machine-readable facts (JSON) -----"
"""The separator of facts that carry no ``schema_version`` (the restore and drill reports)."""
ATTRIBUTE_VALUE_MAX_CHARS = 256


def render_alert(
    event: Any,
    *,
    domain_name: str,
    endpoint: str,
    repository: str,
    region: str,
    found: DomainRead | None = None,
) -> Alert:
    """The alert for one run that did not succeed; never raises, whatever ``event`` holds.

    ``found`` is what the alert function read from the domain itself (every failure of the
    snapshot, the latest full backup); without it the alert uses the run's bounded record.
    """
    domain = Domain(domain_name or "unknown-domain", endpoint, repository, region)
    facts = read_facts(event, domain, found)
    most = _most_that_could_fit(facts.failures)
    alert = render(facts, most)
    if _fits(alert):
        return alert
    fits, too_many = 0, most
    while too_many - fits > 1:
        middle = (fits + too_many) // 2
        if _fits(render(facts, middle)):
            fits = middle
        else:
            too_many = middle
    return render(facts, fits)


def _most_that_could_fit(failures: Sequence[Failure]) -> int:
    """An upper bound of the failures one message can list: each is in it at least twice (the
    JSON ``default`` and the email's appendix), so rendering never starts from 20,000 of them."""
    used = 0
    for count, failure in enumerate(failures):
        used += 2 * len(json.dumps(failure.to_dict(), ensure_ascii=False, separators=(",", ":")).encode())
        if used > MESSAGE_BUDGET_BYTES:
            return count
    return len(failures)


def _fits(alert: Alert) -> bool:
    return len(sns_message(alert).encode()) <= MESSAGE_BUDGET_BYTES


def sns_message(alert: Alert) -> str:
    """The ``Message`` of ``sns.publish(MessageStructure="json")`` for one alert (see :func:`envelope`)."""
    return envelope(alert.subject, alert.text, alert.facts)


def envelope(subject: str, text: str, facts: Mapping[str, Any]) -> str:
    """The one message envelope of AlertTopic, for ``sns.publish(MessageStructure="json")``.

    ``email`` subscribers get the text with the facts appended under a separator; every other
    protocol (``email-json``, ``sqs``, ``lambda``, ``http``/``https``, ``firehose``) falls back to
    ``default``, the JSON facts. ``sms`` gets the subject alone. Listing the machine protocols
    one by one would only repeat the facts and eat into the 256 KB limit.
    """
    facts_json = json.dumps(facts, ensure_ascii=False, separators=(",", ":"))
    email = f"{text.rstrip()}\n\n{facts_separator(facts)}\n{facts_json}\n"
    return json.dumps({"default": facts_json, "email": email, "sms": subject}, ensure_ascii=False)


def facts_separator(facts: Mapping[str, Any]) -> str:
    """The line between the email's text and its facts; it names the facts' ``schema_version``."""
    version = facts.get("schema_version")
    if version is None:
        return UNVERSIONED_FACTS_SEPARATOR
    return f"----- machine-readable facts (JSON, schema_version {version}) -----"


def string_attributes(values: Mapping[str, Any]) -> dict[str, MessageAttributeValueTypeDef]:
    """SNS message attributes for subscription filter policies; empty values are left out."""
    return {
        name: {"DataType": "String", "StringValue": value[:ATTRIBUTE_VALUE_MAX_CHARS]}
        for name, value in values.items()
        if isinstance(value, str) and value.strip()
    }


def message_attributes(alert: Alert) -> dict[str, MessageAttributeValueTypeDef]:
    """SNS message attributes for subscription filter policies (``{"outcome": ["PARTIAL"]}``)."""
    return string_attributes(
        {
            "outcome": alert.facts.get("outcome"),
            "domain": alert.facts.get("domain"),
            "repository": alert.facts.get("repository"),
        }
    )


def publish_alert(sns: SNSClient, topic_arn: str, alert: Alert) -> dict[str, Any]:
    """Publish ``alert``; the result carries the execution's ``error`` and ``cause``.

    A publish that fails raises :class:`AlertNotSentError`: the state machine retries it, then
    ends the execution with that error, so the failure is never reported as an alert that went out.
    """
    message_id = publish(
        sns,
        topic_arn,
        subject=alert.subject,
        text=alert.text,
        facts=alert.facts,
        attributes=message_attributes(alert),
    )
    return {
        "published": True,
        "message_id": message_id,
        "subject": alert.subject,
        "outcome": alert.facts["outcome"],
        "error": alert.error,
        "cause": alert.cause,
    }


def publish(
    sns: SNSClient,
    topic_arn: str,
    *,
    subject: str,
    text: str,
    facts: Mapping[str, Any],
    attributes: Mapping[str, MessageAttributeValueTypeDef],
) -> str:
    """The one ``Publish`` to AlertTopic, in the one :func:`envelope`; its message id.

    Raises :class:`AlertNotSentError`: the state machine retries it, then ends the execution with it.
    """
    try:
        response = sns.publish(
            TopicArn=topic_arn,
            Subject=subject,
            Message=envelope(subject, text, facts),
            MessageStructure="json",
            MessageAttributes=dict(attributes),
        )
    except Exception as exc:
        raise AlertNotSentError(
            f"the alert '{subject}' could not be published to {topic_arn}: {type(exc).__name__}: {exc}"
        ) from exc
    return str(response["MessageId"])
