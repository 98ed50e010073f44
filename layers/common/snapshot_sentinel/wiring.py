"""Builds the real collaborators a handler injects into the domain code."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

from snapshot_sentinel.client import Credentials, DomainClient, signed_session
from snapshot_sentinel.settings import DomainSettings


@cache
def aws_client(service: str, region: str) -> Any:
    """One boto3 client per service and region per warm container, created on first use, never at
    import; boto3 itself is imported here too, so the snapshot handlers that import this module
    never load it (their cold start, tests/bench/bench_cold_start.py)."""
    import boto3

    return boto3.client(service, region_name=region)


def domain_client(settings: DomainSettings, environ: Mapping[str, str]) -> DomainClient:
    """A client signed with the function's own role credentials (session token included)."""
    session = signed_session(settings.region, Credentials.from_env(environ))
    return DomainClient(settings.endpoint, session)


def alert_domain_client(settings: DomainSettings, environ: Mapping[str, str]) -> DomainClient:
    """A client for the alert's own reads: short timeouts (and, like every client, no retries), so a
    domain that does not answer delays the alert by seconds, never by the Lambda's timeout."""
    session = signed_session(settings.region, Credentials.from_env(environ))
    return DomainClient(settings.endpoint, session, connect_timeout=3.0, read_timeout=20.0)
