"""Amazon's front end of the domain: SigV4 first, then injected faults, then the engine.

``FrontEnd.handle`` takes one raw HTTP request, checks its signature as Amazon does (sigv4.py),
applies the first matching injected ``Fault`` (a gateway 504, a reset, throttling, an FGAC or
PassRole refusal...) and otherwise hands the request to the engine's ``Router``. Every request is
recorded with the status answered. It holds the cluster's lock for the whole request, so the HTTP
server may call it from many threads.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from urllib.parse import unquote

from tests.emulator import sigv4
from tests.emulator.engine import Cluster
from tests.emulator.engine.state import ACCOUNT_ID
from tests.emulator.model import Fault, RecordedRequest
from tests.emulator.responses import (
    GATEWAY_TIMEOUT_BODY,
    PROXY_LOGIN_BODY,
    SERVICE_UNAVAILABLE_BODY,
    ApiError,
    Reply,
    amazon_error,
    engine_error,
)
from tests.emulator.routing import Router, json_or_none, parse_query
from tests.emulator.sigv4 import EmulatorCredentials

CALLER_ROLE_ARN = f"arn:aws:iam::{ACCOUNT_ID}:role/snapshot-sentinel-function"
SNAPSHOT_ROLE_ARN = f"arn:aws:iam::{ACCOUNT_ID}:role/TheSnapshotRole"
# Cluster-wide operations Amazon refuses (a bare GET /_recovery would list every shard of the domain:
# recovery is only served per index, GET /<index>/_recovery)
BLOCKED_PATHS = frozenset({"/_recovery", "/_cluster/reroute", "/_xpack"})


class FrontEnd:
    """SigV4, faults and the request log in front of the engine's router."""

    def __init__(
        self, cluster: Cluster, router: Router, *, credentials: EmulatorCredentials | None, region: str
    ) -> None:
        self.cluster = cluster
        self.router = router
        self.credentials = credentials
        self.region = region
        self.faults: list[Fault] = []
        self.requests: list[RecordedRequest] = []
        self.after_hooks: list[tuple[str, str, Callable[[], None]]] = []

    def after(self, method: str, path: str, action: Callable[[], None]) -> None:
        """Run ``action`` once, right after the first successful ``method`` request whose decoded path
        matches the regular expression ``path`` was answered (before the answer is sent): what happens
        to the domain between two calls of a client, at a precise point. Call it holding the lock."""
        self.after_hooks.append((method.upper(), path, action))

    def _take_after(self, method: str, path: str, status: int) -> Callable[[], None] | None:
        if not 200 <= status < 300:
            return None
        for hook in self.after_hooks:
            if hook[0] == method and re.search(hook[1], path):
                self.after_hooks.remove(hook)
                return hook[2]
        return None

    def handle(self, method: str, target: str, headers: Mapping[str, str], body: bytes) -> Reply:
        """Answer one raw HTTP request; thread-safe."""
        method = method.upper()
        raw_path, _, raw_query = target.partition("?")
        path = unquote(raw_path) or "/"
        query = parse_query(raw_query)
        parsed_body = json_or_none(body)
        with self.cluster.lock:
            reply = self._answer(method, target, path, raw_path, query, headers, body)
            action = self._take_after(method, path, reply.status)
            if action is not None:
                action()
            self.requests.append(RecordedRequest(method, path, query, parsed_body, reply.status, target))
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
            self._refuse_blocked(path, body)
            if path.rstrip("/").endswith("/_close") and not self.cluster.at_least_es(7, 4):
                # Amazon offers _close from Elasticsearch 7.4 (SNAPSHOT_API.md §7)
                raise amazon_error(401, f"Your request: '{path}' is not allowed.", key="Message")
            fault = self._take_fault(method, path)
            if fault is None:
                return self.router.dispatch(method, target, raw_path, query, headers, body)
            return self._apply_fault(fault, method, target, raw_path, path, query, headers, body)
        except ApiError as error:
            return error.reply

    @staticmethod
    def _refuse_blocked(path: str, body: bytes) -> None:
        """Operations Amazon's front end does not pass to the engine: 401 ``{"Message": "Your request: '<path>'
        is not allowed."}``, the shape it answers for ``/_cluster/reroute`` and ``/_xpack``; and the expanded
        form of a ``_cluster/settings`` body (only the flat form is accepted: "... payload is not allowed.")."""
        normalized = "/" + "/".join(s for s in path.split("/") if s)
        if normalized in BLOCKED_PATHS:
            raise amazon_error(401, f"Your request: '{normalized}' is not allowed.", key="Message")
        if normalized == "/_cluster/settings" and body:
            document = json_or_none(body)
            scopes = document.values() if isinstance(document, dict) else []
            if any(isinstance(v, dict) for scope in scopes if isinstance(scope, dict) for v in scope.values()):
                raise amazon_error(401, f"Your request: '{normalized}' payload is not allowed.", key="Message")

    def _take_fault(self, method: str, path: str) -> Fault | None:
        for fault in self.faults:
            if fault.method is not None and fault.method.upper() != method:
                continue
            if not re.search(fault.path, path):
                continue
            fault.times -= 1
            if fault.times <= 0:
                self.faults.remove(fault)
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
            self.router.dispatch(method, target, raw_path, query, headers, body)
            if kind == "reset_after":
                return Reply.connection_reset()
            return Reply.html(504, GATEWAY_TIMEOUT_BODY)
        if kind == "gateway_timeout_before":
            return Reply.html(504, GATEWAY_TIMEOUT_BODY)
        if kind == "reset":
            return Reply.connection_reset()
        if kind == "unavailable":
            return Reply.html(503, SERVICE_UNAVAILABLE_BODY)
        if kind == "html_page":
            return Reply.html(200, fault.message or PROXY_LOGIN_BODY)
        if kind == "cluster_event_timeout":
            raise engine_error(
                503,
                "process_cluster_event_timeout_exception",
                f"failed to process cluster event ({fault.message or self._cluster_task(method, path)}) within 30s",
            )
        if kind == "throttle":
            error_type = (
                "rejected_execution_exception" if self.cluster.is_opensearch else "es_rejected_execution_exception"
            )
            executor = "OpenSearchThreadPoolExecutor" if self.cluster.is_opensearch else "EsThreadPoolExecutor"
            reason = fault.message or (
                f"rejected execution of org.{self.cluster.engine}.transport.TransportService$7@3f2a4b1c on "
                f"{executor}[name = {self.cluster.node_name}/snapshot, queue capacity = 1000, "
                "active threads = 5, queued tasks = 1000, completed tasks = 81234]"
            )
            raise engine_error(429, error_type, reason)
        if kind == "concurrent":
            segments = [s for s in path.split("/") if s]
            repo = segments[1] if len(segments) > 1 else "_all"
            snap = segments[2] if len(segments) > 2 else "_all"
            if fault.message:
                raise self.cluster.concurrent(repo, snap, fault.message)
            if method == "DELETE" and not self.cluster.supports_concurrent_snapshots:
                raise self.cluster.concurrent_delete(repo, snap)
            raise self.cluster.concurrent_create(repo, snap, fault_only=True)
        if kind == "forbidden_fgac":
            user = fault.message or CALLER_ROLE_ARN
            action = self._security_action(method, path)
            raise engine_error(
                403,
                "security_exception",
                f"no permissions for [{action}] and User [name={user}, backend_roles=[{user}], requestedTenant=null]",
            )
        if kind == "forbidden_passrole":
            parsed = json_or_none(body)
            settings = parsed.get("settings") if isinstance(parsed, dict) else None
            role = (settings or {}).get("role_arn") if isinstance(settings, dict) else None
            message = fault.message or (
                f"User: arn:aws:sts::{ACCOUNT_ID}:assumed-role/snapshot-sentinel-function/session is not authorized "
                f"to perform: iam:PassRole on resource: {role or SNAPSHOT_ROLE_ARN}"
            )
            raise amazon_error(403, message, key="Message")
        raise AssertionError(kind)

    @staticmethod
    def _cluster_task(method: str, path: str) -> str:
        """The cluster-state task the request queues, as the engine names it in a timeout."""
        segments = [s for s in path.split("/") if s]
        if segments[:1] == ["_snapshot"] and segments[-1:] == ["_restore"] and len(segments) == 4:
            return f"restore_snapshot[{segments[2]}]"  # RestoreService
        if segments[:1] == ["_snapshot"] and len(segments) == 3 and method in ("PUT", "POST"):
            return f"create_snapshot [{segments[2]}]"
        if len(segments) == 1 and method == "PUT":
            return f"create-index [{segments[0]}], cause [api]"
        return f"{method.lower()} {path}"

    @staticmethod
    def _security_action(method: str, path: str) -> str:
        """The transport action the security plugin names for this request."""
        segments = [s for s in path.split("/") if s]
        if not segments:
            return "cluster:monitor/main"
        if segments[0] != "_snapshot" and not (segments[0] == "_cat" and segments[1:2] == ["snapshots"]):
            return _index_action(method, segments)
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


