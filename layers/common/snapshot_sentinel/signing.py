"""SigV4-signed HTTP sessions for the ``es`` service, from the function's own credentials."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import requests
from requests_aws4auth import AWS4Auth

from snapshot_sentinel.errors import ConfigurationError

SERVICE = "es"


@dataclass(frozen=True)
class Credentials:
    access_key: str
    secret_key: str = field(repr=False)
    session_token: str | None = field(default=None, repr=False)

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Credentials:
        """The Lambda's execution-role credentials, session token included."""
        access_key = environ.get("AWS_ACCESS_KEY_ID", "")
        secret_key = environ.get("AWS_SECRET_ACCESS_KEY", "")
        if not access_key or not secret_key:
            raise ConfigurationError(
                "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set: the function signs "
                "its requests to the domain with its own role's credentials"
            )
        return cls(access_key, secret_key, environ.get("AWS_SESSION_TOKEN") or None)


def signed_session(region: str, credentials: Credentials) -> requests.Session:
    """A session whose every request is signed for ``es`` in ``region``."""
    session = requests.Session()
    session.auth = AWS4Auth(
        credentials.access_key,
        credentials.secret_key,
        region,
        SERVICE,
        session_token=credentials.session_token,
    )
    return session
