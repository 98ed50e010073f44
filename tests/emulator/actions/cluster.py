"""The cluster: ``_cluster/health[/{index}]``, ``{index}/_recovery``, ``_cluster/settings``, ``_nodes``,
``_cat/nodes``, ``_cat/shards``, ``_cat/recovery`` and ``_cluster/allocation/explain``.

Every look at an index here is a poll of it (see indices.RecoveryProgress): recovering shards move one
step, so a restored index goes red -> yellow -> green as a client watches it. Bodies follow OpenSearch's
ClusterHealthResponse / ClusterIndexHealth, RecoveryState (with SnapshotRecoverySource's fields per
version), ClusterGetSettingsResponse, RestNodesAction, RestShardsAction, RestCatRecoveryAction and
ClusterAllocationExplanation. Named indices that do not exist make health red and, since the engine
waits for them until ``timeout``, a 408 with ``timed_out: true`` (the emulator does not spend the
timeout: it answers at once).
"""

from __future__ import annotations

from typing import Any

from tests.emulator.actions import endpoint
from tests.emulator.actions.cat import CAT_PARAMS, Row, cat_table
from tests.emulator.actions.indices import INDICES_OPTIONS, nest
from tests.emulator.engine import ACCOUNT_ID, DEFAULT_MAX_SHARDS_PER_NODE, Cluster
from tests.emulator.formats import iso, millis
from tests.emulator.indices import INITIALIZING, STARTED, UNASSIGNED, IndexRecord, Recovery, ShardCopy, cat_bytes, worst
from tests.emulator.responses import ApiError, Reply, engine_error
from tests.emulator.routing import Call, Route

_HEALTH_PARAMS = (
    "level",
    "local",
    "timeout",
    "wait_for_status",
    "wait_for_active_shards",
    "wait_for_nodes",
    "wait_for_events",
    "wait_for_no_relocating_shards",
    "wait_for_no_initializing_shards",
    "expand_wildcards",
    "awareness_attribute",
    "ensure_node_commissioned",
)
_STATUS_ORDER = {"green": 0, "yellow": 1, "red": 2}
_DEFAULT_CLUSTER_SETTINGS = {
    "cluster.max_shards_per_node": str(DEFAULT_MAX_SHARDS_PER_NODE),
    "cluster.routing.allocation.enable": "all",
    "action.auto_create_index": "true",
    "action.destructive_requires_name": "false",
    "indices.recovery.max_bytes_per_sec": "40mb",
}
_CAT_SHARDS_COLUMNS: dict[str, tuple[str, ...]] = {
    "index": ("i", "idx"),
    "shard": ("s", "sh"),
    "prirep": ("p", "pr", "primaryOrReplica"),
    "state": ("st",),
    "docs": ("d", "dc"),
    "store": ("sto",),
    "ip": (),
    "id": (),
    "node": ("n",),
    "unassigned.reason": ("ur",),
    "unassigned.at": ("ua",),
    "unassigned.details": ("ud",),
    "seq_no.max": ("sqm", "maxSeqNo"),
}
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


