"""Nodes: ``_nodes`` and ``_cat/nodes`` (RestNodesInfoAction, RestNodesAction), and ``node_view``, how
every body that names a node (recovery sources and targets, ``_cat/shards``) shows it."""

from __future__ import annotations

from typing import Any

from tests.emulator.actions import endpoint
from tests.emulator.actions.cat import CAT_PARAMS, Row, cat_table
from tests.emulator.engine import Cluster
from tests.emulator.engine.state import ACCOUNT_ID
from tests.emulator.responses import Reply
from tests.emulator.routing import Call, Route


def node_view(cluster: Cluster, node: str | None) -> dict[str, Any]:
    """A data node's id, name and addresses (node n has the address 10.0.n.(10+n))."""
    position = next((i for i, (node_id, _) in enumerate(cluster.nodes) if node_id == node), 0)
    ip = f"10.0.{position}.{10 + position}"
    return {
        "id": node,
        "host": ip,
        "transport_address": f"{ip}:9300",
        "ip": ip,
        "name": cluster.node_name_of(node),
    }


class NodeActions:
    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster

    def routes(self) -> list[Route]:
        c = self.cluster
        return [
            Route("/_nodes", {"GET": endpoint(c, self._nodes, "flat_settings", "timeout", timeouts=False)}),
            Route("/_cat/nodes", {"GET": endpoint(c, self._cat_nodes, *CAT_PARAMS, "full_id", "local")}),
        ]

    def _roles(self, position: int) -> list[str]:
        manager = "cluster_manager" if self.cluster.cluster_manager != "master" else "master"
        return sorted(["data", "ingest", manager, "remote_cluster_client"])

    def _nodes(self, call: Call) -> Reply:
        nodes = {}
        for position, (node_id, _name) in enumerate(self.cluster.nodes):
            view = node_view(self.cluster, node_id)
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
                    "ip": node_view(self.cluster, node_id)["ip"],
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
