"""Cluster health: ``_cluster/health[/{index}]`` (``level``, ``wait_for_status``, ``wait_for_no_initializing_shards``).

Every look at an index here is a poll of it (see indices.RecoveryProgress): recovering shards move one
step, so a restored index goes yellow -> green as a client watches it. Bodies follow OpenSearch's
ClusterHealthResponse / ClusterIndexHealth. Named indices that do not exist make health red and, since
the engine waits for them until ``timeout``, a 408 with ``timed_out: true`` (the emulator does not spend
the timeout: it answers at once).
"""

from __future__ import annotations

from typing import Any

from tests.emulator.actions import endpoint
from tests.emulator.engine import Cluster
from tests.emulator.engine.state import ACCOUNT_ID
from tests.emulator.indices import INITIALIZING, STARTED, UNASSIGNED, IndexRecord, worst
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
_COUNT_KEYS = ("active_primary_shards", "active_shards", "initializing_shards", "unassigned_shards")


class HealthActions:
    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster

    def routes(self) -> list[Route]:
        health = endpoint(self.cluster, self._health, *_HEALTH_PARAMS)
        return [
            Route("/_cluster/health", {"GET": health}),
            Route("/_cluster/health/{index}", {"GET": health}),
        ]

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
