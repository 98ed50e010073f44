"""A client for the snapshot REST API of an Amazon OpenSearch Service domain, and the SigV4-signed
HTTP session it sends through (signed for ``es`` with the function's own credentials).

It speaks every error dialect the service answers in (engine envelope, plain string ``error``,
Amazon's ``{"Message"}``/``{"message"}``, non-JSON gateway bodies) and turns each into one
exception of :mod:`snapshot_sentinel.errors`. It never retries and never sleeps: every request is
sent once, and a transient failure (:data:`snapshot_sentinel.errors.TRANSIENT_ERRORS`) reaches the
caller at once. The state machine's Retry blocks retry the snapshot steps, and repository
registration, which has no state machine, waits in :mod:`snapshot_sentinel.repository.patience`.
"""

from __future__ import annotations

import json
import re
import socket
import ssl
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlparse

import requests
from requests_aws4auth import AWS4Auth

from snapshot_sentinel import errors
from snapshot_sentinel.models import EngineVersion, SnapshotInfo
from snapshot_sentinel.observability import logger

JsonDoc = dict[str, Any]

SERVICE = "es"
"""The AWS service every request to the domain is signed for."""


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
            raise errors.ConfigurationError(
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


_ENGINE_TYPES: dict[str, type[errors.DomainError]] = {
    "repository_missing_exception": errors.RepositoryMissingError,
    "snapshot_missing_exception": errors.SnapshotMissingError,
    "concurrent_snapshot_execution_exception": errors.ConcurrentSnapshotError,
    "es_rejected_execution_exception": errors.ThrottledError,
    "rejected_execution_exception": errors.ThrottledError,
    "process_cluster_event_timeout_exception": errors.DomainUnavailableError,
    "master_not_discovered_exception": errors.DomainUnavailableError,
    "cluster_manager_not_discovered_exception": errors.DomainUnavailableError,
    "security_exception": errors.AuthorizationError,
    "repository_verification_exception": errors.RepositoryVerificationError,
    "snapshot_restore_exception": errors.RestoreRefusedError,
    "invalid_index_name_exception": errors.RestoreRefusedError,
    "index_not_found_exception": errors.IndexMissingError,
}


def _innermost_cause(error: JsonDoc) -> JsonDoc:
    cause = error
    while isinstance(cause.get("caused_by"), dict):
        cause = cause["caused_by"]
    return cause


def _engine_error(status: int, error: JsonDoc) -> errors.DomainError:
    error_type = str(error.get("type", ""))
    reason = str(error.get("reason", "")) or error_type
    cause = _innermost_cause(error)
    if cause is not error and cause.get("reason"):
        reason = f"{reason}; caused by {cause.get('type', 'error')}: {cause['reason']}"
    cls: type[errors.DomainError]
    if error_type == "invalid_snapshot_name_exception":
        already = "already exists" in reason or "already in-progress" in reason
        cls = errors.SnapshotAlreadyExistsError if already else errors.InvalidSnapshotNameError
    elif error_type == "illegal_state_exception" and "currently used" in reason:
        cls = errors.RepositoryInUseError
    elif error_type == "snapshot_exception" and "don't have primary shards" in reason:
        cls = errors.PrimaryShardsUnallocatedError
    elif "maximum shards open" in reason:
        cls = errors.ShardLimitError
    else:
        cls = _ENGINE_TYPES.get(error_type) or _class_for_status(status)
    return cls(reason, status=status, error_type=error_type)


def _class_for_status(status: int) -> type[errors.DomainError]:
    if status == 429:
        return errors.ThrottledError
    if status in (401, 403):
        return errors.AuthorizationError
    if status == 504:
        return errors.GatewayTimeoutError
    if status in (502, 503):
        return errors.DomainUnavailableError
    return errors.DomainRequestError


def error_from_response(status: int, body: bytes) -> errors.DomainError:
    """Map any error answer of the service to the exception the workflow must act on."""
    text = body.decode("utf-8", "replace").strip()
    try:
        doc = json.loads(text) if text else None
    except ValueError:
        doc = None
    if isinstance(doc, dict):
        error = doc.get("error")
        if isinstance(error, dict):
            return _engine_error(status, error)
        if isinstance(error, str):
            return _class_for_status(status)(error, status=status)
        message = doc.get("Message", doc.get("message"))
        if isinstance(message, str):
            if "throttled" in message.lower():
                return errors.ThrottledError(message, status=status)
            return _class_for_status(status)(message, status=status)
    if status == 403 and "throttled" in text.lower():
        return errors.ThrottledError(text[:300], status=status)
    summary = text[:300] if text and not text.startswith("<") else f"HTTP {status} from the gateway"
    return _class_for_status(status)(summary, status=status)


def _chain(exc: BaseException) -> Iterable[BaseException]:
    """``exc`` and every exception behind it: causes, contexts and urllib3's ``reason``."""
    seen: set[int] = set()
    pending: list[BaseException] = [exc]
    while pending:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        behind = [current.__cause__, current.__context__, getattr(current, "reason", None)]
        behind += [arg for arg in current.args if isinstance(arg, BaseException)]
        pending.extend(item for item in behind if isinstance(item, BaseException))


def connection_error(exc: requests.ConnectionError, endpoint: str, method: str, path: str) -> errors.DomainError:
    """Name the real fault behind a failed connection: DNS, refused, TLS, or a plain lost connection."""
    parsed = urlparse(endpoint)
    host = parsed.hostname or endpoint
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    chain = list(_chain(exc))
    names = {type(item).__name__ for item in chain}
    if any(isinstance(item, socket.gaierror) for item in chain) or "NameResolutionError" in names:
        return errors.EndpointNotResolvedError(
            f"the name {host} does not resolve (DNS): check DomainEndpoint for a typo or a deleted domain; a VPC "
            "domain's name resolves only inside its VPC (set SubnetIds and SecurityGroupIds)"
        )
    if isinstance(exc, requests.exceptions.SSLError) or any(isinstance(item, ssl.SSLError) for item in chain):
        detail = next((str(item) for item in chain if isinstance(item, ssl.SSLError)), "")
        reason = re.sub(r"\s*\(_ssl\.c:\d+\)", "", detail.split("] ", 1)[-1]).strip(" ()") or type(exc).__name__
        return errors.EndpointTlsError(
            f"the TLS handshake with {host}:{port} failed ({reason[:200]}): check DomainEndpoint's scheme "
            "(https:// for Amazon OpenSearch Service) and the certificate of any proxy or custom endpoint in front"
        )
    if any(isinstance(item, ConnectionRefusedError) for item in chain):
        return errors.EndpointRefusedError(
            f"{host}:{port} refused the connection during {method} {path}: nothing listens there; check "
            "DomainEndpoint's scheme and port (Amazon OpenSearch Service answers on 443 only) and any proxy in front"
        )
    return errors.DomainConnectionError(f"connection to the domain failed during {method} {path}: {type(exc).__name__}")


def not_api_error(response: requests.Response, method: str, path: str) -> errors.EndpointNotApiError:
    """A 2xx answer whose body is not the domain's JSON: say what answered instead."""
    content_type = response.headers.get("Content-Type", "").split(";", 1)[0].strip() or "no content type"
    text = response.content[:2000].decode("utf-8", "replace")
    title = re.search(r"<title[^>]*>([^<]{1,120})</title>", text, re.IGNORECASE)
    is_html = "html" in content_type or text.lstrip().startswith("<")
    what = "HTML" if is_html else f"{content_type} (not JSON)"
    said = f" titled {title.group(1).strip()!r}" if title else ""
    return errors.EndpointNotApiError(
        f"the endpoint answered {what}, not the domain's API: check DomainEndpoint and any proxy in front "
        f"({method} {path} returned {response.status_code} {content_type}{said})",
        status=response.status_code,
    )


def _path(*segments: str) -> str:
    return "/" + "/".join(quote(segment, safe=",*") for segment in segments)


class DomainClient:
    """The snapshot API of one domain, over an injected (signed) ``requests.Session``."""

    def __init__(
        self,
        endpoint: str,
        session: requests.Session,
        *,
        connect_timeout: float = 5.0,
        read_timeout: float = 50.0,
    ) -> None:
        self.endpoint = endpoint.rstrip("/")
        self._session = session
        self._timeout = (connect_timeout, read_timeout)

    def request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, str] | None = None,
        body: JsonDoc | None = None,
    ) -> Any:
        """One HTTP exchange; the parsed JSON body on 2xx, a DomainError otherwise."""
        data = json.dumps(body).encode() if body is not None else None
        headers = {"Content-Type": "application/json"} if data is not None else {}
        try:
            response = self._session.request(
                method,
                self.endpoint + path,
                params=params,
                data=data,
                headers=headers,
                timeout=self._timeout,
            )
        except requests.Timeout as exc:
            raise errors.GatewayTimeoutError(f"no response to {method} {path} in time") from exc
        except requests.ConnectionError as exc:
            raise connection_error(exc, self.endpoint, method, path) from exc
        logger.debug("domain answered", extra={"method": method, "path": path, "status": response.status_code})
        if response.status_code >= 300:
            raise error_from_response(response.status_code, response.content)
        if not response.content:
            return {}
        try:
            return json.loads(response.content)
        except ValueError as exc:
            raise not_api_error(response, method, path) from exc

    def read(self, path: str, params: dict[str, str] | None = None, body: JsonDoc | None = None) -> Any:
        """An idempotent GET, sent once (the caller's state machine retries transient errors)."""
        return self._read(path, params, body)

    def _read(self, path: str, params: dict[str, str] | None = None, body: JsonDoc | None = None) -> Any:
        return self.request("GET", path, params=params, body=body)

    def engine_version(self) -> EngineVersion:
        return EngineVersion.from_api(self._read("/"))

    def get_repository(self, repository: str) -> JsonDoc | None:
        """The repository's registration (type and settings), or None when not registered."""
        try:
            doc = self._read(_path("_snapshot", repository))
        except errors.RepositoryMissingError:
            return None
        registration: JsonDoc | None = doc.get(repository)
        return registration

    def put_repository(self, repository: str, registration: JsonDoc, *, verify: bool = True) -> None:
        self.request(
            "PUT",
            _path("_snapshot", repository),
            params={"verify": str(verify).lower()},
            body=registration,
        )

    def verify_repository(self, repository: str) -> JsonDoc:
        result: JsonDoc = self.request("POST", _path("_snapshot", repository, "_verify"))
        return result

    def create_snapshot(self, repository: str, name: str, body: JsonDoc) -> None:
        """Start a snapshot and return once the domain accepted it (never waits for it)."""
        self.request(
            "PUT",
            _path("_snapshot", repository, name),
            params={"wait_for_completion": "false"},
            body=body,
        )

    def get_snapshot(self, repository: str, name: str) -> SnapshotInfo:
        doc = self._read(_path("_snapshot", repository, name))
        snapshots = doc.get("snapshots") or []
        if not snapshots:
            raise errors.SnapshotMissingError(f"[{repository}:{name}] is missing", status=404)
        return SnapshotInfo.from_api(snapshots[0])

    def snapshot_status(self, repository: str, name: str) -> JsonDoc:
        """``GET _snapshot/<repo>/<name>/_status``, trimmed by ``filter_path`` to the totals (the
        per-index and per-shard detail of a large domain runs to megabytes)."""
        params = {
            "filter_path": "snapshots.snapshot,snapshots.state,snapshots.shards_stats,snapshots.stats",
        }
        doc = self._read(_path("_snapshot", repository, name, "_status"), params)
        for entry in doc.get("snapshots") or []:
            if entry.get("snapshot") == name:
                return dict(entry)
        raise errors.SnapshotMissingError(f"[{repository}:{name}] has no status", status=404)

    def find_snapshot(self, repository: str, name: str) -> SnapshotInfo | None:
        try:
            return self.get_snapshot(repository, name)
        except errors.SnapshotMissingError:
            return None

    def list_snapshots(self, repository: str, pattern: str = "_all") -> list[SnapshotInfo]:
        """Every snapshot matching ``pattern``, oldest first; an unmatched wildcard is empty."""
        params = {
            "ignore_unavailable": "true",
            "filter_path": "snapshots.snapshot,snapshots.uuid,snapshots.state,"
            "snapshots.start_time_in_millis,snapshots.metadata,snapshots.version_id",
        }
        try:
            doc = self._read(_path("_snapshot", repository, pattern), params)
        except errors.SnapshotMissingError:
            return []
        return [SnapshotInfo.from_api(item) for item in doc.get("snapshots") or []]

    def delete_snapshots(self, repository: str, names: Iterable[str]) -> None:
        """Delete the named snapshots in one request (comma list: OpenSearch or ES 7.8+)."""
        joined = ",".join(names)
        if not joined:
            return
        self.request("DELETE", _path("_snapshot", repository, joined))
