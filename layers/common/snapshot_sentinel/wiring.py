"""Builds the real collaborators a handler injects into the domain code.

One factory per AWS service the stack calls, each typed with that service's client from the boto3
stubs (``mypy_boto3_*``, dev dependencies only), so mypy checks every call's operation, parameters and
result. The stubs are imported for the type checker alone: the Lambda runtime never needs them.

Each factory builds one client per region per warm container, on first use, never at import; boto3
itself is imported there too, so the snapshot handlers that import this module never load it (their
cold start, tests/bench/bench_cold_start.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import TYPE_CHECKING

from snapshot_sentinel.client import Credentials, DomainClient, signed_session
from snapshot_sentinel.settings import DomainSettings

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_sns import SNSClient
    from mypy_boto3_stepfunctions import SFNClient


@cache
def s3_client(region: str) -> S3Client:
    import boto3

    return boto3.client("s3", region_name=region)


@cache
def sns_client(region: str) -> SNSClient:
    import boto3

    return boto3.client("sns", region_name=region)


@cache
def dynamodb_client(region: str) -> DynamoDBClient:
    import boto3

    return boto3.client("dynamodb", region_name=region)


@cache
def stepfunctions_client(region: str) -> SFNClient:
    import boto3

    return boto3.client("stepfunctions", region_name=region)


def other_domain_client(
    settings: DomainSettings, than: DomainSettings, environ: Mapping[str, str]
) -> DomainClient | None:
    """A client for ``settings`` when it is another domain than ``than`` (a drill on a drill domain reads
    both), else None: the one client of ``than`` serves both."""
    return None if settings == than else domain_client(settings, environ)


def domain_client(settings: DomainSettings, environ: Mapping[str, str]) -> DomainClient:
    """A client signed with the function's own role credentials (session token included)."""
    session = signed_session(settings.region, Credentials.from_env(environ))
    return DomainClient(settings.endpoint, session)


def alert_domain_client(settings: DomainSettings, environ: Mapping[str, str]) -> DomainClient:
    """A client for the alert's own reads: short timeouts (and, like every client, no retries), so a
    domain that does not answer delays the alert by seconds, never by the Lambda's timeout."""
    session = signed_session(settings.region, Credentials.from_env(environ))
    return DomainClient(settings.endpoint, session, connect_timeout=3.0, read_timeout=20.0)
