"""SigV4 verification the way Amazon's front end for ``es`` does it, recomputed with botocore.

The canonical request is rebuilt from the exact bytes received:

* path: the request target's path *as sent* (percent escapes kept), URI-encoded once more with
  ``/`` and ``~`` safe. That is the "double encoding" AWS applies to every service but S3, and it is
  what both botocore (``SigV4Auth._normalize_url_path``) and requests-aws4auth (``amz_cano_path``)
  compute: a literal ``,`` or ``*`` on the wire signs as ``%2C``/``%2A``, a ``%3C`` as ``%253C``.
* query: each name and value percent-decoded, then strictly re-encoded (only ``-_.~`` and
  alphanumerics left bare) and sorted. Amazon decodes first (an already-encoded ``%3D`` must not
  become ``%253D``, awscurl#216) and requires ``,`` to be encoded (awscurl#138); requests-aws4auth
  does the same. botocore only does it when given ``params``, which is why the emulator passes the
  decoded pairs instead of the raw query (botocore's URL mode keeps the query as sent, for URLs
  botocore built itself). ``+`` is decoded as a space, as requests-aws4auth does.
* headers: exactly those listed in ``SignedHeaders``, with the values received.
* payload: SHA-256 of the body received.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import unquote_plus

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from tests.emulator.responses import amazon_error

SERVICE = "es"
ALGORITHM = "AWS4-HMAC-SHA256"
MAX_SKEW = timedelta(minutes=5)

_AUTH_FIELD = re.compile(r"(Credential|SignedHeaders|Signature)=([^,\s]+)")
_SIGNATURE_MISMATCH = (
    "The request signature we calculated does not match the signature you provided. Check your AWS Secret "
    "Access Key and signing method. Consult the service documentation for details."
)
INVALID_TOKEN = "The security token included in the request is invalid."


@dataclass(frozen=True)
class EmulatorCredentials:
    """The one identity the emulated domain trusts (its IAM policy allows exactly this caller)."""

    access_key: str
    secret_key: str = field(repr=False)
    session_token: str | None = field(default=None, repr=False)

    @classmethod
    def testing(cls) -> EmulatorCredentials:
        """Fixed fake session credentials, the shape a Lambda role's credentials have."""
        return cls(
            access_key="ASIAEMULATOREXAMPLE01",
            secret_key="emulator/secret/key/wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLE",
            session_token="IQoJb3JpZ2luX2VjEmulatorSessionTokenEXAMPLE//////////wEaCXVzLWVhc3QtMSJH",
        )

    def as_environment(self) -> dict[str, str]:
        """The variables a Lambda (or ``aws``/``awscurl``) reads its credentials from."""
        environment = {"AWS_ACCESS_KEY_ID": self.access_key, "AWS_SECRET_ACCESS_KEY": self.secret_key}
        if self.session_token:
            environment["AWS_SESSION_TOKEN"] = self.session_token
        return environment


def action_name(method: str) -> str:
    """The IAM action a request needs: ``es:ESHttpGet`` and friends."""
    return "es:ESHttp" + method.capitalize()


def _query_pairs(raw_query: str) -> list[tuple[str, str]]:
    pairs = []
    for item in raw_query.split("&"):
        if not item:
            continue
        name, _, value = item.partition("=")
        pairs.append((unquote_plus(name), unquote_plus(value)))
    return pairs


