"""Typed settings, read once from the environment mapping a handler passes to ``from_env``.

template.yaml sets these variables from the stack's parameters; a missing or malformed one
raises :class:`ConfigurationError` naming the variable, before anything touches the domain.
The readers (:func:`read_text`, :func:`read_number`, :func:`read_flag`) and :class:`DomainSettings`
serve every function family; a family's own class lives in its capability's ``settings.py``
(``backup/settings.py``...), the rest here until their capability has one.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlparse

from snapshot_sentinel.errors import ConfigurationError


def read_text(environ: Mapping[str, str], name: str, default: str | None = None) -> str:
    value = environ.get(name, "").strip()
    if value:
        return value
    if default is not None:
        return default
    raise ConfigurationError(f"environment variable {name} is not set; template.yaml sets it")


def read_number(environ: Mapping[str, str], name: str, default: int, minimum: int = 0) -> int:
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigurationError(f"environment variable {name} must be a whole number, got {raw!r}") from None
    if value < minimum:
        raise ConfigurationError(f"environment variable {name} must be at least {minimum}, got {value}")
    return value


def read_flag(environ: Mapping[str, str], name: str) -> bool:
    return environ.get(name, "").strip().lower() in {"1", "true", "yes"}


# The variables several families read, each with its one default and bound.


def read_stack_name(environ: Mapping[str, str]) -> str:
    """STACK_NAME: the stack whose snapshots are managed (the ownership rule reads it)."""
    return read_text(environ, "STACK_NAME", "snapshot-sentinel")


def read_poll_seconds(environ: Mapping[str, str]) -> int:
    """POLL_INTERVAL_SECONDS: the Waits' floor between two checks."""
    return read_number(environ, "POLL_INTERVAL_SECONDS", 60, minimum=1)


def read_max_wait_minutes(environ: Mapping[str, str]) -> int:
    """MAX_WAIT_MINUTES: how long a snapshot or a restore may run before its run gives up and alerts."""
    return read_number(environ, "MAX_WAIT_MINUTES", 480, minimum=1)


def domain_name(endpoint: str, domain_arn: str = "") -> str:
    """A short name for people: the ARN's ``domain/<name>``, else the endpoint's host label."""
    if "domain/" in domain_arn:
        return domain_arn.rsplit("domain/", 1)[1]
    host = urlparse(endpoint).hostname or endpoint
    label = host.split(".", 1)[0]
    match = re.fullmatch(r"(?:search|vpc)-(.+)-[a-z0-9]{26}", label)
    return match.group(1) if match else host


@dataclass(frozen=True)
class DomainSettings:
    endpoint: str
    region: str
    repository: str
    name: str

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> DomainSettings:
        endpoint = read_text(environ, "DOMAIN_ENDPOINT").rstrip("/")
        if urlparse(endpoint).scheme not in ("https", "http") or not urlparse(endpoint).hostname:
            raise ConfigurationError(
                f"DOMAIN_ENDPOINT must be a URL such as https://search-my-domain-....es.amazonaws.com, got {endpoint!r}"
            )
        return cls(
            endpoint=endpoint,
            region=read_text(environ, "AWS_REGION"),
            repository=read_text(environ, "REPOSITORY_NAME"),
            name=domain_name(endpoint, environ.get("DOMAIN_ARN", "")),
        )


def same_endpoint(left: str, right: str) -> bool:
    """Whether two endpoint URLs name the same domain (case and a trailing slash aside)."""
    return left.strip().rstrip("/").lower() == right.strip().rstrip("/").lower()


def drill_domain_settings(source: DomainSettings, environ: Mapping[str, str]) -> DomainSettings:
    """Where drills restore: ``DRILL_DOMAIN_ENDPOINT`` (a scratch domain that holds the repository
    read-only, registered there by the stack), or, when it is empty, the backed-up domain itself."""
    endpoint = environ.get("DRILL_DOMAIN_ENDPOINT", "").strip().rstrip("/")
    if not endpoint:
        return source
    if urlparse(endpoint).scheme not in ("https", "http") or not urlparse(endpoint).hostname:
        raise ConfigurationError(
            "DRILL_DOMAIN_ENDPOINT must be empty or a URL such as https://search-drills-....es.amazonaws.com, "
            f"got {endpoint!r}"
        )
    if same_endpoint(endpoint, source.endpoint):
        raise ConfigurationError(
            "DRILL_DOMAIN_ENDPOINT names the backed-up domain itself; leave DrillDomainEndpoint empty to drill "
            "there, or name a separate scratch domain"
        )
    return DomainSettings(
        endpoint=endpoint,
        region=source.region,
        repository=source.repository,
        name=domain_name(endpoint, environ.get("DRILL_DOMAIN_ARN", "")),
    )
