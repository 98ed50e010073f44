"""Shard recovery: ``{index}/_recovery`` (``active_only``, ``detailed``, ``human``) and ``_cat/recovery[/{index}]``.

Every look at an index here is a poll of it (see indices.RecoveryProgress): recovering shards move one
step. Bodies follow OpenSearch's RecoveryState (with SnapshotRecoverySource's fields per version) and
RestCatRecoveryAction; a shard whose recovery failed (UNASSIGNED) is not listed.
"""

from __future__ import annotations

from typing import Any

from tests.emulator.actions import endpoint
from tests.emulator.actions.cat import CAT_PARAMS, Row, cat_table
from tests.emulator.actions.indices import INDICES_OPTIONS
from tests.emulator.actions.nodes import node_view
from tests.emulator.engine import Cluster
from tests.emulator.formats import iso, millis
from tests.emulator.indices import UNASSIGNED, IndexRecord, Recovery, ShardCopy, cat_bytes
from tests.emulator.responses import Reply
from tests.emulator.routing import Call, Route

_CAT_RECOVERY_COLUMNS: dict[str, tuple[str, ...]] = {
    "index": ("i", "idx"),
    "shard": ("s", "sh"),
    "start_time": ("start",),
    "start_time_millis": ("start_millis",),
    "stop_time": ("stop",),
    "stop_time_millis": ("stop_millis",),
    "time": ("t", "ti"),
    "type": ("ty",),
    "stage": ("st",),
    "source_host": ("shost",),
    "source_node": ("snode",),
    "target_host": ("thost",),
    "target_node": ("tnode",),
    "repository": ("rep",),
    "snapshot": ("snap",),
    "files": ("f",),
    "files_recovered": ("fr",),
    "files_percent": ("fp",),
    "files_total": ("tf",),
    "bytes": ("b",),
    "bytes_recovered": ("br",),
    "bytes_percent": ("bp",),
    "bytes_total": ("tb",),
    "translog_ops": ("to",),
    "translog_ops_recovered": ("tor",),
    "translog_ops_percent": ("top",),
}
_CAT_RECOVERY_SHOWN = [
    "index",
    "shard",
    "time",
    "type",
    "stage",
    "source_host",
    "source_node",
    "target_host",
    "target_node",
    "repository",
    "snapshot",
    "files",
    "files_recovered",
    "files_percent",
    "files_total",
    "bytes",
    "bytes_recovered",
    "bytes_percent",
    "bytes_total",
    "translog_ops",
    "translog_ops_recovered",
    "translog_ops_percent",
]


