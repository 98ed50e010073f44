"""The message a run publishes when it registered the repository again: the run goes on, but a
registration does not vanish on its own, and someone should find out why.

Pure: the Ensure repository step's result in (:meth:`snapshot_sentinel.repository.healing.Ensured.to_dict`),
a subject, a text and JSON facts out, published through the one envelope of :mod:`.sns`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from snapshot_sentinel.alerts.console import console_url
from snapshot_sentinel.alerts.facts import SCHEMA_VERSION
from snapshot_sentinel.alerts.json_values import mapping, text
from snapshot_sentinel.alerts.sns import publish, string_attributes
from snapshot_sentinel.alerts.text import safe_subject

if TYPE_CHECKING:
    from mypy_boto3_sns import SNSClient
    from mypy_boto3_sns.type_defs import MessageAttributeValueTypeDef

REGISTERED_AGAIN = "REGISTERED_AGAIN"
KIND = "repository_registered_again"


@dataclass(frozen=True)
class Notice:
    subject: str
    text: str
    facts: dict[str, Any]

    def attributes(self) -> dict[str, MessageAttributeValueTypeDef]:
        """The same filter-policy attributes as every alert (``outcome``, ``domain``, ``repository``) and ``kind``."""
        values = {
            "outcome": REGISTERED_AGAIN,
            "domain": self.facts["domain"],
            "repository": self.facts["repository"],
            "kind": KIND,
        }
        return string_attributes(values)


def render_registered_again(ensured: Mapping[str, Any], *, execution_arn: str, region: str) -> Notice:
    """The notice for one repository the run registered again (on the backed-up or the drill domain)."""
    domain = text(ensured.get("domain")) or "the domain"
    endpoint = text(ensured.get("endpoint"))
    repository = text(ensured.get("repository")) or "the repository"
    location = text(ensured.get("location"))
    settings = mapping(ensured.get("settings"))
    drill = ensured.get("target") == "drill"
    goes_on = "goes on with the drill" if drill else "goes on with tonight's snapshot"
    summary = (
        f"The repository {repository} was not registered on {domain}; this run registered it again, exactly as "
        f"the stack does, and {goes_on}."
    )
    described = ", ".join(
        part
        for part in (
            f"region {settings['region']}" if settings.get("region") else "",
            f"role {settings['role_arn']}" if settings.get("role_arn") else "",
            "server-side encryption" if settings.get("server_side_encryption") else "",
            "read-only" if settings.get("readonly") else "",
        )
        if part
    )
    url = console_url(execution_arn, region) if execution_arn else None
    verified = ensured.get("verified_nodes") or 0
    lines = [
        summary,
        "",
        "What happened",
        f"  Domain:       {domain} ({endpoint})" if endpoint else f"  Domain:       {domain}",
        f"  Repository:   {repository}",
        f"  Registered:   {location} ({described})" if described else f"  Registered:   {location}",
        f"  Verified on:  {verified} node(s)"
        if verified
        else "  Verified:     not confirmed (the domain's answer was lost); the snapshot shows any S3 problem",
        "",
        "Find out why",
        "  A registration does not vanish on its own: someone ran DELETE _snapshot/" + repository + ", or the",
        "  domain was replaced by a new one under the same name (a new domain holds no registrations).",
        "  With fine-grained access control's audit logs on, they name who sent the DELETE.",
        "  The snapshots in the bucket were untouched and are listed again:",
        f"  GET _cat/snapshots/{repository}?v&s=start_epoch",
        "  Nothing else to do now: should the run fail later, its own alert says so.",
        "",
        "Execution",
        f"  {execution_arn or '(not named)'}",
        *([f"  {url}"] if url else []),
    ]
    facts = {
        "schema_version": SCHEMA_VERSION,
        "kind": KIND,
        "outcome": REGISTERED_AGAIN,
        "summary": summary,
        "domain": domain,
        "endpoint": endpoint or None,
        "region": region,
        "repository": repository,
        "location": location or None,
        "target": text(ensured.get("target")) or None,
        "settings": dict(settings) or None,
        "verified_nodes": ensured.get("verified_nodes"),
        "execution": {"arn": execution_arn or None},
        "console_url": url,
    }
    subject = safe_subject(f"[{REGISTERED_AGAIN}] {domain}: repository {repository} registered again")
    return Notice(subject=subject, text="\n".join(lines) + "\n", facts=facts)


def publish_notice(sns: SNSClient, topic_arn: str, notice: Notice) -> dict[str, Any]:
    """Publish ``notice`` through the one envelope; raises AlertNotSentError when SNS refuses."""
    message_id = publish(
        sns,
        topic_arn,
        subject=notice.subject,
        text=notice.text,
        facts=notice.facts,
        attributes=notice.attributes(),
    )
    return {"published": True, "message_id": message_id, "subject": notice.subject, "outcome": REGISTERED_AGAIN}