_NAMED_ACTIONS = {
    "_cluster/health": "cluster:monitor/health",
    "_cluster/settings": "cluster:monitor/settings",
    "_nodes": "cluster:monitor/nodes/info",
    "_cluster/allocation": "cluster:monitor/allocation/explain",
    "_aliases": "indices:admin/aliases",
    "_alias": "indices:admin/aliases/get",
    "_recovery": "indices:monitor/recovery",
    "_mapping": "indices:admin/mappings/get",
    "_count": "indices:data/read/search",
    "_search": "indices:data/read/search",
    "_bulk": "indices:data/write/bulk",
    "_doc": "indices:data/write/index",
    "_close": "indices:admin/close",
    "_open": "indices:admin/open",
    "_cat/indices": "indices:monitor/stats",
    "_cat/shards": "indices:monitor/stats",
    "_cat/recovery": "indices:monitor/recovery",
    "_cat/nodes": "cluster:monitor/nodes/info",
    "_cat/repositories": "cluster:admin/repository/get",
}


def _index_action(method: str, segments: list[str]) -> str:
    for length in (2, 1):
        key = "/".join(segments[:length])
        if key in _NAMED_ACTIONS:
            action = _NAMED_ACTIONS[key]
            return "cluster:admin/settings/update" if key == "_cluster/settings" and method == "PUT" else action
    for segment in segments[1:]:
        if segment in _NAMED_ACTIONS:
            action = _NAMED_ACTIONS[segment]
            if segment in ("_alias", "_aliases") and method in ("PUT", "POST", "DELETE"):
                return "indices:admin/aliases"
            if segment == "_doc" and method == "GET":
                return "indices:data/read/get"
            return action
    return {"PUT": "indices:admin/create", "DELETE": "indices:admin/delete"}.get(method, "indices:admin/get")