class RecoveryActions:
    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster

    def routes(self) -> list[Route]:
        c = self.cluster
        recovery = endpoint(c, self._recovery, "active_only", "detailed", *INDICES_OPTIONS, timeouts=False)
        cat_recovery = endpoint(c, self._cat_recovery, *CAT_PARAMS, "active_only", "detailed", "index", timeouts=False)
        return [
            Route("/{index}/_recovery", {"GET": recovery}),
            Route("/_cat/recovery", {"GET": cat_recovery}),
            Route("/_cat/recovery/{index}", {"GET": cat_recovery}),
        ]

    def _recovery(self, call: Call) -> Reply:
        records = self.cluster.resolve(
            call.params["index"],
            ignore_unavailable=call.flag("ignore_unavailable", False),
            allow_no_indices=call.flag("allow_no_indices", True),
            expand=call.query.get("expand_wildcards", "open"),
        )
        self.cluster.poll(records)
        active_only = call.flag("active_only", False)
        detailed = call.flag("detailed", False)
        human = call.flag("human", False)
        body: dict[str, Any] = {}
        for record in records:
            states = [
                self._recovery_state(record, c, detailed=detailed, human=human)
                for c in sorted(record.copies, key=lambda c: (c.shard, not c.primary))
                if c.recovery is not None and c.state != UNASSIGNED and not (active_only and c.recovery.done)
            ]
            if states:
                body[record.name] = {"shards": states}
        return Reply.json(200, body)

    def _recovery_state(self, record: IndexRecord, copy_: ShardCopy, *, detailed: bool, human: bool) -> dict[str, Any]:
        recovery = copy_.recovery
        assert recovery is not None
        now = self.cluster.clock()
        start = millis(recovery.start)
        stop = millis(recovery.stop) if recovery.stop else 0
        elapsed = max(0, (stop or millis(now)) - start)
        state: dict[str, Any] = {
            "id": copy_.shard,
            "type": recovery.type,
            "stage": recovery.stage,
            "primary": copy_.primary,
        }
        if human:
            state["start_time"] = iso(recovery.start)
        state["start_time_in_millis"] = start
        if stop:
            if human:
                state["stop_time"] = iso(recovery.stop)
            state["stop_time_in_millis"] = stop
        state["total_time_in_millis"] = elapsed
        state["source"] = self._recovery_source(recovery)
        state["target"] = node_view(self.cluster, copy_.node)
        size = recovery.size_bytes
        recovered = int(size * recovery.fraction)
        files_recovered = int(recovery.files * recovery.fraction)
        index: dict[str, Any] = {
            "size": {
                "total_in_bytes": size,
                "reused_in_bytes": 0,
                "recovered_in_bytes": recovered,
                "percent": _percent(recovered, size),
            },
            "files": {
                "total": recovery.files,
                "reused": 0,
                "recovered": files_recovered,
                "percent": _percent(files_recovered, recovery.files),
            },
            "total_time_in_millis": elapsed,
            "source_throttle_time_in_millis": 0,
            "target_throttle_time_in_millis": 0,
        }
        if detailed:
            index["files"]["details"] = []
        state["index"] = index
        state["translog"] = {
            "recovered": 0,
            "total": 0,
            "percent": "100.0%",
            "total_on_start": 0,
            "total_time_in_millis": 0,
        }
        state["verify_index"] = {"check_index_time_in_millis": 0, "total_time_in_millis": 0}
        return state

    def _recovery_source(self, recovery: Recovery) -> dict[str, Any]:
        if recovery.type == "PEER":
            return node_view(self.cluster, recovery.source.get("id"))
        if recovery.type == "EXISTING_STORE":
            return {"bootstrap_new_history_uuid": False}
        if recovery.type != "SNAPSHOT":
            return {}
        source = recovery.source
        view: dict[str, Any] = {
            "repository": source["repository"],
            "snapshot": source["snapshot"],
            "version": source["version"],
            "index": source["index"],
        }
        if not self.cluster.is_opensearch:
            view["restoreUUID"] = source["restore_uuid"]
            return view
        view["restore_uuid"] = source["restore_uuid"]
        if self.cluster.version_tuple[:2] >= (2, 7):
            view["is_searchable_snapshot"] = False
        if self.cluster.version_tuple[:2] >= (2, 9):
            view["remote_store_index_shallow_copy"] = False
            view["source_remote_store_repository"] = None
        if self.cluster.version_tuple[:2] >= (2, 17):
            view["source_remote_translog_repository"] = None
        return view

    def _cat_recovery(self, call: Call) -> Reply:
        records = self.cluster.resolve(call.params.get("index"), expand="all")
        self.cluster.poll(records)
        active_only = call.flag("active_only", False)
        unit = call.query.get("bytes")
        rows: list[Row] = []
        now = millis(self.cluster.clock())
        for record in sorted(records, key=lambda r: r.name):
            for copy_ in sorted(record.copies, key=lambda c: (c.shard, not c.primary)):
                recovery = copy_.recovery
                if recovery is None or copy_.state == UNASSIGNED or (active_only and recovery.done):
                    continue
                source = recovery.source
                source_node = node_view(self.cluster, source.get("id")) if recovery.type == "PEER" else None
                target = node_view(self.cluster, copy_.node)
                start = millis(recovery.start)
                stop = millis(recovery.stop) if recovery.stop else 0
                recovered = int(recovery.size_bytes * recovery.fraction)
                files_recovered = int(recovery.files * recovery.fraction)
                rows.append(
                    {
                        "index": record.name,
                        "shard": str(copy_.shard),
                        "start_time": iso(recovery.start),
                        "start_time_millis": str(start),
                        "stop_time": iso(recovery.stop) if recovery.stop else iso(None),
                        "stop_time_millis": str(stop),
                        "time": f"{max(0, (stop or now) - start)}ms",
                        "type": recovery.type.lower(),
                        "stage": recovery.stage.lower(),
                        "source_host": source_node["host"] if source_node else "n/a",
                        "source_node": source_node["name"] if source_node else "n/a",
                        "target_host": target["host"],
                        "target_node": target["name"],
                        "repository": source.get("repository", "n/a") if recovery.type == "SNAPSHOT" else "n/a",
                        "snapshot": source.get("snapshot", "n/a") if recovery.type == "SNAPSHOT" else "n/a",
                        "files": str(recovery.files),
                        "files_recovered": str(files_recovered),
                        "files_percent": _percent(files_recovered, recovery.files),
                        "files_total": str(recovery.files),
                        "bytes": cat_bytes(recovery.size_bytes, unit or "b"),
                        "bytes_recovered": cat_bytes(recovered, unit or "b"),
                        "bytes_percent": _percent(recovered, recovery.size_bytes),
                        "bytes_total": cat_bytes(recovery.size_bytes, unit or "b"),
                        "translog_ops": "0",
                        "translog_ops_recovered": "0",
                        "translog_ops_percent": "100.0%",
                    }
                )
        hidden = set(_CAT_RECOVERY_COLUMNS) - set(_CAT_RECOVERY_SHOWN)
        return cat_table(call, rows, _CAT_RECOVERY_COLUMNS, hidden=hidden)


def _percent(part: int, whole: int) -> str:
    """RecoveryState's percentages: nothing to recover counts as 100%."""
    return f"{(100.0 if whole == 0 else 100.0 * part / whole):.1f}%"
