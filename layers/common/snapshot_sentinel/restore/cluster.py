"""What a restore reads from and asks of the domain, over the injected :class:`DomainClient`.

Real API shapes (OpenSearch 1.x-3.x, Elasticsearch 6.8-7.10): ``_cat/indices`` (JSON),
``GET _alias``, ``_cluster/health[/<indices>]?level=shards``, ``_cluster/settings`` with
defaults, ``<indices>/_recovery``, ``_cluster/allocation/explain``, ``POST
_snapshot/<repo>/<snapshot>/_restore``, ``POST <indices>/_close`` and ``_open``, ``POST _aliases``,
``DELETE /<indices>``. Lists of index names go in the URL
in chunks (Amazon's front end refuses very long request lines), so 10,000 targets are a few
dozen requests, never one enormous one.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any
from urllib.parse import quote

from snapshot_sentinel.client import DomainClient
from snapshot_sentinel.models import SnapshotInfo
from snapshot_sentinel.restore.plan import DEFAULT_MAX_SHARDS_PER_NODE, ClusterFacts

ALIAS_ACTIONS_PER_REQUEST = 500
URL_NAMES_MAX_CHARS = 3000
"""Characters of comma-joined index names per request line (Amazon's limit is about 4 KB)."""
DECISIVE_ALLOCATION = frozenset({"no", "no_valid_shard_copy", "no_attempt"})
"""``_cluster/allocation/explain`` decisions after which a primary will not be allocated by waiting."""


def chunks(names: Iterable[str], max_chars: int = URL_NAMES_MAX_CHARS) -> Iterator[list[str]]:
    """``names`` in groups whose quoted, comma-joined length stays under ``max_chars``."""
    batch: list[str] = []
    size = 0
    for name in names:
        length = len(quote(name, safe="*")) + 1
        if batch and size + length > max_chars:
            yield batch
            batch, size = [], 0
        batch.append(name)
        size += length
    if batch:
        yield batch


def _joined(names: Sequence[str]) -> str:
    return "/" + quote(",".join(names), safe=",*")


def _int(value: Any, default: int = 0) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def allocation_reason(explained: Mapping[str, Any]) -> tuple[bool, str]:
    """Read a primary's ``_cluster/allocation/explain`` answer: whether it is decisive (waiting will not
    allocate it) and the reason in the domain's words (at most 500 characters)."""
    info = explained.get("unassigned_info") or {}
    decision = str(explained.get("can_allocate") or info.get("last_allocation_status") or "")
    words = [
        str(explained.get("allocate_explanation") or ""),
        f"unassigned because {info['reason']}" if info.get("reason") else "",
        str(info.get("details") or ""),
    ]
    reason = "; ".join(w for w in words if w) or "the domain gave no allocation explanation"
    decisive = decision in DECISIVE_ALLOCATION or info.get("reason") == "ALLOCATION_FAILED"
    return decisive, reason[:500]


class RestoreDomain:
    """The index, cluster and restore APIs a restore uses."""

    def __init__(self, client: DomainClient) -> None:
        self.client = client

    # -- the live cluster, for the plan ------------------------------------------------------

    def _index_rows(self) -> list[dict[str, Any]]:
        rows = self.client.read(
            "/_cat/indices/*", {"format": "json", "h": "index,status,pri", "expand_wildcards": "all"}
        )
        return list(rows or [])

    def existing_indices(self) -> dict[str, str]:
        """Every index, hidden and closed ones included -> ``open`` or ``close``."""
        return {str(row["index"]): str(row.get("status") or "open") for row in self._index_rows()}

    def alias_holders(self) -> dict[str, frozenset[str]]:
        """Every alias -> the indices it points at now (``GET _alias``)."""
        doc = self.client.read("/_alias") or {}
        found: dict[str, set[str]] = {}
        for index, entry in doc.items():
            for name in (entry or {}).get("aliases") or {}:
                found.setdefault(str(name), set()).add(str(index))
        return {name: frozenset(indices) for name, indices in found.items()}

    def max_shards_per_node(self) -> int:
        doc = self.client.read("/_cluster/settings", {"include_defaults": "true", "flat_settings": "true"}) or {}
        for scope in ("transient", "persistent", "defaults"):
            value = (doc.get(scope) or {}).get("cluster.max_shards_per_node")
            if value is not None:
                return _int(value, DEFAULT_MAX_SHARDS_PER_NODE)
        return DEFAULT_MAX_SHARDS_PER_NODE

    def facts(self) -> ClusterFacts:
        health = self.client.read("/_cluster/health") or {}
        rows = self._index_rows()
        holders = self.alias_holders()
        return ClusterFacts(
            indices={str(row["index"]): str(row.get("status") or "open") for row in rows},
            aliases=frozenset(holders),
            alias_holders=holders,
            primaries={str(row["index"]): _int(row.get("pri")) for row in rows},
            max_shards_per_node=self.max_shards_per_node(),
            data_nodes=_int(health.get("number_of_data_nodes"), 1),
            open_shards=sum(
                _int(health.get(key)) for key in ("active_shards", "initializing_shards", "unassigned_shards")
            ),
        )

    def snapshots(self, repository: str, names: Sequence[str]) -> list[SnapshotInfo]:
        """Several snapshots with their index lists, in one request (comma list)."""
        if not names:
            return []
        doc = self.client.read(
            f"/_snapshot/{quote(repository, safe='')}{_joined(names)}", {"ignore_unavailable": "true"}
        )
        return [SnapshotInfo.from_api(item) for item in (doc or {}).get("snapshots") or []]

    # -- acting --------------------------------------------------------------------------------

    def restore(self, repository: str, snapshot: str, body: dict[str, Any]) -> None:
        """Start a restore; returns once the domain accepted it (never waits for it)."""
        self.client.request(
            "POST",
            f"/_snapshot/{quote(repository, safe='')}/{quote(snapshot, safe='')}/_restore",
            params={"wait_for_completion": "false"},
            body=body,
        )

    def close_indices(self, names: Sequence[str]) -> int:
        """Close exactly ``names`` (no wildcards); returns the number of requests sent."""
        return self._post_each(names, "_close")

    def open_indices(self, names: Sequence[str]) -> int:
        """Open exactly ``names`` again; returns the number of requests sent."""
        return self._post_each(names, "_open")

    def _post_each(self, names: Sequence[str], action: str) -> int:
        requests_sent = 0
        for batch in chunks(names):
            self.client.request("POST", f"{_joined(batch)}/{action}")
            requests_sent += 1
        return requests_sent

    def add_aliases(self, aliases: Sequence[tuple[str, str, Mapping[str, Any]]]) -> int:
        """``POST _aliases`` adding each (index, alias, definition); returns the number of requests."""
        requests_sent = 0
        for start in range(0, len(aliases), ALIAS_ACTIONS_PER_REQUEST):
            actions = [
                {"add": {"index": index, "alias": alias, **dict(spec)}}
                for index, alias, spec in aliases[start : start + ALIAS_ACTIONS_PER_REQUEST]
            ]
            self.client.request("POST", "/_aliases", body={"actions": actions})
            requests_sent += 1
        return requests_sent

    def delete_indices(self, names: Sequence[str]) -> int:
        """Delete exactly ``names`` (no wildcards); returns the number of requests sent."""
        requests_sent = 0
        for batch in chunks(names):
            self.client.request("DELETE", _joined(batch))
            requests_sent += 1
        return requests_sent

    # -- watching ------------------------------------------------------------------------------

    def index_health(self, names: Sequence[str]) -> dict[str, Any]:
        """``_cluster/health/<names>?level=shards``'s ``indices``; a missing index is absent."""
        found: dict[str, Any] = {}
        for batch in chunks(names):
            doc = self.client.read(f"/_cluster/health{_joined(batch)}", {"level": "shards"}) or {}
            found.update(doc.get("indices") or {})
        return found

    def recoveries(self, names: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
        """``<names>/_recovery``: each index's shard recoveries (Amazon refuses a bare _recovery)."""
        found: dict[str, list[dict[str, Any]]] = {}
        for batch in chunks(names):
            doc = self.client.read(f"{_joined(batch)}/_recovery", {"ignore_unavailable": "true"}) or {}
            for index, entry in doc.items():
                found[index] = list((entry or {}).get("shards") or [])
        return found

    def primary_allocation(self, index: str, shard: int) -> dict[str, Any]:
        """Why a primary is unassigned: ``_cluster/allocation/explain`` for it."""
        doc: dict[str, Any] = self.client.read(
            "/_cluster/allocation/explain", body={"index": index, "shard": shard, "primary": True}
        )
        return doc or {}

    def index_stats(self, names: Sequence[str]) -> dict[str, dict[str, Any]]:
        """Docs, shards and size per index (``_cat/indices``, bytes exact)."""
        found: dict[str, dict[str, Any]] = {}
        for batch in chunks(names):
            rows = self.client.read(
                f"/_cat/indices{_joined(batch)}",
                {"format": "json", "h": "index,health,status,pri,rep,docs.count,store.size", "bytes": "b"},
            )
            for row in rows or []:
                found[str(row.get("index"))] = {
                    "health": row.get("health"),
                    "docs": _int(row.get("docs.count")),
                    "primaries": _int(row.get("pri")),
                    "replicas": _int(row.get("rep")),
                    "size_bytes": _int(row.get("store.size")),
                }
        return found