def verify(
    credentials: EmulatorCredentials,
    region: str,
    *,
    method: str,
    target: str,
    headers: Mapping[str, str],
    body: bytes,
    now: datetime | None = None,
) -> None:
    """Accept the request or raise the ApiError Amazon's front end would answer with.

    ``target`` is the raw request target (path and query exactly as received) and ``headers``
    a case-insensitive view of the received headers.
    """
    lowered = {name.lower(): value for name, value in headers.items()}
    authorization = lowered.get("authorization", "")
    if not authorization:
        raise amazon_error(403, f"User: anonymous is not authorized to perform: {action_name(method)}", key="Message")
    algorithm, _, rest = authorization.partition(" ")
    fields = dict(_AUTH_FIELD.findall(rest))
    if algorithm != ALGORITHM:
        raise amazon_error(403, f"Authorization header requires '{ALGORITHM}' as its algorithm.")
    for required in ("Credential", "SignedHeaders", "Signature"):
        if required not in fields:
            raise amazon_error(
                403, f"Authorization header requires '{required}' parameter. Authorization={authorization}"
            )
    amz_date = lowered.get("x-amz-date", "")
    if not amz_date:
        raise amazon_error(
            403,
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. "
            f"Authorization={authorization}",
        )
    scope = fields["Credential"].split("/")
    if len(scope) != 5 or scope[4] != "aws4_request":
        raise amazon_error(
            403, f"Credential should be scoped with a valid terminator: 'aws4_request', not '{scope[-1]}'. "
        )
    access_key, scope_date, scope_region, scope_service, _ = scope

    if access_key != credentials.access_key:
        raise amazon_error(403, INVALID_TOKEN)
    token = lowered.get("x-amz-security-token")
    if token != credentials.session_token:
        raise amazon_error(403, INVALID_TOKEN)
    if scope_date != amz_date[:8]:
        raise amazon_error(
            403,
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: "
            f"'{scope_date}' != '{amz_date[:8]}', from '{amz_date}'.",
        )
    if scope_region != region:
        raise amazon_error(403, f"Credential should be scoped to a valid region, not '{scope_region}'. ")
    if scope_service != SERVICE:
        raise amazon_error(403, f"Credential should be scoped to correct service: '{SERVICE}'. ")
    _check_clock_skew(amz_date, now or datetime.now(UTC))

    signed_headers = fields["SignedHeaders"].split(";")
    if "host" not in signed_headers:
        raise amazon_error(403, "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.")
    body_hash = hashlib.sha256(body).hexdigest()
    declared_hash = lowered.get("x-amz-content-sha256")
    if declared_hash not in (None, body_hash, "UNSIGNED-PAYLOAD"):
        raise amazon_error(403, "The provided 'x-amz-content-sha256' header does not match what was computed.")

    path, _, raw_query = target.partition("?")
    request = AWSRequest(
        method=method,
        url="http://" + lowered.get("host", "") + path,
        headers={name: lowered.get(name, "") for name in signed_headers},
        data=body,
        params=_query_pairs(raw_query),
    )
    request.context["timestamp"] = amz_date
    signer = SigV4Auth(Credentials(credentials.access_key, credentials.secret_key), SERVICE, region)
    canonical_request = signer.canonical_request(request)
    string_to_sign = signer.string_to_sign(request, canonical_request)
    expected = signer.signature(string_to_sign, request)
    if not hmac.compare_digest(expected, fields["Signature"]):
        raise amazon_error(
            403,
            f"{_SIGNATURE_MISMATCH}\n\nThe Canonical String for this request should have been\n'{canonical_request}'"
            f"\n\nThe String-to-Sign should have been\n'{string_to_sign}'\n",
        )


def _check_clock_skew(amz_date: str, now: datetime) -> None:
    try:
        signed_at = datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    except ValueError:
        raise amazon_error(
            403, f"Date must be in ISO-8601 'basic format'. Got '{amz_date}'. See http://en.wikipedia.org/wiki/ISO_8601"
        ) from None
    stamp = "%Y%m%dT%H%M%SZ"
    if signed_at < now - MAX_SKEW:
        raise amazon_error(
            403,
            f"Signature expired: {amz_date} is now earlier than {(now - MAX_SKEW).strftime(stamp)} "
            f"({now.strftime(stamp)} - 5 min.)",
        )
    if signed_at > now + MAX_SKEW:
        raise amazon_error(
            403,
            f"Signature not yet current: {amz_date} is still later than {(now + MAX_SKEW).strftime(stamp)} "
            f"({now.strftime(stamp)} + 5 min.)",
        )
