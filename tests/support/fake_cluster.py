"""A small in-memory cluster behind a fake ``requests.Session``, answering the restore's calls with
real OpenSearch 2.x response bodies (recorded shapes: ``_cat/indices?format=json``, ``GET _alias``,
``_cluster/health/<i>?level=shards``, ``<i>/_recovery``, ``_cluster/allocation/explain``, the
restore's ``{"accepted": true}`` and its ``snapshot_restore_exception``). It lets the steps be
unit-tested before the domain emulator grows these endpoints; the state machine tests use the
emulator."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

import requests

from snapshot_sentinel.client import DomainClient
from tests.support.constants import ENDPOINT


@dataclass
class FakeIndex:
    shards: int = 1
    replicas: int = 0
    status: str = "open"
    docs: int = 10
    restored_from: tuple[str, str, int] | None = None
    unassigned_primary: dict[str, Any] | None = None


@dataclass
class FakeSnapshot:
    name: str
    indices: tuple[str, ...]
    state: str = "SUCCESS"
    start: int = 1_795_831_200_000
    metadata: dict[str, Any] = field(default_factory=dict)
    failures: list[dict[str, Any]] = field(default_factory=list)


class _Response:
    def __init__(self, status: int, body: Any) -> None:
        self.status_code = status
        self.content = json.dumps(body).encode() if body is not None else b""

    def json(self) -> Any:
        return json.loads(self.content)


def _engine_error(status: int, error_type: str, reason: str) -> _Response:
    error = {"root_cause": [{"type": error_type, "reason": reason}], "type": error_type, "reason": reason}
    return _Response(status, {"error": error, "status": status})


class FakeCluster(requests.Session):
    """``request`` answers from the model; ``calls`` records (method, path, params, body)."""

    def __init__(self, repository: str = "nightly-backups") -> None:
        super().__init__()
        self.repository = repository
        self.indices: dict[str, FakeIndex] = {}
        self.aliases: dict[str, set[str]] = {}
        self.snapshots: dict[str, FakeSnapshot] = {}
        self.calls: list[tuple[str, str, dict[str, str], Any]] = []
        self.max_shards_per_node = 1000
        self.data_nodes = 2
        self.now_millis = 1_795_856_405_000
        self.snapshot_shards = 1
        """Primary shards of every index in the fake's snapshots."""
        self.restore_timeout: str | None = None
        """"before" or "after": the next restore gets a 504, without or after applying it."""

    def request(self, method: str, url: str, params: Any = None, data: Any = None, **_: Any) -> Any:  # type: ignore[override]
        path = unquote(url.removeprefix(ENDPOINT))
        body = json.loads(data) if data else None
        self.calls.append((method, path, dict(params or {}), body))
        return self._answer(method, path, dict(params or {}), body)

    def paths(self, method: str) -> list[str]:
        return [path for m, path, _, _ in self.calls if m == method]

    def _answer(self, method: str, path: str, params: dict[str, str], body: Any) -> _Response:
        repo = re.escape(self.repository)
        if method == "GET" and path == "/_cat/indices/*":
            return _Response(
                200, [{"index": n, "status": i.status, "pri": str(i.shards)} for n, i in self.indices.items()]
            )
        if method == "GET" and path.startswith("/_cat/indices/"):
            return self._cat(path.removeprefix("/_cat/indices/").split(","))
        if method == "GET" and path == "/_alias":
            return _Response(
                200, {n: {"aliases": {a: {} for a, ix in self.aliases.items() if n in ix}} for n in self.indices}
            )
        if method == "GET" and path == "/_cluster/settings":
            return _Response(
                200,
                {
                    "persistent": {},
                    "transient": {},
                    "defaults": {"cluster.max_shards_per_node": str(self.max_shards_per_node)},
                },
            )
        if method == "GET" and path == "/_cluster/health":
            shards = sum(i.shards * (1 + i.replicas) for i in self.indices.values() if i.status == "open")
            return _Response(
                200,
                {
                    "cluster_name": "123456789012:test",
                    "status": "green",
                    "number_of_nodes": self.data_nodes,
                    "number_of_data_nodes": self.data_nodes,
                    "active_primary_shards": shards,
                    "active_shards": shards,
                    "relocating_shards": 0,
                    "initializing_shards": 0,
                    "unassigned_shards": 0,
                },
            )
        if method == "GET" and path.startswith("/_cluster/health/"):
            return self._health(path.removeprefix("/_cluster/health/").split(","))
        if method == "GET" and path.endswith("/_recovery"):
            return self._recovery(path.strip("/").removesuffix("/_recovery").split(","))
        if method == "GET" and path == "/_cluster/allocation/explain":
            index = self.indices.get(body["index"])
            if index is None or index.unassigned_primary is None:
                return _engine_error(
                    400, "illegal_argument_exception", "unable to find any unassigned shards to explain"
                )
            return _Response(
                200,
                {
                    "index": body["index"],
                    "shard": body["shard"],
                    "primary": True,
                    "current_state": "unassigned",
                    **index.unassigned_primary,
                },
            )
        match = re.fullmatch(rf"/_snapshot/{repo}/([^/]+)/_restore", path)
        if method == "POST" and match:
            return self._restore(match.group(1), body)
        match = re.fullmatch(rf"/_snapshot/{repo}/([^/]+)", path)
        if method == "GET" and match:
            return self._get_snapshots(match.group(1))
        if method == "PUT" and match:
            name = match.group(1)
            self.snapshots[name] = FakeSnapshot(
                name, tuple(body["indices"].split(",")), metadata=body.get("metadata", {})
            )
            return _Response(200, {"accepted": True})
        match = re.fullmatch(r"/([^_/][^/]*)/(_close|_open)", path)
        if method == "POST" and match:
            for name in match.group(1).split(","):
                self.indices[name].status = "close" if match.group(2) == "_close" else "open"
            return _Response(200, {"acknowledged": True, "shards_acknowledged": True})
        if method == "POST" and path == "/_aliases":
            for action in body["actions"]:
                self.aliases.setdefault(action["add"]["alias"], set()).add(action["add"]["index"])
            return _Response(200, {"acknowledged": True})
        if method == "DELETE" and not path.startswith("/_"):
            names = path.strip("/").split(",")
            missing = [n for n in names if n not in self.indices]
            if missing:
                return _engine_error(404, "index_not_found_exception", f"no such index [{missing[0]}]")
            for name in names:
                del self.indices[name]
            return _Response(200, {"acknowledged": True})
        return _Response(400, {"error": f"no handler found for uri [{path}] and method [{method}]"})

    def _snapshot_doc(self, snap: FakeSnapshot) -> dict[str, Any]:
        return {
            "snapshot": snap.name,
            "uuid": f"uuid-{snap.name}",
            "version_id": 136327827,
            "version": "2.11.0",
            "indices": list(snap.indices),
            "data_streams": [],
            "include_global_state": False,
            "metadata": snap.metadata,
            "state": snap.state,
            "start_time_in_millis": snap.start,
            "end_time_in_millis": snap.start + 60_000,
            "duration_in_millis": 60_000,
            "failures": snap.failures,
            "shards": {
                "total": len(snap.indices),
                "failed": len(snap.failures),
                "successful": len(snap.indices) - len(snap.failures),
            },
        }

    def _get_snapshots(self, names: str) -> _Response:
        if names == "_all":
            return _Response(200, {"snapshots": [self._snapshot_doc(s) for s in self.snapshots.values()]})
        found = [self.snapshots[n] for n in names.split(",") if n in self.snapshots]
        if not found:
            return _engine_error(404, "snapshot_missing_exception", f"[{self.repository}:{names}] is missing")
        return _Response(200, {"snapshots": [self._snapshot_doc(s) for s in found]})

    def _restore(self, name: str, body: dict[str, Any]) -> _Response:
        snap = self.snapshots.get(name)
        if snap is None:
            return _engine_error(404, "snapshot_missing_exception", f"[{self.repository}:{name}] is missing")
        pattern, replacement = body.get("rename_pattern"), body.get("rename_replacement")
        targets = []
        for source in body["indices"].split(","):
            target = re.sub(pattern, replacement.replace("$", "\\"), source) if pattern else source
            existing = self.indices.get(target)
            if existing is not None and existing.status == "close" and existing.shards != self.snapshot_shards:
                return _engine_error(
                    500,
                    "snapshot_restore_exception",
                    f"[{self.repository}:{name}/uuid] cannot restore index [{target}] with [{existing.shards}] shards "
                    f"from a snapshot of index [{source}] with [{self.snapshot_shards}] shards",
                )
            if existing is not None and existing.status == "open":
                return _engine_error(
                    500,
                    "snapshot_restore_exception",
                    f"[{self.repository}:{name}/uuid] cannot restore index [{target}] because an open index with same "
                    "name already exists in the cluster. Either close or delete the existing index or restore the "
                    "index under a different name by providing a rename pattern and replacement name",
                )
            targets.append((source, target))
        if self.restore_timeout == "before":
            self.restore_timeout = None
            return _Response(504, {"message": "Gateway Timeout"})
        for source, target in targets:
            self.indices[target] = FakeIndex(restored_from=(name, source, self.now_millis))
        if self.restore_timeout == "after":
            self.restore_timeout = None
            return _Response(504, {"message": "Gateway Timeout"})
        return _Response(200, {"accepted": True})

    def _health(self, names: list[str]) -> _Response:
        indices = {}
        for name in names:
            index = self.indices.get(name)
            if index is None:
                continue
            broken = index.unassigned_primary is not None
            indices[name] = {
                "status": "red" if broken else "green",
                "number_of_shards": index.shards,
                "number_of_replicas": index.replicas,
                "active_primary_shards": 0 if broken else index.shards,
                "active_shards": 0 if broken else index.shards,
                "relocating_shards": 0,
                "initializing_shards": 0,
                "unassigned_shards": index.shards if broken else 0,
                "shards": {
                    str(s): {
                        "status": "red" if broken else "green",
                        "primary_active": not broken,
                        "active_shards": 0 if broken else 1,
                        "relocating_shards": 0,
                        "initializing_shards": 0,
                        "unassigned_shards": 1 if broken else 0,
                    }
                    for s in range(index.shards)
                },
            }
        return _Response(200, {"cluster_name": "123456789012:test", "status": "green", "indices": indices})

    def _recovery(self, names: list[str]) -> _Response:
        doc = {}
        for name in names:
            index = self.indices.get(name)
            if index is None:
                continue
            shards = []
            if index.unassigned_primary is None:
                for shard in range(index.shards):
                    entry: dict[str, Any] = {
                        "id": shard,
                        "type": "EMPTY_STORE",
                        "stage": "DONE",
                        "primary": True,
                        "start_time_in_millis": 1,
                    }
                    if index.restored_from:
                        snap, source, started = index.restored_from
                        entry.update(
                            type="SNAPSHOT",
                            start_time_in_millis=started,
                            source={
                                "repository": self.repository,
                                "snapshot": snap,
                                "version": "2.11.0",
                                "index": source,
                                "restoreUUID": "r",
                            },
                        )
                    shards.append(entry)
            doc[name] = {"shards": shards}
        return _Response(200, doc)

    def _cat(self, names: list[str]) -> _Response:
        rows = []
        for name in names:
            index = self.indices.get(name)
            if index is None:
                return _engine_error(404, "index_not_found_exception", f"no such index [{name}]")
            rows.append(
                {
                    "index": name,
                    "health": "green",
                    "status": index.status,
                    "pri": str(index.shards),
                    "rep": str(index.replicas),
                    "docs.count": str(index.docs),
                    "store.size": "2048",
                }
            )
        return _Response(200, rows)


def fake_client(cluster: FakeCluster) -> DomainClient:
    return DomainClient(ENDPOINT, cluster)
