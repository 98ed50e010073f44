"""An emulated Amazon OpenSearch Service domain: the snapshot REST API behind Amazon's front end.

``EmulatedDomain.handle`` takes one raw HTTP request and answers it the way the real service
does (SNAPSHOT_API.md): SigV4 first (front end), then injected faults, then the engine's REST
layer (routing, 405/400 string errors, 406, unknown parameters) and the snapshot actions.
All state sits behind one lock, so the HTTP server may call it from many threads.
"""

from __future__ import annotations

import copy
import json
import re
import threading
import uuid as uuid_module
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from fnmatch import fnmatchcase
from typing import Any
from urllib.parse import unquote, unquote_plus

from tests.emulator import sigv4
from tests.emulator.filtering import filter_path
from tests.emulator.model import (
    FAILED,
    IN_PROGRESS,
    PARTIAL,
    STATES,
    SUCCESS,
    Fault,
    RecordedRequest,
    ShardFailureRecord,
    SnapshotProgress,
    SnapshotRecord,
    new_uuid,
)
from tests.emulator.responses import (
    GATEWAY_TIMEOUT_BODY,
    SERVICE_UNAVAILABLE_BODY,
    ApiError,
    Reply,
    amazon_error,
    cause,
    engine_error,
    string_error,
    validation_error,
)
from tests.emulator.sigv4 import EmulatorCredentials

Clock = Callable[[], datetime]
Handler = Callable[["_Call"], Reply]

DEFAULT_INDICES = ("logs-2026.11.27", "logs-2026.11.28", ".kibana_1")
ACCOUNT_ID = "123456789012"
CALLER_ROLE_ARN = f"arn:aws:iam::{ACCOUNT_ID}:role/snapshot-sentinel-function"
SNAPSHOT_ROLE_ARN = f"arn:aws:iam::{ACCOUNT_ID}:role/TheSnapshotRole"
MAX_METADATA_BYTES = 1024
CONCURRENT_LIMIT = 1000
INVALID_FILENAME_CHARS = '[ , ", *, \\, <, |, ,, >, /, ?]'
_INVALID_NAME_CHARS = set('\\/*?"<>| ,')
_COMMON_PARAMS = frozenset({"pretty", "human", "error_trace", "filter_path", "format", "source", "source_content_type"})
_JSON_CONTENT_TYPES = ("application/json", "application/x-ndjson", "application/yaml", "application/cbor")
_METHOD_ORDER = ("GET", "POST", "PUT", "DELETE", "OPTIONS", "HEAD", "PATCH")


def _now() -> datetime:
    return datetime.now(UTC)


def _millis(moment: datetime | None) -> int:
    return 0 if moment is None else int(moment.timestamp() * 1000)


def _iso(moment: datetime | None) -> str:
    moment = moment or datetime.fromtimestamp(0, UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _time_value(millis: int) -> str:
    """The engine's TimeValue.toString(): ``500ms``, ``3.4s``, ``1.5m``, ``2h``."""
    for unit, size in (("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1000)):
        if millis >= size:
            text = f"{millis / size:.1f}".removesuffix(".0")
            return f"{text}{unit}"
    return f"{millis}ms"


def _as_setting(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _truthy(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.lower() == "true")


def _is_pattern(name: str) -> bool:
    return "*" in name


def _levenshtein_similarity(a: str, b: str) -> float:
    """Lucene's LevenshteinDistance.getDistance: 1 - edits / longest length."""
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, start=1):
        current = [i]
        for j, char_b in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char_a != char_b)))
        previous = current
    return 1.0 - previous[-1] / max(len(a), len(b), 1)


class _Call:
    """One routed request: decoded path parameters, query, parsed body."""

    def __init__(
        self,
        method: str,
        path: str,
        uri: str,
        params: dict[str, str],
        query: dict[str, str],
        body: Any,
    ) -> None:
        self.method = method
        self.path = path
        self.uri = uri
        self.params = params
        self.query = query
        self.body = body

    def flag(self, name: str, default: bool) -> bool:
        value = self.query.get(name)
        if value is None:
            return default
        if value in ("", "true"):
            return True
        if value == "false":
            return False
        raise engine_error(
            400,
            "illegal_argument_exception",
            f"Failed to parse value [{value}] as only [true] or [false] are allowed.",
        )


class _Route:
    def __init__(self, pattern: str, methods: dict[str, tuple[Handler, frozenset[str], bool]]) -> None:
        self.segments = [s for s in pattern.split("/") if s]
        self.methods = methods

    def match(self, segments: list[str]) -> tuple[tuple[bool, ...], dict[str, str]] | None:
        if len(segments) != len(self.segments):
            return None
        params: dict[str, str] = {}
        explicit: list[bool] = []
        for mine, theirs in zip(self.segments, segments, strict=True):
            if mine.startswith("{"):
                params[mine[1:-1]] = theirs
                explicit.append(False)
            elif mine == theirs:
                explicit.append(True)
            else:
                return None
        return tuple(explicit), params