class ClusterActions:
    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster

    def routes(self) -> list[Route]:
        c = self.cluster
        health = endpoint(c, self._health, *_HEALTH_PARAMS)
        recovery = endpoint(c, self._recovery, "active_only", "detailed", *INDICES_OPTIONS, timeouts=False)
        shards = endpoint(c, self._cat_shards, *CAT_PARAMS, "local")
        cat_recovery = endpoint(c, self._cat_recovery, *CAT_PARAMS, "active_only", "detailed", "index", timeouts=False)
        explain = endpoint(c, self._explain, "include_yes_decisions", "include_disk_info", body=True, timeouts=False)
        return [
            Route("/_cluster/health", {"GET": health}),
            Route("/_cluster/health/{index}", {"GET": health}),
            Route("/{index}/_recovery", {"GET": recovery}),
            Route(
                "/_cluster/settings",
                {
                    "GET": endpoint(c, self._get_settings, "flat_settings", "include_defaults", "local"),
                    "PUT": endpoint(c, self._put_settings, "flat_settings", "timeout", body=True),
                },
            ),
            Route("/_nodes", {"GET": endpoint(c, self._nodes, "flat_settings", "timeout", timeouts=False)}),
            Route("/_cat/nodes", {"GET": endpoint(c, self._cat_nodes, *CAT_PARAMS, "full_id", "local")}),
            Route("/_cat/shards", {"GET": shards}),
            Route("/_cat/shards/{index}", {"GET": shards}),
            Route("/_cat/recovery", {"GET": cat_recovery}),
            Route("/_cat/recovery/{index}", {"GET": cat_recovery}),
            Route("/_cluster/allocation/explain", {"GET": explain, "POST": explain}),
        ]

    # ------------------------------------------------------------------ health

    def _health(self, call: Call) -> Reply:
        expression = call.params.get("index")
        records = self.cluster.resolve(
            expression, ignore_unavailable=True, expand=call.query.get("expand_wildcards", "all")
        )
        self.cluster.poll(records)
        named_missing = False
        if expression:
            try:
                self.cluster.resolve(expression, allow_no_indices=False, expand="all")
            except ApiError:
                named_missing = True
        statuses = [r.health() for r in records]
        status = "red" if named_missing else worst(statuses)
        per_index = [r.counts() for r in records]
        counts = {key: sum(c[key] for c in per_index) for key in _COUNT_KEYS}
        total = sum(len(r.copies) for r in records)
        active_percent = 100.0 if total == 0 else 100.0 * counts["active_shards"] / total
        wanted = call.query.get("wait_for_status")
        waits_met = not named_missing
        if wanted:
            if wanted not in _STATUS_ORDER:
                raise engine_error(400, "illegal_argument_exception", f"unknown cluster health status [{wanted}]")
            waits_met = waits_met and _STATUS_ORDER[status] <= _STATUS_ORDER[wanted]
        if call.flag("wait_for_no_initializing_shards", False):
            waits_met = waits_met and counts["initializing_shards"] == 0
        timed_out = not waits_met and (
            bool(expression) or bool(wanted) or "wait_for_no_initializing_shards" in call.query
        )
        body: dict[str, Any] = {
            "cluster_name": f"{ACCOUNT_ID}:{self.cluster.domain_name}",
            "status": status,
            "timed_out": timed_out,
            "number_of_nodes": self.cluster.data_nodes,
            "number_of_data_nodes": self.cluster.data_nodes,
        }
        if self.cluster.is_opensearch:
            body["discovered_master"] = True
            if self.cluster.version_tuple[0] >= 2:
                body["discovered_cluster_manager"] = True
        body.update(
            {
                "active_primary_shards": counts["active_primary_shards"],
                "active_shards": counts["active_shards"],
                "relocating_shards": 0,
                "initializing_shards": counts["initializing_shards"],
                "unassigned_shards": counts["unassigned_shards"],
                "delayed_unassigned_shards": 0,
                "number_of_pending_tasks": 0,
                "number_of_in_flight_fetch": 0,
                "task_max_waiting_in_queue_millis": 0,
                "active_shards_percent_as_number": active_percent,
            }
        )
        level = call.query.get("level", "cluster")
        if level in ("indices", "shards"):
            body["indices"] = {r.name: self._index_health(r, shards=level == "shards") for r in records}
        return Reply.json(408 if timed_out else 200, body)

    @staticmethod
    def _index_health(record: IndexRecord, *, shards: bool) -> dict[str, Any]:
        counts = record.counts()
        view: dict[str, Any] = {
            "status": record.health(),
            "number_of_shards": record.shards,
            "number_of_replicas": record.replicas,
            "active_primary_shards": counts["active_primary_shards"],
            "active_shards": counts["active_shards"],
            "relocating_shards": 0,
            "initializing_shards": counts["initializing_shards"],
            "unassigned_shards": counts["unassigned_shards"],
        }
        if shards:
            view["shards"] = {}
            for shard in range(record.shards):
                copies = [c for c in record.copies if c.shard == shard]
                primary_active = any(c.primary and c.state == STARTED for c in copies)
                view["shards"][str(shard)] = {
                    "status": record.shard_health(shard),
                    "primary_active": primary_active,
                    "active_shards": sum(1 for c in copies if c.state == STARTED),
                    "relocating_shards": 0,
                    "initializing_shards": sum(1 for c in copies if c.state == INITIALIZING),
                    "unassigned_shards": sum(1 for c in copies if c.state == UNASSIGNED),
                }
        return view

    # ------------------------------------------------------------------ recovery

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

    def _node(self, node: str | None) -> dict[str, Any]:
        position = next((i for i, (node_id, _) in enumerate(self.cluster.nodes) if node_id == node), 0)
        ip = f"10.0.{position}.{10 + position}"
        return {
            "id": node,
            "host": ip,
            "transport_address": f"{ip}:9300",
            "ip": ip,
            "name": self.cluster.node_name_of(node),
        }

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
        state["target"] = self._node(copy_.node)
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
            return self._node(recovery.source.get("id"))
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

    # ------------------------------------------------------------------ settings

    def _get_settings(self, call: Call) -> Reply:
        flat = call.flag("flat_settings", False)

        def shape(settings: dict[str, str]) -> dict[str, Any]:
            return dict(settings) if flat else nest(settings)

        body: dict[str, Any] = {
            "persistent": shape(self.cluster.persistent_settings),
            "transient": shape(self.cluster.transient_settings),
        }
        if call.flag("include_defaults", False):
            defaults = {
                k: v
                for k, v in _DEFAULT_CLUSTER_SETTINGS.items()
                if k not in self.cluster.persistent_settings and k not in self.cluster.transient_settings
            }
            body["defaults"] = shape(defaults)
        return Reply.json(200, body)

    def _put_settings(self, call: Call) -> Reply:
        body = call.body if isinstance(call.body, dict) else {}
        if not body.get("persistent") and not body.get("transient"):
            raise engine_error(
                400, "action_request_validation_exception", "Validation Failed: 1: no settings to update;"
            )
        flat = call.flag("flat_settings", False)
        answer: dict[str, Any] = {"acknowledged": True}
        for scope, store in (
            ("persistent", self.cluster.persistent_settings),
            ("transient", self.cluster.transient_settings),
        ):
            changes = body.get(scope) or {}
            applied: dict[str, str] = {}
            for key, value in changes.items():
                if key == "cluster.max_shards_per_node" and value is not None:
                    try:
                        number = int(value)
                    except (TypeError, ValueError):
                        raise engine_error(
                            400,
                            "illegal_argument_exception",
                            f"Failed to parse value [{value}] for setting [cluster.max_shards_per_node]",
                        ) from None
                    if number < 1:
                        raise engine_error(
                            400,
                            "illegal_argument_exception",
                            f"Failed to parse value [{value}] for setting [cluster.max_shards_per_node] must be >= 1",
                        )
                if value is None:
                    store.pop(key, None)
                else:
                    store[key] = applied[key] = "true" if value is True else "false" if value is False else str(value)
            answer[scope] = applied if flat else nest(applied)
        return Reply.json(200, answer)

    # ------------------------------------------------------------------ nodes

    def _roles(self, position: int) -> list[str]:
        manager = "cluster_manager" if self.cluster.cluster_manager != "master" else "master"
        return sorted(["data", "ingest", manager, "remote_cluster_client"])

    def _nodes(self, call: Call) -> Reply:
        nodes = {}
        for position, (node_id, _name) in enumerate(self.cluster.nodes):
            view = self._node(node_id)
            nodes[node_id] = {
                "name": view["name"],
                "transport_address": view["transport_address"],
                "host": view["host"],
                "ip": view["ip"],
                "version": self.cluster.version,
                "build_type": "tar",
                "build_hash": "unknown",
                "roles": self._roles(position),
            }
        total = len(nodes)
        return Reply.json(
            200,
            {
                "_nodes": {"total": total, "successful": total, "failed": 0},
                "cluster_name": f"{ACCOUNT_ID}:{self.cluster.domain_name}",
                "nodes": nodes,
            },
        )

    def _cat_nodes(self, call: Call) -> Reply:
        manager_column = "cluster_manager" if self.cluster.cluster_manager != "master" else "master"
        columns: dict[str, tuple[str, ...]] = {
            "ip": ("i",),
            "heap.percent": ("hp", "heapPercent"),
            "ram.percent": ("rp", "ramPercent"),
            "cpu": (),
            "load_1m": ("l",),
            "load_5m": ("l",),
            "load_15m": ("l",),
            "node.role": ("r", "role", "nodeRole"),
            manager_column: ("m",),
            "name": ("n",),
            "id": ("nodeId",),
        }
        rows: list[Row] = []
        for position, (node_id, name) in enumerate(self.cluster.nodes):
            rows.append(
                {
                    "ip": self._node(node_id)["ip"],
                    "heap.percent": "31",
                    "ram.percent": "97",
                    "cpu": "3",
                    "load_1m": "0.10",
                    "load_5m": "0.12",
                    "load_15m": "0.09",
                    "node.role": "dimr",
                    manager_column: "*" if position == 0 else "-",
                    "name": name,
                    "id": node_id if call.flag("full_id", False) else node_id[:4],
                }
            )
        return cat_table(call, rows, columns, hidden={"id"})

    # ------------------------------------------------------------------ _cat/shards, _cat/recovery

    def _cat_shards(self, call: Call) -> Reply:
        records = self.cluster.resolve(call.params.get("index"), expand="all")
        self.cluster.poll(records)
        unit = call.query.get("bytes")
        rows: list[Row] = []
        for record in sorted(records, key=lambda r: r.name):
            per_shard_docs = record.doc_count // max(record.shards, 1)
            per_shard_bytes = record.store_bytes // max(record.shards, 1)
            for copy_ in sorted(record.copies, key=lambda c: (c.shard, not c.primary)):
                started = copy_.state == STARTED
                node = self._node(copy_.node) if copy_.node else None
                rows.append(
                    {
                        "index": record.name,
                        "shard": str(copy_.shard),
                        "prirep": "p" if copy_.primary else "r",
                        "state": copy_.state,
                        "docs": str(per_shard_docs) if started and record.is_open else None,
                        "store": cat_bytes(per_shard_bytes, unit) if started and record.is_open else None,
                        "ip": node["ip"] if node else None,
                        "id": copy_.node,
                        "node": node["name"] if node else None,
                        "unassigned.reason": copy_.unassigned_reason if copy_.state == UNASSIGNED else None,
                        "unassigned.at": iso(copy_.unassigned_at) if copy_.unassigned_at else None,
                        "unassigned.details": copy_.unassigned_details if copy_.state == UNASSIGNED else None,
                        "seq_no.max": str(record.max_seq_no(copy_.shard)) if started and record.is_open else None,
                    }
                )
        hidden = {"id", "unassigned.reason", "unassigned.at", "unassigned.details", "seq_no.max"}
        return cat_table(call, rows, _CAT_SHARDS_COLUMNS, hidden=hidden)

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
                source_node = self._node(source.get("id")) if recovery.type == "PEER" else None
                target = self._node(copy_.node)
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

    # ------------------------------------------------------------------ allocation explain

    def _explain(self, call: Call) -> Reply:
        body = call.body if isinstance(call.body, dict) else {}
        records = list(self.cluster.indices.values())
        if body:
            record = self.cluster.indices.get(str(body.get("index")))
            if record is None:
                raise self.cluster.index_missing(str(body.get("index")))
            shard = int(body.get("shard", 0))
            primary = bool(body.get("primary", False))
            copy_ = next((c for c in record.copies if c.shard == shard and c.primary == primary), None)
            if copy_ is None:
                raise engine_error(
                    400, "illegal_argument_exception", f"No shard was specified in the request [{shard}]"
                )
        else:
            found = [(r, c) for r in records for c in r.copies if c.state == UNASSIGNED]
            if not found:
                raise engine_error(
                    400,
                    "illegal_argument_exception",
                    "No shard was specified in the explain API request, so this request explains a randomly chosen "
                    "unassigned shard. There are no unassigned shards in this cluster, but this request will not "
                    "work until the cluster has unassigned shards. Specify the index, shard and primary to explain.",
                )
            record, copy_ = found[0]
        view: dict[str, Any] = {
            "index": record.name,
            "shard": copy_.shard,
            "primary": copy_.primary,
            "current_state": copy_.state.lower(),
        }
        if copy_.state == UNASSIGNED:
            view["unassigned_info"] = {
                "reason": copy_.unassigned_reason,
                "at": iso(copy_.unassigned_at),
                "last_allocation_status": copy_.allocation_status or "no_attempt",
            }
            if copy_.unassigned_details:
                view["unassigned_info"]["details"] = copy_.unassigned_details
            view["can_allocate"] = "no"
            view["allocate_explanation"] = "cannot allocate because allocation is not permitted to any of the nodes"
        else:
            view["current_node"] = {"id": copy_.node, "name": self.cluster.node_name_of(copy_.node)}
            view["can_remain_on_current_node"] = "yes"
        return Reply.json(200, view)


_COUNT_KEYS = ("active_primary_shards", "active_shards", "initializing_shards", "unassigned_shards")


def _percent(part: int, whole: int) -> str:
    """RecoveryState's percentages: nothing to recover counts as 100%."""
    return f"{(100.0 if whole == 0 else 100.0 * part / whole):.1f}%"
