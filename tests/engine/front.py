"""Amazon's front in front of the real engine: the emulator's front end (SigV4, Amazon's refusals, the
injected faults, the request log) with a proxy to a running OpenSearch where the emulator has its router.

Amazon's manual snapshot repositories are ``s3`` (bucket, base_path, role_arn). The engine here has no
S3, so a registration of type ``s3`` is sent to the engine as type ``fs`` at
``<path.repo>/<bucket>/<base_path>``: one location per bucket and base path, so two domains, or a drill
domain, registering the same bucket share their snapshots as they do on AWS. Reading a repository
back shows it as Amazon does: type ``s3`` with the settings it was registered with.
"""

from __future__ import annotations

import http.client
import json
import threading
from collections.abc import Callable, Mapping
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import unquote

from tests.emulator.engine.snapshots import CONCURRENT_LIMIT
from tests.emulator.frontend import FrontEnd
from tests.emulator.model import Fault, RecordedRequest
from tests.emulator.responses import (
    SERVICE_UNAVAILABLE_BODY,
    ApiError,
    Reply,
    cause,
    engine_error,
)
from tests.emulator.routing import json_or_none, parse_query
from tests.emulator.sigv4 import EmulatorCredentials

# Settings of Amazon's s3 repository type that mean nothing to an fs location.
S3_ONLY_SETTINGS = frozenset(
    {"bucket", "base_path", "role_arn", "region", "endpoint", "server_side_encryption", "canned_acl", "storage_class"}
)


class EngineFacts:
    """What the front end asks of the cluster behind it (version gates, names in its error texts),
    answered for a real OpenSearch 2.x."""

    engine = "opensearch"
    is_opensearch = True
    supports_concurrent_snapshots = True
    concurrency_status = 503  # SnapshotsService on 2.x; 3.x answers 409

    def __init__(self, node_name: str) -> None:
        self.node_name = node_name

    def at_least_es(self, major: int, minor: int) -> bool:
        return True

    def concurrent(self, repo: str, snap: str, message: str) -> ApiError:
        return engine_error(
            self.concurrency_status, "concurrent_snapshot_execution_exception", f"[{repo}:{snap}] {message}"
        )

    def concurrent_create(self, repo: str, snap: str, *, fault_only: bool = False) -> ApiError:
        return self.concurrent(
            repo,
            snap,
            f"Cannot start another operation, already running [{CONCURRENT_LIMIT}] operations and the current limit "
            f"for concurrent snapshot operations is set to [{CONCURRENT_LIMIT}]",
        )

    def concurrent_delete(self, repo: str, snap: str) -> ApiError:
        return engine_error(
            self.concurrency_status,
            "concurrent_snapshot_execution_exception",
            f"[{repo}:[{snap}/_na_]] another snapshot is currently running cannot delete",
        )


