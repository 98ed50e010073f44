"""One domain, two backends: the scenarios of tests/engine run against the real engine (behind
Amazon's front) or the emulator through the same small interface, and assert what the domain itself
then holds (documents, aliases, health, snapshots), read straight from it, not from the product.

- ``EngineDomain``: a running ``EngineProcess`` (one per test session) and a fresh ``EngineFront``
  per test; ``reset()`` deletes every index, snapshot and repository between tests.
- ``EmulatorDomain``: an ``EmulatedDomain`` served on a free port.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Protocol
from urllib.parse import quote

from tests.emulator import EmulatedDomain, EmulatorCredentials, Fault, serve
from tests.emulator.model import RecordedRequest
from tests.emulator.responses import ApiError, Reply
from tests.emulator.routing import parse_query
from tests.emulator.server import EmulatorServer
from tests.engine.front import EngineFront
from tests.engine.launcher import EngineProcess

JSON_HEADERS = {"Content-Type": "application/json"}


class ScenarioDomain(Protocol):
    """What a scenario does to a domain and reads back from it, on either backend."""

    backend: str
    endpoint: str

    def register_repository(self, name: str, *, bucket: str, base_path: str = "") -> None: ...
    def create_index(
        self,
        name: str,
        *,
        shards: int = 1,
        replicas: int = 0,
        docs: int = 0,
        aliases: Sequence[str] = (),
        settings: Mapping[str, Any] | None = None,
    ) -> None: ...
    def add_documents(self, index: str, count: int) -> None: ...
    def delete_documents(self, index: str, count: int, *, ids_from: str | None = None) -> int: ...
    def delete_index(self, name: str) -> None: ...
    def index_names(self) -> set[str]: ...
    def count(self, index: str) -> int: ...
    def aliases(self, index: str) -> set[str]: ...
    def health(self, index: str) -> str: ...
    def snapshot_states(self, repository: str) -> dict[str, str]: ...
    def update_aliases(self, actions: Sequence[Mapping[str, Any]]) -> None: ...
    def write(self, target: str, doc_id: str) -> int: ...
    def is_closed(self, index: str) -> bool: ...
    def drill_copy_loses(self, repository: str, index: str, docs: int) -> None: ...
    def after(self, method: str, path: str, action: Callable[[], None]) -> None: ...
    def inject(self, fault: Fault) -> None: ...
    @property
    def requests(self) -> list[RecordedRequest]: ...
    def clear_requests(self) -> None: ...


def _documents(index: str, start: int, count: int) -> Iterable[tuple[str, dict[str, Any]]]:
    for n in range(start, start + count):
        yield f"{index}-{n}", {"message": f"document {n} of {index}", "n": n}


class EngineDomain:
    """The real engine behind a fresh Amazon front; administration goes to the engine directly."""

    backend = "engine"

    def __init__(self, engine: EngineProcess, credentials: EmulatorCredentials | None) -> None:
        self.engine = engine
        self.front = EngineFront(engine.endpoint, engine.repository_root, credentials=credentials)
        self._server: EmulatorServer | None = None
        self.endpoint = ""
        self.write_refusals: dict[int, str] = {}
        """The first reason the engine gave for each status of a refused ``write``."""

    def __enter__(self) -> EngineDomain:
        self._server = EmulatorServer(self.front, 0).start()  # type: ignore[arg-type]
        self.endpoint = self._server.endpoint
        return self

    def __exit__(self, *exc: object) -> None:
        if self._server is not None:
            self._server.close()

    # -- plain engine calls (unsigned, straight to the engine) -------------------------------

    def call(self, method: str, path: str, body: Any = None, *, expect: Sequence[int] = (200, 201)) -> Any:
        data = b"" if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
        headers = JSON_HEADERS if data else {}
        if path.startswith("/_snapshot/") and path.count("/") == 2 and method in ("PUT", "POST"):
            raw_path, _, raw_query = path.partition("?")
            reply = self.front.proxy.dispatch(method, path, raw_path, parse_query(raw_query), headers, data)
        else:
            reply = self.front.proxy.send(method, path, headers, data)
        if reply.status not in expect:
            raise AssertionError(f"{method} {path} answered {reply.status}: {reply.body[:500]!r}")
        return reply.document()

    def register_repository(self, name: str, *, bucket: str, base_path: str = "") -> None:
        settings = {"bucket": bucket, "role_arn": "arn:aws:iam::123456789012:role/TheSnapshotRole"}
        if base_path:
            settings["base_path"] = base_path
        self.call("PUT", f"/_snapshot/{name}", {"type": "s3", "settings": settings})

    def create_index(
        self,
        name: str,
        *,
        shards: int = 1,
        replicas: int = 0,
        docs: int = 0,
        aliases: Sequence[str] = (),
        settings: Mapping[str, Any] | None = None,
    ) -> None:
        body = {
            "settings": {"index.number_of_shards": shards, "index.number_of_replicas": replicas, **(settings or {})},
            "mappings": {"properties": {"message": {"type": "text"}, "n": {"type": "long"}}},
            "aliases": {alias: {} for alias in aliases},
        }
        self.call("PUT", f"/{quote(name, safe='')}?wait_for_active_shards=0", body)
        if docs:
            self._bulk(name, 0, docs)

    def add_documents(self, index: str, count: int) -> None:
        self._bulk(index, self.count(index), count)

    def _bulk(self, index: str, start: int, count: int) -> None:
        lines = []
        for doc_id, document in _documents(index, start, count):
            lines.append(json.dumps({"index": {"_index": index, "_id": doc_id}}))
            lines.append(json.dumps(document))
        reply = self.front.proxy.send(
            "POST", "/_bulk?refresh=true", {"Content-Type": "application/x-ndjson"}, ("\n".join(lines) + "\n").encode()
        )
        document = reply.document()
        if reply.status != 200 or document.get("errors"):
            raise AssertionError(f"bulk into {index} failed: {reply.body[:500]!r}")

    def delete_documents(self, index: str, count: int, *, ids_from: str | None = None) -> int:
        """Delete the ``count`` last generated documents of ``index`` (ids ``<ids_from>-<n>``, ``ids_from``
        defaulting to ``index``: a restored copy keeps its source's ids) and refresh; returns how many went.
        (``_delete_by_query`` lives in the reindex module, which an embedded node does not load.)"""
        total = self.count(index)
        lines = [
            json.dumps({"delete": {"_index": index, "_id": f"{ids_from or index}-{n}"}})
            for n in range(total - count, total)
        ]
        reply = self.front.proxy.send(
            "POST", "/_bulk?refresh=true", {"Content-Type": "application/x-ndjson"}, ("\n".join(lines) + "\n").encode()
        )
        items = reply.document()["items"]
        return sum(1 for item in items if item["delete"]["result"] == "deleted")

    def delete_index(self, name: str) -> None:
        self.call("DELETE", f"/{quote(name, safe='')}")

    def index_names(self) -> set[str]:
        rows = self.call("GET", "/_cat/indices?format=json&h=index&expand_wildcards=all")
        return {row["index"] for row in rows}

    def count(self, index: str) -> int:
        self.call("POST", f"/{quote(index, safe='')}/_refresh")
        return int(self.call("GET", f"/{quote(index, safe='')}/_count")["count"])

    def aliases(self, index: str) -> set[str]:
        return set(self.call("GET", f"/{quote(index, safe='')}/_alias")[index]["aliases"])

    def health(self, index: str) -> str:
        return str(self.call("GET", f"/_cluster/health/{quote(index, safe='')}")["status"])

    def is_closed(self, index: str) -> bool:
        rows = self.call("GET", f"/_cat/indices/{quote(index, safe='')}?format=json&h=status&expand_wildcards=all")
        return bool(rows) and rows[0]["status"] == "close"

    def snapshot_states(self, repository: str) -> dict[str, str]:
        doc = self.call("GET", f"/_snapshot/{repository}/_all")
        return {s["snapshot"]: s["state"] for s in doc["snapshots"]}

    def snapshot(self, repository: str, name: str) -> dict[str, Any]:
        [snapshot] = self.call("GET", f"/_snapshot/{repository}/{name}")["snapshots"]
        return dict(snapshot)

    def update_aliases(self, actions: Sequence[Mapping[str, Any]]) -> None:
        self.call("POST", "/_aliases", {"actions": list(actions)})

    def write(self, target: str, doc_id: str) -> int:
        """Index one document through ``target`` (an index or an alias), waiting at most 1 s for its
        primary; the HTTP status the engine answered."""
        body = json.dumps({"message": f"live write {doc_id}", "n": -1}).encode()
        path = f"/{quote(target, safe='')}/_doc/{quote(doc_id, safe='')}?timeout=1s"
        reply = self.front.proxy.send("PUT", path, JSON_HEADERS, body)
        if reply.status >= 300:
            error = (reply.document() or {}).get("error") or {}
            self.write_refusals.setdefault(reply.status, str(error.get("reason", reply.body[:200])))
        return reply.status

    def settle(self, timeout: float = 60.0) -> None:
        """Let the engine finish what it is doing: its pending cluster tasks, every running snapshot and
        restore (the cluster state's ``snapshots`` and ``restore`` entries), every shard recovery. Called
        when virtual time passes (a Wait state): on AWS a wait lasts 30 s or more, in which a test-sized
        snapshot or restore finishes."""
        deadline = time.monotonic() + timeout
        while True:
            health = self.call(
                "GET",
                "/_cluster/health?wait_for_events=languid&wait_for_no_initializing_shards=true&timeout=30s",
                expect=(200, 408),
            )
            state = self.call("GET", "/_cluster/state?filter_path=restore.snapshots,snapshots.snapshots") or {}
            busy = {
                "initializing shards": health["initializing_shards"],
                "restores": (state.get("restore") or {}).get("snapshots"),
                "snapshots": (state.get("snapshots") or {}).get("snapshots"),
                "recoveries": self.call("GET", "/_recovery?active_only=true"),
            }
            if not any(busy.values()):
                return
            if time.monotonic() > deadline:
                raise AssertionError(f"the engine is still busy after {timeout} s: {busy}")
            time.sleep(0.05)

    def drill_copy_loses(self, repository: str, index: str, docs: int) -> None:
        """The drill's restored copy of ``index`` loses ``docs`` documents before the drill verifies it:
        right after the drill's restore request, once the copy is recovered."""

        def lose() -> None:
            self.call("GET", "/_cluster/health/drill-*?wait_for_status=green&timeout=30s")
            rows = self.call("GET", "/_cat/indices/drill-*?format=json&h=index")
            [copy] = [row["index"] for row in rows if row["index"].endswith(f"-{index}")]
            assert self.delete_documents(copy, docs, ids_from=index) == docs

        self.front.after("POST", rf"^/_snapshot/{repository}/[^/]+/_restore$", lose)

    # -- the front ------------------------------------------------------------------------------

    def after(self, method: str, path: str, action: Callable[[], None]) -> None:
        self.front.after(method, path, action)

    def inject(self, fault: Fault) -> None:
        self.front.inject(fault)

    @property
    def requests(self) -> list[RecordedRequest]:
        return self.front.recorded()

    def clear_requests(self) -> None:
        self.front.clear_requests()

    # -- between tests ------------------------------------------------------------------------

    def reset(self) -> None:
        """Leave the engine empty: no index, no snapshot, no repository, no files in path.repo."""
        repositories = self.call("GET", "/_snapshot")
        for repository in repositories:
            names = list(self.snapshot_states(repository))
            if names:
                self.call("DELETE", f"/_snapshot/{repository}/{','.join(names)}")
            self.call("DELETE", f"/_snapshot/{repository}")
        indices = self.index_names()
        if indices:
            self.call("DELETE", "/" + ",".join(quote(i, safe="") for i in sorted(indices)) + "?expand_wildcards=all")
        self.call("PUT", "/_cluster/settings", {"persistent": {"*": None}, "transient": {"*": None}})
        root = self.engine.repository_root
        for entry in root.iterdir() if root.exists() else ():
            shutil.rmtree(entry) if entry.is_dir() else entry.unlink()


class EmulatorDomain:
    """The emulator, through the same interface."""

    backend = "emulator"

    def __init__(self, emulated: EmulatedDomain) -> None:
        self.emulated = emulated
        self.endpoint = ""
        self._serving: Any = None

    def __enter__(self) -> EmulatorDomain:
        self._serving = serve(self.emulated, port=0)
        self.endpoint = self._serving.__enter__().endpoint
        return self

    def __exit__(self, *exc: object) -> None:
        self._serving.__exit__(*exc)

    def _send(self, method: str, path: str, body: Any = None) -> Reply:
        """One request to the emulated engine, past the front end (no signature, no fault)."""
        raw_path, _, raw_query = path.partition("?")
        data = b"" if body is None else json.dumps(body).encode()
        headers = JSON_HEADERS if data else {}
        with self.emulated.cluster.lock:
            try:
                return self.emulated.front_end.router.dispatch(
                    method, path, raw_path, parse_query(raw_query), headers, data
                )
            except ApiError as error:
                return error.reply

    def _get(self, path: str) -> Any:
        return self._send("GET", path).document()

    def update_aliases(self, actions: Sequence[Mapping[str, Any]]) -> None:
        reply = self._send("POST", "/_aliases", {"actions": list(actions)})
        assert reply.status == 200, reply.body

    def write(self, target: str, doc_id: str) -> int:
        path = f"/{quote(target, safe='')}/_doc/{quote(doc_id, safe='')}?timeout=1s"
        return self._send("PUT", path, {"message": f"live write {doc_id}", "n": -1}).status

    def register_repository(self, name: str, *, bucket: str, base_path: str = "") -> None:
        extra = {"base_path": base_path} if base_path else {}
        self.emulated.register_repository(name, bucket=bucket, **extra)

    def create_index(
        self,
        name: str,
        *,
        shards: int = 1,
        replicas: int = 0,
        docs: int = 0,
        aliases: Sequence[str] = (),
        settings: Mapping[str, Any] | None = None,
    ) -> None:
        self.emulated.create_index(
            name, shards=shards, replicas=replicas, docs=docs, aliases=list(aliases), settings=dict(settings or {})
        )

    def add_documents(self, index: str, count: int) -> None:
        self.emulated.add_documents(index, count)

    def delete_documents(self, index: str, count: int, *, ids_from: str | None = None) -> int:
        before = self.emulated.index(index).doc_count  # type: ignore[union-attr]
        return before - self.emulated.delete_documents(index, count)

    def delete_index(self, name: str) -> None:
        self.emulated.delete_index(name)

    def index_names(self) -> set[str]:
        return set(self.emulated.index_names())

    def count(self, index: str) -> int:
        record = self.emulated.index(index)
        assert record is not None, f"no index {index}"
        return record.doc_count

    def aliases(self, index: str) -> set[str]:
        record = self.emulated.index(index)
        assert record is not None, f"no index {index}"
        return set(record.aliases)

    def health(self, index: str) -> str:
        return str(self._get(f"/_cluster/health/{quote(index, safe='')}")["status"])

    def is_closed(self, index: str) -> bool:
        rows = self._get(f"/_cat/indices/{quote(index, safe='')}?format=json&h=status&expand_wildcards=all")
        return bool(rows) and rows[0]["status"] == "close"

    def snapshot_states(self, repository: str) -> dict[str, str]:
        return {s.name: s.state for s in self.emulated.snapshots(repository)}

    def drill_copy_loses(self, repository: str, index: str, docs: int) -> None:
        """The emulator's way: the newest snapshot's copy of ``index`` holds ``docs`` fewer documents."""
        newest = max(self.emulated.snapshots(repository), key=lambda s: (s.start_time, s.name))
        held = newest.contents[index].doc_count
        self.emulated.lose_documents(repository, newest.name, index, docs=held - docs)

    def after(self, method: str, path: str, action: Callable[[], None]) -> None:
        with self.emulated.cluster.lock:
            self.emulated.front_end.after(method, path, action)

    def inject(self, fault: Fault) -> None:
        self.emulated.inject(fault)

    @property
    def requests(self) -> list[RecordedRequest]:
        return self.emulated.requests

    def clear_requests(self) -> None:
        self.emulated.clear_requests()
