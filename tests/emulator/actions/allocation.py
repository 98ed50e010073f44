"""Shard allocation: where each shard copy is and why one is unassigned, ``_cat/shards[/{index}]``
(RestShardsAction: ``unassigned.reason``/``at``/``details``) and ``_cluster/allocation/explain``
(ClusterAllocationExplanation, a subset: reason, details, last status). ``_cat/shards`` polls the
indices it shows (see indices.RecoveryProgress)."""

from __future__ import annotations

from typing import Any

from tests.emulator.actions import endpoint
from tests.emulator.actions.cat import CAT_PARAMS, Row, cat_table
from tests.emulator.actions.nodes import node_view
from tests.emulator.engine import Cluster
from tests.emulator.formats import iso
from tests.emulator.indices import STARTED, UNASSIGNED, cat_bytes
from tests.emulator.responses import Reply, engine_error
from tests.emulator.routing import Call, Route

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


class AllocationActions:
    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster

    def routes(self) -> list[Route]:
        c = self.cluster
        shards = endpoint(c, self._cat_shards, *CAT_PARAMS, "local")
        explain = endpoint(c, self._explain, "include_yes_decisions", "include_disk_info", body=True, timeouts=False)
        return [
            Route("/_cat/shards", {"GET": shards}),
            Route("/_cat/shards/{index}", {"GET": shards}),
            Route("/_cluster/allocation/explain", {"GET": explain, "POST": explain}),
        ]

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
                node = node_view(self.cluster, copy_.node) if copy_.node else None
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
