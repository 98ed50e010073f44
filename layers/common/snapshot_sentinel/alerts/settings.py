"""The alert functions' settings (send_alert, last_resort_alert, and the restore, drill and vault reports):
the topic, the domain the alert names, and whether the function may read the domain at all."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from snapshot_sentinel.settings import DomainSettings, read_stack_name, read_text


@dataclass(frozen=True)
class AlertSettings:
    topic_arn: str
    domain_name: str
    endpoint: str
    repository: str
    region: str
    domain: DomainSettings
    prefix: str
    stack_name: str
    reads_domain: bool
    """False when the domain is in a VPC: the alert function runs outside it (template.yaml)."""

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> AlertSettings:
        domain = DomainSettings.from_env(environ)
        return cls(
            topic_arn=read_text(environ, "ALERT_TOPIC_ARN"),
            domain_name=domain.name,
            endpoint=domain.endpoint,
            repository=domain.repository,
            region=domain.region,
            domain=domain,
            prefix=read_text(environ, "SNAPSHOT_PREFIX", "nightly"),
            stack_name=read_stack_name(environ),
            reads_domain=environ.get("ALERT_READS_DOMAIN", "true").strip().lower() != "false",
        )