class EmulatedDomain:
    """The emulated domain's state and its REST API (see tests/emulator/README.md)."""

    def __init__(
        self,
        *,
        engine: str = "opensearch",
        version: str = "2.11.0",
        region: str = "us-east-1",
        credentials: EmulatorCredentials | None = None,
        indices: Iterable[str] | Mapping[str, int] = DEFAULT_INDICES,
        clock: Clock | None = None,
        domain_name: str = "emulated-domain",
        automated_repository: str | None = "cs-automated-enc",
        progress: SnapshotProgress | None = None,
    ) -> None:
        if engine not in ("opensearch", "elasticsearch"):
            raise ValueError("engine must be 'opensearch' or 'elasticsearch'")
        self.engine = engine
        self.version = version
        major, minor, patch = ([int(p) for p in re.findall(r"\d+", version)[:3]] + [0, 0, 0])[:3]
        self.version_tuple = (major, minor, patch)
        self.region = region
        self.credentials = credentials
        self.clock: Clock = clock or _now
        self.domain_name = domain_name
        self.progress = progress or SnapshotProgress()
        self.automated_repository = automated_repository
        self.node_id = new_uuid()
        self.node_name = new_uuid().replace("-", "").replace("_", "")[:32].lower()
        self.cluster_uuid = new_uuid()
        self._indices: dict[str, int] = dict(indices) if isinstance(indices, Mapping) else dict.fromkeys(indices, 1)
        self._lock = threading.RLock()
        self._repositories: dict[str, dict[str, Any]] = {}
        self._snapshots: dict[str, dict[str, SnapshotRecord]] = {}
        self._faults: list[Fault] = []
        self._requests: list[RecordedRequest] = []
        self._verification_failure: tuple[str, str] | None = None
        self._verification_failures_left: int | None = None
        self._automated_snapshot: str | None = None
        if automated_repository:
            self._repositories[automated_repository] = {"type": "s3", "settings": None, "readonly": True}
            self._snapshots[automated_repository] = {}
        self._routes = self._build_routes()

    # ------------------------------------------------------------------ engine features by version

    @property
    def is_opensearch(self) -> bool:
        return self.engine == "opensearch"

    def _at_least_es(self, major: int, minor: int) -> bool:
        return self.is_opensearch or self.version_tuple[:2] >= (major, minor)

    @property
    def supports_multi_delete(self) -> bool:
        return self._at_least_es(7, 8)

    @property
    def supports_concurrent_snapshots(self) -> bool:
        return self._at_least_es(7, 9)

    @property
    def concurrency_status(self) -> int:
        return 409 if self.is_opensearch and self.version_tuple[0] >= 3 else 503

    @property
    def version_id(self) -> int:
        major, minor, patch = self.version_tuple
        raw = major * 1_000_000 + minor * 10_000 + patch * 100 + 99
        return raw ^ 0x08000000 if self.is_opensearch else raw

    @property
    def _cluster_manager(self) -> str:
        return "cluster-manager" if self.is_opensearch and self.version_tuple[0] >= 2 else "master"

    # ------------------------------------------------------------------ seeding and inspection

    def register_repository(
        self,
        name: str,
        *,
        bucket: str | None = None,
        readonly: bool = False,
        type: str = "s3",
        **settings: Any,
    ) -> None:
        """Register a repository directly (no HTTP); settings are stored as the API echoes them."""
        all_settings = dict(settings)
        if bucket is not None:
            all_settings["bucket"] = bucket
        if readonly:
            all_settings["readonly"] = True
        if type == "s3" and "bucket" not in all_settings:
            raise ValueError("an s3 repository needs a bucket")
        with self._lock:
            self._repositories[name] = {
                "type": type,
                "settings": {k: _as_setting(v) for k, v in all_settings.items()},
                "readonly": readonly,
            }
            self._snapshots.setdefault(name, {})

    def delete_repository(self, name: str) -> None:
        """Unregister a repository directly (no HTTP); its snapshots are forgotten with it."""
        with self._lock:
            self._repositories.pop(name, None)
            self._snapshots.pop(name, None)

    def add_snapshot(
        self,
        repository: str,
        name: str,
        *,
        state: str = SUCCESS,
        start_time: datetime | None = None,
        end_time: datetime | None = None,
        metadata: Mapping[str, Any] | None = None,
        failures: Iterable[Mapping[str, Any]] = (),
        shards_total: int | None = None,
        indices: Iterable[str] | None = None,
        reason: str | None = None,
        uuid: str | None = None,
        include_global_state: bool = True,
    ) -> SnapshotRecord:
        """Seed a snapshot in any state (IN_PROGRESS ones stay running until completed or deleted)."""
        if state not in STATES:
            raise ValueError(f"state must be one of {STATES}")
        with self._lock:
            if repository not in self._repositories:
                raise KeyError(f"repository {repository!r} is not registered")
            chosen = list(indices) if indices is not None else self._all_indices()
            start = start_time or self.clock()
            if state != IN_PROGRESS and end_time is None:
                end_time = start + timedelta(minutes=1)
            record = SnapshotRecord(
                repository=repository,
                name=name,
                uuid=uuid or new_uuid(),
                state=state,
                indices=chosen,
                start_time=start,
                end_time=None if state == IN_PROGRESS else end_time,
                include_global_state=include_global_state,
                metadata=dict(metadata) if metadata is not None else None,
                failures=self._failures(failures, chosen, state),
                shards_total=shards_total if shards_total is not None else self._shard_count(chosen),
                reason=reason if reason is not None else (self._failed_reason(chosen) if state == FAILED else None),
                version=self.version,
            )
            self._snapshots[repository][name] = record
            return replace(record)

    def complete_snapshot(
        self,
        repository: str,
        name: str,
        *,
        state: str = SUCCESS,
        failures: Iterable[Mapping[str, Any]] = (),
        reason: str | None = None,
    ) -> None:
        """Finish a running snapshot now with the given outcome."""
        with self._lock:
            record = self._snapshots[repository][name]
            record.planned = SnapshotProgress(outcome=state, failures=tuple(failures), reason=reason)
            self._finish(record)

    def start_automated_snapshot(self) -> str:
        """Start Amazon's hourly snapshot in the service repository; returns its name."""
        if not self.automated_repository:
            raise RuntimeError("this domain has no automated snapshot repository")
        now = self.clock()
        name = now.strftime("%Y-%m-%dt%H-%M-%S") + "." + str(uuid_module.uuid4())
        self.add_snapshot(self.automated_repository, name, state=IN_PROGRESS, start_time=now)
        self._automated_snapshot = name
        return name

    def finish_automated_snapshot(self, state: str = SUCCESS) -> None:
        if self.automated_repository and self._automated_snapshot:
            with self._lock:
                if self._automated_snapshot in self._snapshots[self.automated_repository]:
                    self.complete_snapshot(self.automated_repository, self._automated_snapshot, state=state)
                self._automated_snapshot = None

    def fail_repository_verification(
        self, reason: str | None, *, cause_type: str = "amazon_s3_exception", times: int | None = None
    ) -> None:
        """Make repository verification fail with ``reason`` as the S3/STS cause.

        Every verification fails (``PUT _snapshot/<repo>`` with verify, ``POST .../_verify``), like a
        bucket the role cannot reach, until ``times`` verifications failed or ``reason`` is None.
        """
        with self._lock:
            self._verification_failure = (cause_type, reason) if reason else None
            self._verification_failures_left = times

    def inject(self, fault: Fault) -> None:
        with self._lock:
            self._faults.append(fault)

    @property
    def pending_faults(self) -> list[Fault]:
        with self._lock:
            return list(self._faults)

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._requests)

    def clear_requests(self) -> None:
        with self._lock:
            self._requests.clear()

    def snapshots(self, repository: str) -> list[SnapshotRecord]:
        """Copies of the repository's snapshot records, oldest first."""
        with self._lock:
            records = self._snapshots.get(repository, {}).values()
            return [copy.deepcopy(r) for r in sorted(records, key=lambda r: (r.start_time, r.name))]

    def snapshot(self, repository: str, name: str) -> SnapshotRecord | None:
        with self._lock:
            record = self._snapshots.get(repository, {}).get(name)
            return copy.deepcopy(record) if record else None

    def repository(self, name: str) -> dict[str, Any] | None:
        """The registration as ``GET _snapshot/<name>`` shows it, or None."""
        with self._lock:
            registration = self._repositories.get(name)
            return self._repository_view(registration) if registration else None

    # ------------------------------------------------------------------ the front door

    def handle(self, method: str, target: str, headers: Mapping[str, str], body: bytes) -> Reply:
        """Answer one raw HTTP request; thread-safe."""
        method = method.upper()
        raw_path, _, raw_query = target.partition("?")
        path = unquote(raw_path) or "/"
        query = self._parse_query(raw_query)
        parsed_body = self._json_or_none(body)
        with self._lock:
            reply = self._answer(method, target, path, raw_path, query, headers, body)
            self._requests.append(RecordedRequest(method, path, query, parsed_body, reply.status, target))
            return reply

    def _answer(
        self,
        method: str,
        target: str,
        path: str,
        raw_path: str,
        query: dict[str, str],
        headers: Mapping[str, str],
        body: bytes,
    ) -> Reply:
        try:
            if self.credentials is not None:
                sigv4.verify(self.credentials, self.region, method=method, target=target, headers=headers, body=body)
            fault = self._take_fault(method, path)
            if fault is None:
                return self._engine(method, target, raw_path, query, headers, body)
            return self._apply_fault(fault, method, target, raw_path, path, query, headers, body)
        except ApiError as error:
            return error.reply

    def _take_fault(self, method: str, path: str) -> Fault | None:
        for fault in self._faults:
            if fault.method is not None and fault.method.upper() != method:
                continue
            if not re.search(fault.path, path):
                continue
            fault.times -= 1
            if fault.times <= 0:
                self._faults.remove(fault)
            return fault
        return None

    def _apply_fault(
        self,
        fault: Fault,
        method: str,
        target: str,
        raw_path: str,
        path: str,
        query: dict[str, str],
        headers: Mapping[str, str],
        body: bytes,
    ) -> Reply:
        kind = fault.kind
        if kind in ("gateway_timeout_after", "reset_after"):
            self._engine(method, target, raw_path, query, headers, body)
            if kind == "reset_after":
                return Reply.connection_reset()
            return Reply.html(504, GATEWAY_TIMEOUT_BODY)
        if kind == "gateway_timeout_before":
            return Reply.html(504, GATEWAY_TIMEOUT_BODY)
        if kind == "reset":
            return Reply.connection_reset()
        if kind == "unavailable":
            return Reply.html(503, SERVICE_UNAVAILABLE_BODY)
        if kind == "throttle":
            error_type = "rejected_execution_exception" if self.is_opensearch else "es_rejected_execution_exception"
            executor = "OpenSearchThreadPoolExecutor" if self.is_opensearch else "EsThreadPoolExecutor"
            reason = fault.message or (
                f"rejected execution of org.{self.engine}.transport.TransportService$7@3f2a4b1c on "
                f"{executor}[name = {self.node_name}/snapshot, queue capacity = 1000, "
                "active threads = 5, queued tasks = 1000, completed tasks = 81234]"
            )
            raise engine_error(429, error_type, reason)
        if kind == "concurrent":
            segments = [s for s in path.split("/") if s]
            repo = segments[1] if len(segments) > 1 else "_all"
            snap = segments[2] if len(segments) > 2 else "_all"
            if fault.message:
                raise self._concurrent(repo, snap, fault.message)
            if method == "DELETE" and not self.supports_concurrent_snapshots:
                raise self._concurrent_delete(repo, snap)
            raise self._concurrent_create(repo, snap, fault_only=True)
        if kind == "forbidden_fgac":
            user = fault.message or CALLER_ROLE_ARN
            action = self._security_action(method, path)
            raise engine_error(
                403,
                "security_exception",
                f"no permissions for [{action}] and User [name={user}, backend_roles=[{user}], requestedTenant=null]",
            )
        if kind == "forbidden_passrole":
            parsed = self._json_or_none(body)
            settings = parsed.get("settings") if isinstance(parsed, dict) else None
            role = (settings or {}).get("role_arn") if isinstance(settings, dict) else None
            message = fault.message or (
                f"User: arn:aws:sts::{ACCOUNT_ID}:assumed-role/snapshot-sentinel-function/session is not authorized "
                f"to perform: iam:PassRole on resource: {role or SNAPSHOT_ROLE_ARN}"
            )
            raise amazon_error(403, message, key="Message")
        raise AssertionError(kind)

    @staticmethod
    def _security_action(method: str, path: str) -> str:
        segments = [s for s in path.split("/") if s]
        if not segments:
            return "cluster:monitor/main"
        if segments[0] == "_cat":
            return "cluster:admin/snapshot/get"
        if len(segments) <= 2:
            if segments[-1] == "_status":
                return "cluster:admin/snapshot/status"
            verb = {"GET": "get", "DELETE": "delete"}.get(method, "put")
            return f"cluster:admin/repository/{verb}"
        last = segments[-1]
        if last in ("_verify", "_cleanup"):
            return f"cluster:admin/repository/{last[1:]}"
        if last in ("_status", "_restore"):
            return f"cluster:admin/snapshot/{last[1:]}"
        verb = {"GET": "get", "DELETE": "delete"}.get(method, "create")
        return f"cluster:admin/snapshot/{verb}"

    # ------------------------------------------------------------------ the engine's REST layer

    def _build_routes(self) -> list[_Route]:
        timeouts = {"master_timeout"} | ({"cluster_manager_timeout"} if self._cluster_manager != "master" else set())

        def spec(handler: Handler, *params: str, body: bool = False) -> tuple[Handler, frozenset[str], bool]:
            return handler, frozenset(params) | timeouts, body

        routes = [
            _Route("/", {"GET": (self._root, frozenset(), False), "HEAD": (self._root, frozenset(), False)}),
            _Route("/_snapshot", {"GET": spec(self._get_repositories, "local")}),
            _Route("/_snapshot/_status", {"GET": spec(self._status, "ignore_unavailable")}),
            _Route(
                "/_snapshot/{repository}",
                {
                    "GET": spec(self._get_repositories, "local"),
                    "PUT": spec(self._put_repository, "timeout", "verify", body=True),
                    "POST": spec(self._put_repository, "timeout", "verify", body=True),
                    "DELETE": spec(self._delete_repository, "timeout"),
                },
            ),
            _Route("/_snapshot/{repository}/_verify", {"POST": spec(self._verify_repository, "timeout")}),
            _Route("/_snapshot/{repository}/_status", {"GET": spec(self._status, "ignore_unavailable")}),
            _Route(
                "/_snapshot/{repository}/{snapshot}",
                {
                    "GET": spec(self._get_snapshots, "ignore_unavailable", "verbose"),
                    "PUT": spec(self._create_snapshot, "wait_for_completion", body=True),
                    "POST": spec(self._create_snapshot, "wait_for_completion", body=True),
                    "DELETE": spec(self._delete_snapshots),
                },
            ),
            _Route("/_snapshot/{repository}/{snapshot}/_status", {"GET": spec(self._status, "ignore_unavailable")}),
            _Route(
                "/_snapshot/{repository}/{snapshot}/_restore",
                {"POST": spec(self._restore, "wait_for_completion", body=True)},
            ),
            _Route("/_cat/snapshots", {"GET": spec(self._cat_snapshots, *_CAT_PARAMS)}),
            _Route("/_cat/snapshots/{repository}", {"GET": spec(self._cat_snapshots, *_CAT_PARAMS)}),
            _Route("/_cat/repositories", {"GET": spec(self._cat_repositories, *_CAT_PARAMS, "local")}),
        ]
        if self._at_least_es(7, 4):
            routes.append(_Route("/_snapshot/{repository}/_cleanup", {"POST": spec(self._cleanup, "timeout")}))
        return routes

    def _engine(
        self, method: str, target: str, raw_path: str, query: dict[str, str], headers: Mapping[str, str], body: bytes
    ) -> Reply:
        segments = [unquote(s) for s in raw_path.split("/") if s]
        matches = []
        for route in self._routes:
            found = route.match(segments)
            if found is not None:
                matches.append((found[0], route, found[1]))
        if not matches:
            raise string_error(400, f"no handler found for uri [{target}] and method [{method}]", with_status=False)
        matches.sort(key=lambda m: m[0], reverse=True)
        _, route, params = matches[0]
        if method not in route.methods:
            allowed = ", ".join(m for m in _METHOD_ORDER if m in route.methods)
            error = string_error(
                405, f"Incorrect HTTP method for uri [{target}] and method [{method}], allowed: [{allowed}]"
            )
            error.reply.headers["Allow"] = ",".join(m for m in _METHOD_ORDER if m in route.methods)
            raise error
        handler, accepted, takes_body = route.methods[method]
        lowered = {k.lower(): v for k, v in headers.items()}
        parsed: Any = None
        if body:
            content_type = lowered.get("content-type")
            if content_type is None:
                raise string_error(406, "Content-Type header is missing")
            if not content_type.split(";")[0].strip().lower().startswith(_JSON_CONTENT_TYPES):
                raise string_error(406, f"Content-Type header [{content_type}] is not supported")
            if not takes_body:
                raise engine_error(
                    400,
                    "illegal_argument_exception",
                    f"request [{method} {unquote(raw_path)}] does not support having a body",
                )
            try:
                parsed = json.loads(body)
            except json.JSONDecodeError as exc:
                raise engine_error(
                    400,
                    "json_parse_exception",
                    f"Unexpected character: {exc.msg} at [Source: (byte[]); line: {exc.lineno}]",
                ) from None
            except UnicodeDecodeError:
                raise engine_error(400, "json_parse_exception", "Invalid UTF-8 start byte") from None
        call = _Call(method, unquote(raw_path), target, params, query, parsed)
        try:
            self._check_parameters(call, accepted | _COMMON_PARAMS)
            reply = handler(call)
        except ApiError as error:
            # the engine pretty-prints errors too, but never filters them (filter_path is off for errors)
            raise ApiError(self._render(error.reply, call, filtering=False)) from None
        return self._render(reply, call)

    @staticmethod
    def _check_parameters(call: _Call, accepted: frozenset[str]) -> None:
        unknown = sorted(set(call.query) - accepted)
        if not unknown:
            return
        noun = "parameters" if len(unknown) > 1 else "parameter"
        parts = []
        for name in unknown:
            scored = sorted(
                ((_levenshtein_similarity(name, c), c) for c in accepted if _levenshtein_similarity(name, c) > 0.5),
                key=lambda sc: (-sc[0], sc[1]),
            )
            text = f"[{name}]"
            if scored:
                keys = [c for _, c in scored]
                text += (
                    " -> did you mean " + (f"[{keys[0]}]" if len(keys) == 1 else f"any of [{', '.join(keys)}]") + "?"
                )
            parts.append(text)
        path = call.path or "/"
        raise engine_error(
            400, "illegal_argument_exception", f"request [{path}] contains unrecognized {noun}: {', '.join(parts)}"
        )

    @staticmethod
    def _render(reply: Reply, call: _Call, *, filtering: bool = True) -> Reply:
        if reply.content_type.startswith("application/json") and reply.body:
            document = json.loads(reply.body)
            if filtering and call.query.get("filter_path"):
                document = filter_path(document, call.query["filter_path"])
            if call.query.get("pretty") in ("", "true"):
                text = json.dumps(document, indent=2, separators=(",", " : ")) + "\n"
                return Reply(reply.status, text.encode(), reply.content_type)
            return Reply.json(reply.status, document)
        return reply

    @staticmethod
    def _parse_query(raw_query: str) -> dict[str, str]:
        query: dict[str, str] = {}
        for item in raw_query.split("&"):
            if item:
                name, _, value = item.partition("=")
                query[unquote_plus(name)] = unquote_plus(value)
        return query

    @staticmethod
    def _json_or_none(body: bytes) -> Any:
        if not body:
            return None
        try:
            return json.loads(body)
        except ValueError:
            return None

    # ------------------------------------------------------------------ GET /

    def _root(self, call: _Call) -> Reply:
        if call.method == "HEAD":
            return Reply(200)
        if self.is_opensearch:
            version = {
                "distribution": "opensearch",
                "number": self.version,
                "build_type": "tar",
                "build_hash": "unknown",
                "build_date": "2023-10-13T02:55:55.511945994Z",
                "build_snapshot": False,
                "lucene_version": "9.7.0",
                "minimum_wire_compatibility_version": "7.10.0",
                "minimum_index_compatibility_version": "7.0.0",
            }
            tagline = "The OpenSearch Project: https://opensearch.org/"
        else:
            version = {
                "number": self.version,
                "build_flavor": "oss",
                "build_type": "tar",
                "build_hash": "unknown",
                "build_date": "2021-01-13T00:42:12.435326Z",
                "build_snapshot": False,
                "lucene_version": "8.7.0",
                "minimum_wire_compatibility_version": "6.8.0",
                "minimum_index_compatibility_version": "6.0.0-beta1",
            }
            tagline = "You Know, for Search"
        return Reply.json(
            200,
            {
                "name": self.node_name,
                "cluster_name": f"{ACCOUNT_ID}:{self.domain_name}",
                "cluster_uuid": self.cluster_uuid,
                "version": version,
                "tagline": tagline,
            },
        )

    # ------------------------------------------------------------------ repositories

    @staticmethod
    def _repository_view(registration: dict[str, Any]) -> dict[str, Any]:
        view: dict[str, Any] = {"type": registration["type"]}
        if registration["settings"] is not None:
            view["settings"] = dict(registration["settings"])
        return view

    def _get_repositories(self, call: _Call) -> Reply:
        requested = call.params.get("repository")
        names = [n for n in (requested or "_all").split(",") if n]
        if not names or names == ["_all"] or names == ["*"]:
            chosen = list(self._repositories)
        else:
            chosen = []
            for name in names:
                if _is_pattern(name):
                    chosen += [r for r in self._repositories if fnmatchcase(r, name) and r not in chosen]
                elif name in self._repositories:
                    if name not in chosen:
                        chosen.append(name)
                else:
                    raise self._repository_missing(name)
        return Reply.json(200, {name: self._repository_view(self._repositories[name]) for name in chosen})

    @staticmethod
    def _repository_missing(name: str) -> ApiError:
        return engine_error(404, "repository_missing_exception", f"[{name}] missing")

    def _require_repository(self, name: str) -> dict[str, Any]:
        registration = self._repositories.get(name)
        if registration is None:
            raise self._repository_missing(name)
        return registration

    def _repository_in_use(self, name: str) -> bool:
        return any(r.running for r in self._snapshots.get(name, {}).values())

    def _put_repository(self, call: _Call) -> Reply:
        name = call.params["repository"]
        body = call.body
        if body is None:
            raise engine_error(400, "parse_exception", "request body is required")
        if not isinstance(body, dict):
            raise engine_error(400, "parse_exception", "Failed to derive xcontent")
        repo_type = body.get("type")
        if not repo_type:
            raise validation_error("type is missing")
        if not name:
            raise engine_error(500, "repository_exception", f"[{name}] cannot be empty")
        if "#" in name:
            raise engine_error(500, "repository_exception", f"[{name}] must not contain '#'")
        if any(ch in _INVALID_NAME_CHARS for ch in name):
            raise engine_error(
                500,
                "repository_exception",
                f"[{name}] must not contain the following characters {INVALID_FILENAME_CHARS}",
            )
        settings = body.get("settings") or {}
        if not isinstance(settings, dict):
            raise engine_error(
                400, "illegal_argument_exception", "Malformed settings section, should include an inner object"
            )
        if repo_type not in ("s3", "fs"):
            raise engine_error(500, "repository_exception", f"[{name}] repository type [{repo_type}] does not exist")
        missing = "No bucket defined for s3 repository" if repo_type == "s3" else "missing location"
        required = "bucket" if repo_type == "s3" else "location"
        if not settings.get(required):
            inner = cause("repository_exception", f"[{name}] {missing}")
            raise engine_error(
                500,
                "repository_exception",
                f"[{name}] failed to create repository",
                caused_by=inner,
                root_cause=[inner],
            )
        if self._repository_in_use(name):
            raise self._in_use()
        self._repositories[name] = {
            "type": repo_type,
            "settings": {k: _as_setting(v) for k, v in settings.items()},
            "readonly": _truthy(settings.get("readonly")),
        }
        self._snapshots.setdefault(name, {})
        if call.flag("verify", True):
            self._verify(name)
        return Reply.json(200, {"acknowledged": True})

    @staticmethod
    def _in_use() -> ApiError:
        return engine_error(
            500,
            "illegal_state_exception",
            "trying to modify or unregister repository that is currently used ",
        )

    def _delete_repository(self, call: _Call) -> Reply:
        requested = call.params["repository"]
        names = [n for n in requested.split(",") if n]
        chosen: list[str] = []
        for name in names:
            if _is_pattern(name) or name == "_all":
                chosen += [
                    r
                    for r in self._repositories
                    if (name == "_all" or fnmatchcase(r, name)) and r != self.automated_repository and r not in chosen
                ]
            elif name in self._repositories:
                chosen.append(name)
        if not chosen and requested not in ("*", "_all"):
            raise self._repository_missing(requested)
        for name in chosen:
            if self._repository_in_use(name):
                raise self._in_use()
        for name in chosen:
            del self._repositories[name]
            self._snapshots.pop(name, None)
        return Reply.json(200, {"acknowledged": True})

    def _verify_repository(self, call: _Call) -> Reply:
        name = call.params["repository"]
        self._require_repository(name)
        self._verify(name)
        return Reply.json(200, {"nodes": {self.node_id: {"name": self.node_name}}})

    def _verify(self, name: str) -> None:
        if self._verification_failure is None:
            return
        cause_type, reason = self._verification_failure
        if self._verification_failures_left is not None:
            self._verification_failures_left -= 1
            if self._verification_failures_left <= 0:
                self._verification_failure = None
        settings = self._repositories[name]["settings"] or {}
        base_path = "".join(f"[{part}]" for part in settings.get("base_path", "").split("/") if part)
        prefix = settings.get("base_path", "").strip("/")
        blob = f"{prefix}/tests-{new_uuid()}/master.dat" if prefix else f"tests-{new_uuid()}/master.dat"
        inner = cause(
            "i_o_exception", f"Unable to upload object [{blob}] using a single upload", cause(cause_type, reason)
        )
        raise engine_error(
            500,
            "repository_verification_exception",
            f"[{name}] path {base_path} is not accessible on {self._cluster_manager} node",
            caused_by=inner,
        )

    def _cleanup(self, call: _Call) -> Reply:
        name = call.params["repository"]
        self._require_repository(name)
        running = self._running()
        if running:
            listed = ", ".join(f"{r.repository}:{r.name}/{r.uuid}" for r in running)
            raise engine_error(
                500,
                "illegal_state_exception",
                f"Cannot cleanup [{name}] - a snapshot is currently running in [{listed}]",
            )
        return Reply.json(200, {"results": {"deleted_bytes": 0, "deleted_blobs": 0}})

    # ------------------------------------------------------------------ snapshots: helpers

    def _all_indices(self) -> list[str]:
        return list(self._indices)

    def _shard_count(self, indices: Iterable[str]) -> int:
        return sum(self._indices.get(index, 1) for index in indices)

    @staticmethod
    def _failed_reason(indices: list[str]) -> str:
        return f"Indices don't have primary shards [{', '.join(indices[:1]) or 'unknown'}]"

    def _failures(
        self, failures: Iterable[Mapping[str, Any]], indices: list[str], state: str
    ) -> list[ShardFailureRecord]:
        records = [
            ShardFailureRecord(
                index=str(f.get("index", indices[0] if indices else "unknown")),
                shard_id=int(f.get("shard_id", 0)),
                reason=str(f.get("reason", "IndexShardSnapshotFailedException[Failed to snapshot]")),
                node_id=str(f.get("node_id", self.node_id)),
                status=str(f.get("status", "INTERNAL_SERVER_ERROR")),
            )
            for f in failures
        ]
        if state == PARTIAL and not records:
            records.append(
                ShardFailureRecord(
                    index=indices[0] if indices else "unknown",
                    shard_id=0,
                    reason="IndexShardSnapshotFailedException[Failed to snapshot]",
                    node_id=self.node_id,
                )
            )
        return records

    def _running(self) -> list[SnapshotRecord]:
        return [r for repo in self._snapshots.values() for r in repo.values() if r.running]

    def _finish(self, record: SnapshotRecord) -> None:
        plan = record.planned or SnapshotProgress()
        record.state = plan.outcome
        record.end_time = self.clock()
        record.failures = self._failures(plan.failures, record.indices, plan.outcome)
        record.reason = plan.reason or (self._failed_reason(record.indices) if plan.outcome == FAILED else None)
        record.polls_remaining = 0
        record.planned = None

    def _concurrent(self, repo: str, snap: str, message: str) -> ApiError:
        return engine_error(
            self.concurrency_status, "concurrent_snapshot_execution_exception", f"[{repo}:{snap}] {message}"
        )

    def _concurrent_create(self, repo: str, snap: str, *, fault_only: bool = False) -> ApiError:
        if not self.supports_concurrent_snapshots:
            return self._concurrent(repo, snap, " a snapshot is already running")
        running = CONCURRENT_LIMIT if fault_only else len(self._running())
        return self._concurrent(
            repo,
            snap,
            f"Cannot start another operation, already running [{running}] operations and the current limit for "
            f"concurrent snapshot operations is set to [{CONCURRENT_LIMIT}]",
        )

    def _concurrent_delete(self, repo: str, snap: str) -> ApiError:
        record = self._snapshots.get(repo, {}).get(snap)
        uuid = record.uuid if record else "_na_"
        return engine_error(
            self.concurrency_status,
            "concurrent_snapshot_execution_exception",
            f"[{repo}:[{snap}/{uuid}]] another snapshot is currently running cannot delete",
        )

    def _invalid_name(self, repo: str, name: str, why: str) -> ApiError:
        return engine_error(
            400, "invalid_snapshot_name_exception", f"[{repo}:{name}] Invalid snapshot name [{name}], {why}"
        )

    def _validate_snapshot_name(self, repo: str, name: str) -> None:
        checks = (
            (not name, "cannot be empty"),
            (" " in name, "must not contain whitespace"),
            ("," in name, "must not contain ','"),
            ("#" in name, "must not contain '#'"),
            (name.startswith("_"), "must not start with '_'"),
            (name.lower() != name, "must be lowercase"),
            (
                any(ch in _INVALID_NAME_CHARS for ch in name),
                f"must not contain the following characters {INVALID_FILENAME_CHARS}",
            ),
        )
        for failed, why in checks:
            if failed:
                raise self._invalid_name(repo, name, why)

    def _resolve_date_math(self, name: str) -> str:
        if not (name.startswith("<") and name.endswith(">")) or not self._at_least_es(6, 4):
            return name
        return _resolve_date_math(name[1:-1], self.clock())

    def _resolve_indices(self, spec: Any, ignore_unavailable: bool) -> list[str]:
        if spec is None:
            tokens = ["_all"]
        elif isinstance(spec, str):
            tokens = [t.strip() for t in spec.split(",") if t.strip()]
        elif isinstance(spec, list) and all(isinstance(t, str) for t in spec):
            tokens = list(spec)
        else:
            raise engine_error(
                400, "illegal_argument_exception", "malformed indices section, should be an array of strings"
            )
        if not tokens or tokens in (["_all"], ["*"]):
            return self._all_indices()
        chosen: list[str] = []
        wildcard_seen = False
        for token in tokens:
            if token.startswith("-") and wildcard_seen:
                chosen = [i for i in chosen if not fnmatchcase(i, token[1:])]
            elif token == "_all":
                chosen += [i for i in self._indices if i not in chosen]
            elif _is_pattern(token):
                wildcard_seen = True
                chosen += [i for i in self._indices if fnmatchcase(i, token) and i not in chosen]
            elif token in self._indices:
                if token not in chosen:
                    chosen.append(token)
            elif not ignore_unavailable:
                extra: dict[str, Any] = {
                    "resource.type": "index_or_alias",
                    "resource.id": token,
                    "index_uuid": "_na_",
                    "index": token,
                }
                raise engine_error(404, "index_not_found_exception", f"no such index [{token}]", **extra)
        return chosen

    # ------------------------------------------------------------------ create

    def _create_snapshot(self, call: _Call) -> Reply:
        repo = call.params["repository"]
        body = call.body if call.body is not None else {}
        if not isinstance(body, dict):
            raise engine_error(400, "parse_exception", "Failed to derive xcontent")
        metadata = body.get("metadata") if self._at_least_es(7, 3) else None
        if metadata is not None and not isinstance(metadata, dict):
            raise engine_error(400, "illegal_argument_exception", "malformed metadata, should be an object")
        if metadata is not None:
            size = len(json.dumps(metadata, separators=(",", ":")).encode())
            if size > MAX_METADATA_BYTES:
                raise validation_error(f"metadata must be smaller than {MAX_METADATA_BYTES} bytes, but was [{size}]")
        name = self._resolve_date_math(call.params["snapshot"])
        self._validate_snapshot_name(repo, name)
        registration = self._require_repository(repo)
        if registration["readonly"]:
            raise engine_error(500, "repository_exception", f"[{repo}] cannot create snapshot in a readonly repository")
        existing = self._snapshots[repo].get(name)
        if existing is not None and not existing.running:
            raise self._invalid_name(repo, name, "snapshot with the same name already exists")
        if not self.supports_concurrent_snapshots and self._running():
            raise self._concurrent_create(repo, name)
        if existing is not None:
            raise self._invalid_name(repo, name, "snapshot with the same name is already in-progress")
        if len(self._running()) >= CONCURRENT_LIMIT:
            raise self._concurrent_create(repo, name)
        wait = call.flag("wait_for_completion", False)
        indices = self._resolve_indices(body.get("indices"), _truthy(body.get("ignore_unavailable")))
        plan = self.progress
        record = SnapshotRecord(
            repository=repo,
            name=name,
            uuid=new_uuid(),
            state=IN_PROGRESS,
            indices=indices,
            start_time=self.clock(),
            include_global_state=body.get("include_global_state", True) is not False
            and body.get("include_global_state") != "false",
            metadata=dict(metadata) if metadata is not None else None,
            shards_total=self._shard_count(indices),
            version=self.version,
            polls_remaining=plan.polls,
            planned=plan,
        )
        self._snapshots[repo][name] = record
        if wait or (plan.polls == 0 if plan.duration_seconds is None else plan.duration_seconds == 0):
            self._finish(record)
        if wait:
            return Reply.json(200, {"snapshot": self._snapshot_info(record, verbose=True, human=False)})
        return Reply.json(200, {"accepted": True})

    # ------------------------------------------------------------------ get

    def _snapshot_info(self, record: SnapshotRecord, *, verbose: bool, human: bool) -> dict[str, Any]:
        data_streams = self._at_least_es(7, 9)
        if not verbose:
            basic: dict[str, Any] = {"snapshot": record.name, "uuid": record.uuid, "indices": sorted(record.indices)}
            if data_streams:
                basic["data_streams"] = []
            basic["state"] = record.state
            return basic
        info: dict[str, Any] = {"snapshot": record.name, "uuid": record.uuid}
        info["version_id"] = _version_id(self.engine, record.version or self.version)
        info["version"] = record.version or self.version
        if self.is_opensearch and self.version_tuple[:2] >= (2, 9):
            info["remote_store_index_shallow_copy"] = False
        info["indices"] = list(record.indices)
        if data_streams:
            info["data_streams"] = []
        info["include_global_state"] = record.include_global_state
        if record.metadata is not None:
            info["metadata"] = record.metadata
        info["state"] = record.state
        if record.reason is not None:
            info["reason"] = record.reason
        start = _millis(record.start_time)
        end = 0 if record.running else _millis(record.end_time)
        info["start_time"] = _iso(record.start_time)
        info["start_time_in_millis"] = start
        info["end_time"] = _iso(None if record.running else record.end_time)
        info["end_time_in_millis"] = end
        if human:
            info["duration"] = _time_value(max(0, end - start) if end else 0)
        info["duration_in_millis"] = max(0, end - start) if end else 0
        if record.running:
            info["failures"] = []
            info["shards"] = {"total": 0, "failed": 0, "successful": 0}
        else:
            info["failures"] = [f.to_api() for f in record.failures]
            info["shards"] = {
                "total": record.shards_total,
                "failed": record.shards_failed,
                "successful": record.shards_successful,
            }
        return info

    def _get_snapshots(self, call: _Call) -> Reply:
        repo = call.params["repository"]
        self._require_repository(repo)
        ignore_unavailable = call.flag("ignore_unavailable", False)
        verbose = call.flag("verbose", True)
        human = call.flag("human", False)
        names = [n for n in call.params["snapshot"].split(",") if n]
        stored = self._snapshots[repo]
        if len(names) == 1 and names[0] in stored and stored[names[0]].running:
            self._advance(stored[names[0]])
        chosen = self._select(repo, names, ignore_unavailable)
        if verbose:
            chosen.sort(key=lambda r: (_millis(r.start_time), r.name, r.uuid))
        else:
            chosen.sort(key=lambda r: (r.name, r.uuid))
        return Reply.json(200, {"snapshots": [self._snapshot_info(r, verbose=verbose, human=human) for r in chosen]})

    def _advance(self, record: SnapshotRecord) -> None:
        """An exact GET of a running snapshot: count the poll, or finish it when its polls are spent."""
        if record.planned is None:
            return
        if record.planned.duration_seconds is not None:
            if self._progress(record) >= 1:
                self._finish(record)
            return
        if record.polls_remaining <= 0:
            self._finish(record)
        else:
            record.polls_remaining -= 1

    def _select(self, repo: str, names: list[str], ignore_unavailable: bool) -> list[SnapshotRecord]:
        stored = self._snapshots[repo]
        if not names or names == ["_all"]:
            return list(stored.values())
        current_only = len(names) == 1 and names[0].lower() == "_current"
        chosen: dict[str, SnapshotRecord] = {}
        for name in names:
            if name.lower() == "_current":
                chosen.update({r.name: r for r in stored.values() if r.running})
            elif not _is_pattern(name):
                if name in stored:
                    chosen[name] = stored[name]
                elif not ignore_unavailable:
                    raise self._snapshot_missing(repo, name)
            else:
                chosen.update({r.name: r for r in stored.values() if fnmatchcase(r.name, name)})
        if not chosen and not ignore_unavailable and not current_only:
            raise self._snapshot_missing(repo, names[0])
        return list(chosen.values())

    @staticmethod
    def _snapshot_missing(repo: str, name: str) -> ApiError:
        return engine_error(404, "snapshot_missing_exception", f"[{repo}:{name}] is missing")

    # ------------------------------------------------------------------ delete

    def _delete_snapshots(self, call: _Call) -> Reply:
        repo = call.params["repository"]
        requested = call.params["snapshot"]
        registration = self._require_repository(repo)
        stored = self._snapshots[repo]
        if self.supports_multi_delete:
            names = [n for n in requested.split(",") if n]
            targets: dict[str, SnapshotRecord] = {}
            for name in names:
                if _is_pattern(name) or name == "_all":
                    targets.update({r.name: r for r in stored.values() if name == "_all" or fnmatchcase(r.name, name)})
                elif name in stored:
                    targets[name] = stored[name]
                else:
                    raise self._snapshot_missing(repo, name)
        else:
            if requested not in stored:
                raise self._snapshot_missing(repo, requested)
            targets = {requested: stored[requested]}
        if registration["readonly"] and targets:
            raise engine_error(
                500, "repository_exception", f"[{repo}] cannot delete snapshot from a readonly repository"
            )
        if not self.supports_concurrent_snapshots:
            others = [r for r in self._running() if (r.repository, r.name) not in {(repo, n) for n in targets}]
            if others and targets:
                first = next(iter(targets.values()))
                raise self._concurrent_delete(repo, first.name)
        for name in targets:
            del stored[name]
        return Reply.json(200, {"acknowledged": True})

    # ------------------------------------------------------------------ status

    def _status(self, call: _Call) -> Reply:
        repo = call.params.get("repository")
        snapshot = call.params.get("snapshot")
        ignore_unavailable = call.flag("ignore_unavailable", False)
        if repo is None:
            records = self._running()
        elif snapshot is None:
            self._require_repository(repo)
            records = [r for r in self._snapshots[repo].values() if r.running]
        else:
            self._require_repository(repo)
            records = []
            for name in [n for n in snapshot.split(",") if n]:
                if name.lower() == "_current":
                    records += [r for r in self._snapshots[repo].values() if r.running]
                elif name in self._snapshots[repo]:
                    records.append(self._snapshots[repo][name])
                elif not ignore_unavailable:
                    raise self._snapshot_missing(repo, name)
        records.sort(key=lambda r: (r.start_time, r.name))
        return Reply.json(200, {"snapshots": [self._status_entry(r) for r in records]})

    def _progress(self, record: SnapshotRecord) -> float:
        """How much of a running snapshot is done: the time elapsed over its planned duration
        (0 for a poll-counted plan, which has no notion of time)."""
        plan = record.planned
        if plan is None or plan.duration_seconds is None:
            return 0.0
        if plan.duration_seconds == 0:
            return 1.0
        elapsed = (self.clock() - record.start_time).total_seconds()
        return min(1.0, max(0.0, elapsed / plan.duration_seconds))

    def _status_entry(self, record: SnapshotRecord) -> dict[str, Any]:
        if record.running and record.planned is not None and record.planned.duration_seconds is not None:
            self._advance(record)
        if record.running:
            state = "STARTED"
        elif record.state == FAILED:
            state = "FAILED"
        elif record.state == PARTIAL and self.is_opensearch and self.version_tuple[:2] >= (2, 14):
            state = "PARTIAL"
        else:
            state = "SUCCESS"
        failed = {(f.index, f.shard_id): f for f in record.failures}
        shard_counts = _distribute(record.shards_total, record.indices)
        start = _millis(record.start_time)
        elapsed = (_millis(self.clock()) if record.running else _millis(record.end_time)) - start
        indices: dict[str, Any] = {}
        totals = {"initializing": 0, "started": 0, "finalizing": 0, "done": 0, "failed": 0, "total": 0}
        # A running snapshot copies its shards one after another: shard k of n is done once the
        # progress passes (k + 1) / n, and the one being copied is partly processed.
        shards_done = self._progress(record) * sum(shard_counts.values()) if record.running else 0.0
        ordinal = 0
        processed_sum = 0.0
        for index, count in shard_counts.items():
            index_stats = dict.fromkeys(totals, 0)
            shards: dict[str, Any] = {}
            index_processed = 0.0
            for shard_id in range(count):
                failure = failed.get((index, shard_id))
                processed = min(1.0, max(0.0, shards_done - ordinal)) if record.running else 1.0
                ordinal += 1
                index_processed += processed
                if record.running and processed >= 1.0:
                    stage, bucket = "DONE", "done"
                elif record.running:
                    stage, bucket = "STARTED", "started"
                elif failure is not None:
                    stage, bucket = "FAILURE", "failed"
                else:
                    stage, bucket = "DONE", "done"
                index_stats[bucket] += 1
                index_stats["total"] += 1
                shard: dict[str, Any] = {"stage": stage, "stats": _stats(1, start, max(0, elapsed), processed)}
                if failure is not None:
                    shard["reason"] = failure.reason
                shard["node"] = self.node_id
                shards[str(shard_id)] = shard
            for key in totals:
                totals[key] += index_stats[key]
            processed_sum += index_processed
            indices[index] = {
                "shards_stats": index_stats,
                "stats": _stats(count, start, max(0, elapsed), index_processed),
                "shards": shards,
            }
        return {
            "snapshot": record.name,
            "repository": record.repository,
            "uuid": record.uuid,
            "state": state,
            "include_global_state": record.include_global_state,
            "shards_stats": totals,
            "stats": _stats(
                sum(shard_counts.values()), start, max(0, elapsed), processed_sum if record.running else None
            ),
            "indices": indices,
        }

    # ------------------------------------------------------------------ _cat

    def _cat_snapshots(self, call: _Call) -> Reply:
        repo = call.params.get("repository") or call.query.get("repository")
        if not repo:
            raise validation_error("repository is missing")
        self._require_repository(repo)
        records = sorted(self._snapshots[repo].values(), key=lambda r: (_millis(r.start_time), r.name))
        now = self.clock()
        rows = []
        for r in records:
            end = None if r.running else r.end_time
            duration = _millis(end or now) - _millis(r.start_time)
            rows.append(
                {
                    "id": r.name,
                    "status": r.state,
                    "start_epoch": str(_millis(r.start_time) // 1000),
                    "start_time": r.start_time.astimezone(UTC).strftime("%H:%M:%S"),
                    "end_epoch": str(_millis(end) // 1000),
                    "end_time": end.astimezone(UTC).strftime("%H:%M:%S") if end else "00:00:00",
                    "duration": _time_value(max(0, duration)),
                    "indices": str(len(r.indices)),
                    "successful_shards": str(0 if r.running else r.shards_successful),
                    "failed_shards": str(0 if r.running else r.shards_failed),
                    "total_shards": str(0 if r.running else r.shards_total),
                    "reason": r.reason or "",
                }
            )
        return self._cat_table(call, rows, _CAT_SNAPSHOT_COLUMNS, hidden={"reason"})

    def _cat_repositories(self, call: _Call) -> Reply:
        rows = [{"id": name, "type": reg["type"]} for name, reg in self._repositories.items()]
        return self._cat_table(call, rows, {"id": ("id", "repoId"), "type": ("t",)}, hidden=set())

    def _cat_table(
        self, call: _Call, rows: list[dict[str, str]], columns: dict[str, tuple[str, ...]], hidden: set[str]
    ) -> Reply:
        wanted = [c for c in columns if c not in hidden]
        if call.query.get("h"):
            aliases = {alias: name for name, names in columns.items() for alias in (name, *names)}
            wanted = [aliases[h] for h in call.query["h"].split(",") if h in aliases]
        table = [{c: row[c] for c in wanted} for row in rows]
        if call.query.get("format") == "json":
            return Reply.json(200, table)
        lines = []
        if call.query.get("v") in ("", "true"):
            lines.append(wanted)
        lines += [[row[c] for c in wanted] for row in table]
        widths = [max((len(line[i]) for line in lines), default=0) for i in range(len(wanted))]
        text = "".join(" ".join(cell.ljust(widths[i]) for i, cell in enumerate(line)).rstrip() + "\n" for line in lines)
        return Reply(200, text.encode(), content_type="text/plain; charset=UTF-8")

    # ------------------------------------------------------------------ restore (no index state)

    def _restore(self, call: _Call) -> Reply:
        repo = call.params["repository"]
        name = call.params["snapshot"]
        self._require_repository(repo)
        record = self._snapshots[repo].get(name)
        if record is None or record.running:
            raise engine_error(500, "snapshot_restore_exception", f"[{repo}:{name}] snapshot does not exist")
        if record.state == FAILED:
            raise engine_error(
                500, "snapshot_restore_exception", f"[{repo}:{name}/{record.uuid}] unsupported snapshot state [FAILED]"
            )
        body = call.body if isinstance(call.body, dict) else {}
        indices = self._restorable(record, body.get("indices"))
        if call.flag("wait_for_completion", False):
            shards = self._shard_count(indices)
            return Reply.json(
                200,
                {
                    "snapshot": {
                        "snapshot": name,
                        "indices": indices,
                        "shards": {"total": shards, "failed": 0, "successful": shards},
                    }
                },
            )
        return Reply.json(200, {"accepted": True})

    @staticmethod
    def _restorable(record: SnapshotRecord, spec: Any) -> list[str]:
        if spec is None:
            return list(record.indices)
        tokens = spec.split(",") if isinstance(spec, str) else list(spec)
        chosen: list[str] = []
        for token in tokens:
            if token.startswith("-"):
                chosen = [i for i in chosen if not fnmatchcase(i, token[1:])]
            else:
                chosen += [i for i in record.indices if fnmatchcase(i, token) and i not in chosen]
        return chosen


_CAT_PARAMS = ("format", "h", "help", "s", "v", "time", "bytes", "ignore_unavailable", "repository")
_CAT_SNAPSHOT_COLUMNS: dict[str, tuple[str, ...]] = {
    "id": ("snapshot",),
    "status": ("s",),
    "start_epoch": ("ste", "startEpoch"),
    "start_time": ("sti", "startTime"),
    "end_epoch": ("ete", "endEpoch"),
    "end_time": ("eti", "endTime"),
    "duration": ("dur",),
    "indices": ("i",),
    "successful_shards": ("ss",),
    "failed_shards": ("fs",),
    "total_shards": ("ts",),
    "reason": ("r",),
}


def _version_id(engine: str, version: str) -> int:
    parts = ([int(p) for p in re.findall(r"\d+", version)[:3]] + [0, 0, 0])[:3]
    raw = parts[0] * 1_000_000 + parts[1] * 10_000 + parts[2] * 100 + 99
    return raw ^ 0x08000000 if engine == "opensearch" else raw


def _distribute(total: int, indices: list[str]) -> dict[str, int]:
    if not indices:
        return {}
    base, extra = divmod(total, len(indices))
    return {index: base + (1 if i < extra else 0) for i, index in enumerate(indices)}


FILES_PER_SHARD = 12
BYTES_PER_SHARD = 4_194_304


def _stats(shards: int, start_millis: int, elapsed: int, processed_shards: float | None = None) -> dict[str, Any]:
    """SnapshotStats as the engine writes it: ``processed`` appears only while its file count
    differs from ``incremental`` (OpenSearch ``SnapshotStats.toXContent``)."""
    files = {"file_count": FILES_PER_SHARD * shards, "size_in_bytes": BYTES_PER_SHARD * shards}
    stats: dict[str, Any] = {"incremental": files}
    if processed_shards is not None:
        processed = {
            "file_count": int(FILES_PER_SHARD * processed_shards),
            "size_in_bytes": int(BYTES_PER_SHARD * processed_shards),
        }
        if processed["file_count"] != files["file_count"]:
            stats["processed"] = processed
    stats.update(total=dict(files), start_time_in_millis=start_millis, time_in_millis=elapsed)
    return stats


_JAVA_FORMAT = (("yyyy", "%Y"), ("MM", "%m"), ("dd", "%d"), ("HH", "%H"), ("mm", "%M"), ("ss", "%S"))
_DATE_MATH = re.compile(
    r"\{now(?P<math>(?:[+-]\d+[yMwdhHms])*)(?:/(?P<round>[yMwdhHms]))?(?:\{(?P<fmt>[^}|]*)[^}]*\})?\}"
)


def _resolve_date_math(expression: str, now: datetime) -> str:
    """``nightly-{now/d}`` -> ``nightly-2024.03.05`` (UTC), as IndexNameExpressionResolver does."""

    def substitute(match: re.Match[str]) -> str:
        moment = now.astimezone(UTC)
        for sign, amount, unit in re.findall(r"([+-])(\d+)([yMwdhHms])", match.group("math") or ""):
            delta = int(amount) * (-1 if sign == "-" else 1)
            moment += {
                "w": timedelta(weeks=delta),
                "d": timedelta(days=delta),
                "h": timedelta(hours=delta),
                "H": timedelta(hours=delta),
                "m": timedelta(minutes=delta),
                "s": timedelta(seconds=delta),
            }.get(unit, timedelta())
        rounding = match.group("round")
        if rounding in ("d", "M", "y", "h", "H", "m"):
            moment = moment.replace(second=0, microsecond=0)
            if rounding in ("d", "M", "y", "h", "H"):
                moment = moment.replace(minute=0)
            if rounding in ("d", "M", "y"):
                moment = moment.replace(hour=0)
            if rounding in ("M", "y"):
                moment = moment.replace(day=1)
            if rounding == "y":
                moment = moment.replace(month=1)
        fmt = match.group("fmt") or "yyyy.MM.dd"
        for java, python in _JAVA_FORMAT:
            fmt = fmt.replace(java, python)
        return moment.strftime(fmt)

    return _DATE_MATH.sub(substitute, expression)
