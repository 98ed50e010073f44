"""Builds the real collaborators a handler injects into the domain code."""

from __future__ import annotations

from collections.abc import Mapping

from snapshot_sentinel.client import DomainClient
from snapshot_sentinel.settings import DomainSettings
from snapshot_sentinel.signing import Credentials, signed_session


def domain_client(settings: DomainSettings, environ: Mapping[str, str]) -> DomainClient:
    """A client signed with the function's own role credentials (session token included)."""
    session = signed_session(settings.region, Credentials.from_env(environ))
    return DomainClient(settings.endpoint, session)