class EngineProxy:
    """The engine's REST API over HTTP, with Amazon's s3 repositories mapped onto fs locations."""

    def __init__(self, engine_endpoint: str, repository_root: Path, *, timeout: float = 120.0) -> None:
        host, _, port = engine_endpoint.removeprefix("http://").rstrip("/").partition(":")
        self.host = host
        self.port = int(port)
        self.repository_root = repository_root
        self.timeout = timeout
        self._registrations: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()

    def location(self, bucket: str, base_path: str = "") -> Path:
        """Where the snapshots of ``bucket``/``base_path`` live on the engine's disk."""
        parts = [p for p in PurePosixPath(base_path).parts if p not in ("/", ".", "..")]
        return self.repository_root.joinpath(bucket, *parts)

    def dispatch(
        self, method: str, target: str, raw_path: str, query: dict[str, str], headers: Mapping[str, str], body: bytes
    ) -> Reply:
        segments = [unquote(s) for s in raw_path.split("/") if s]
        repository = segments[1] if segments[:1] == ["_snapshot"] and len(segments) == 2 else None
        if repository is not None and method in ("PUT", "POST"):
            body = self._as_fs_registration(repository, body)
        reply = self.send(method, target, headers, body)
        if segments[:1] == ["_snapshot"] and len(segments) <= 2 and method == "GET" and reply.status == 200:
            reply = self._as_amazon_repositories(reply)
        if repository is not None and method == "DELETE" and reply.status == 200:
            with self._lock:
                for name in repository.split(","):
                    self._registrations.pop(name, None)
        return reply

    def send(self, method: str, target: str, headers: Mapping[str, str], body: bytes) -> Reply:
        """One exchange with the engine, as it answers (a 503 page when it does not)."""
        forwarded = {k: v for k, v in headers.items() if k.lower() in ("content-type", "accept")}
        connection = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        try:
            connection.request(method, target, body=body or None, headers=forwarded)
            response = connection.getresponse()
            data = response.read()
            content_type = response.getheader("Content-Type", "application/json; charset=UTF-8")
            return Reply(response.status, data, content_type=content_type)
        except OSError:
            return Reply.html(503, SERVICE_UNAVAILABLE_BODY)
        finally:
            connection.close()

    def _as_fs_registration(self, repository: str, body: bytes) -> bytes:
        document = json_or_none(body)
        if not isinstance(document, dict) or document.get("type") != "s3":
            return body
        settings = document.get("settings") or {}
        if not isinstance(settings, dict):
            return body
        if not settings.get("bucket"):
            # What repository-s3 answers (S3Repository: "No bucket defined for s3 repository")
            inner = cause("repository_exception", f"[{repository}] No bucket defined for s3 repository")
            raise engine_error(
                500,
                "repository_exception",
                f"[{repository}] failed to create repository",
                caused_by=inner,
                root_cause=[inner],
            )
        location = self.location(str(settings["bucket"]), str(settings.get("base_path", "")))
        fs_settings = {k: v for k, v in settings.items() if k not in S3_ONLY_SETTINGS}
        fs_settings["location"] = str(location)
        with self._lock:
            self._registrations[repository] = {k: _as_setting(v) for k, v in settings.items()}
        return json.dumps({"type": "fs", "settings": fs_settings}).encode()

    def _as_amazon_repositories(self, reply: Reply) -> Reply:
        document = reply.document()
        if not isinstance(document, dict):
            return reply
        root = str(self.repository_root)
        with self._lock:
            registrations = dict(self._registrations)
        for name, registration in document.items():
            settings = registration.get("settings") or {} if isinstance(registration, dict) else {}
            location = str(settings.get("location", ""))
            if registration.get("type") != "fs" or not location.startswith(root):
                continue
            shown = registrations.get(name)
            if shown is None:  # registered before this front started: bucket and base path from the location
                bucket, *rest = PurePosixPath(location).relative_to(root).parts or ("",)
                shown = {"bucket": bucket, **({"base_path": "/".join(rest)} if rest else {})}
            extra = {k: v for k, v in settings.items() if k != "location"}
            registration["type"] = "s3"
            registration["settings"] = {**extra, **shown}
        return Reply.json(200, document)


def _as_setting(value: Any) -> Any:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | float):
        return str(value)
    return value


class EngineFront(FrontEnd):
    """Amazon's front end with the real engine behind it. Unlike the emulator's, it does not hold one
    lock for a whole request: the engine answers requests concurrently, as on AWS."""

    def __init__(
        self,
        engine_endpoint: str,
        repository_root: Path,
        *,
        credentials: EmulatorCredentials | None,
        region: str = "us-east-1",
        node_name: str = "engine-0",
    ) -> None:
        self.proxy = EngineProxy(engine_endpoint, repository_root)
        super().__init__(EngineFacts(node_name), self.proxy, credentials=credentials, region=region)
        self._lock = threading.Lock()

    def handle(self, method: str, target: str, headers: Mapping[str, str], body: bytes) -> Reply:
        method = method.upper()
        raw_path, _, raw_query = target.partition("?")
        path = unquote(raw_path) or "/"
        query = parse_query(raw_query)
        reply = self._answer(method, target, path, raw_path, query, headers, body)
        with self._lock:
            action = self._take_after(method, path, reply.status)
        if action is not None:
            action()
        with self._lock:
            self.requests.append(RecordedRequest(method, path, query, json_or_none(body), reply.status, target))
        return reply

    def _take_fault(self, method: str, path: str) -> Fault | None:
        with self._lock:
            return super()._take_fault(method, path)

    def inject(self, fault: Fault) -> None:
        with self._lock:
            self.faults.append(fault)

    def after(self, method: str, path: str, action: Callable[[], None]) -> None:
        with self._lock:
            super().after(method, path, action)

    def recorded(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self.requests)

    def clear_requests(self) -> None:
        with self._lock:
            self.requests.clear()
