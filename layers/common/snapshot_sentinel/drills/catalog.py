"""The drill catalog: for each index of a full snapshot, its document count before the snapshot
started and after it ended, so a drill can tell whether a restored index holds what it should.

It lives in a small DynamoDB table keyed by snapshot (partition key ``snapshot``, sort key
``index``), never in the repository's S3 prefix (the engine owns it, and ``_cleanup`` deletes
blobs it does not know) nor in snapshot metadata (1 KB). One item per index keeps every item
small and lets a reader take one snapshot's counts with a paginated Query; the backup writes
them with BatchWriteItem (25 per request), so 10,000 indices are one ``_cat/indices`` call and
400 writes per phase.

Each index's aliases (name -> definition: filter, routing, write flag), read with ``GET _alias``
before the snapshot starts, ride along in the same item as one JSON string: a snapshot's index
metadata cannot be read without restoring it, and a restore must know which aliases it would bring
back (:mod:`snapshot_sentinel.restore.aliases`). The string is bounded (:data:`ALIASES_MAX_BYTES`):
definitions beyond it are recorded as ``null`` (name only), names beyond twice that are dropped and
``aliases_truncated`` says so; an item stays far below DynamoDB's 400 KB.

Next to each count it records the write operations the index's primaries have numbered (the sum of
``seq_no.max + 1`` over its primaries, one ``_cat/shards`` call): their difference bounds the adds
and deletes during the snapshot, from which :mod:`snapshot_sentinel.drills.counts` derives the counts
a correct snapshot can hold, churn included.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from snapshot_sentinel.client import DomainClient
from snapshot_sentinel.errors import CatalogWriteError, InvalidInputError
from snapshot_sentinel.restore.selection import is_system_index

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import (
        AttributeValueTypeDef,
        QueryInputTypeDef,
        WriteRequestTypeDef,
        WriteRequestUnionTypeDef,
    )

    Item = dict[str, AttributeValueTypeDef]

BATCH = 25
"""BatchWriteItem's limit of items per request."""
KEEP_FOR = timedelta(days=400)
"""Items expire (DynamoDB TTL on ``expires_at``) well after any snapshot a drill would choose."""
ALIASES_MAX_BYTES = 48_000
"""Bytes of alias definitions one item keeps; names alone may take as much again."""


@dataclass(frozen=True)
class IndexCount:
    """One live index as ``_cat/indices`` reports it."""

    name: str
    docs: int
    primaries: int
    size_bytes: int


@dataclass(frozen=True)
class Recorded:
    """One index of a snapshot as the catalog holds it."""

    index: str
    docs_before: int | None
    docs_after: int | None
    primaries: int
    size_bytes: int
    ops_before: int | None = None
    ops_after: int | None = None
    aliases: Mapping[str, Mapping[str, Any] | None] | None = None
    """Alias -> its definition (``None``: name only, too large to keep) when the snapshot was
    taken; ``None`` when the backup did not record aliases (items written before it did)."""
    aliases_truncated: bool = False


def bounded_aliases(aliases: Mapping[str, Mapping[str, Any]]) -> tuple[str, bool]:
    """One index's aliases as the JSON string an item keeps, and whether names were dropped.

    Definitions are kept, in name order, while they fit in :data:`ALIASES_MAX_BYTES`; later ones
    become ``null`` (name only); names stop at twice that size.
    """
    kept: dict[str, Any] = {}
    size = 2
    truncated = False
    for name in sorted(aliases):
        spec = json.dumps(dict(aliases[name]), separators=(",", ":"), sort_keys=True)
        entry = len(json.dumps(name)) + 1 + len(spec) + 1
        if size + entry <= ALIASES_MAX_BYTES:
            kept[name] = dict(aliases[name])
            size += entry
        elif size + len(json.dumps(name)) + 6 <= 2 * ALIASES_MAX_BYTES:
            kept[name] = None
            size += len(json.dumps(name)) + 6
        else:
            truncated = True
    return json.dumps(kept, separators=(",", ":"), sort_keys=True), truncated


def live_aliases(client: DomainClient) -> dict[str, dict[str, Any]]:
    """Every index's aliases with their definitions (``GET _alias``, one request; indices without
    aliases are left out)."""
    doc = client.read("/_alias") or {}
    return {
        str(index): {str(alias): dict(spec or {}) for alias, spec in ((entry or {}).get("aliases") or {}).items()}
        for index, entry in doc.items()
        if (entry or {}).get("aliases")
    }


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def live_counts(client: DomainClient) -> list[IndexCount]:
    """Every open, non-system index with its document count, primaries and primary store size.

    One request whatever the number of indices; a closed index (no counts) is left out.
    """
    rows = client.read(
        "/_cat/indices/*",
        {"format": "json", "h": "index,status,docs.count,pri,pri.store.size", "bytes": "b"},
    )
    counts = []
    for row in rows or []:
        name = str(row.get("index", ""))
        if not name or is_system_index(name) or row.get("docs.count") in (None, ""):
            continue
        counts.append(IndexCount(name, _int(row["docs.count"]), _int(row.get("pri")), _int(row.get("pri.store.size"))))
    return counts


def live_operations(client: DomainClient) -> dict[str, int]:
    """Each open, non-system index's write operations so far: the sum over its primaries of
    ``seq_no.max + 1`` (one ``_cat/shards`` call). An index with a primary not started (no stats)
    is left out: its operations are unknown."""
    rows = client.read("/_cat/shards/*", {"format": "json", "h": "index,prirep,seq_no.max"})
    totals: dict[str, int] = {}
    unknown: set[str] = set()
    for row in rows or []:
        name = str(row.get("index", ""))
        if not name or is_system_index(name) or row.get("prirep") != "p":
            continue
        value = row.get("seq_no.max")
        if value in (None, ""):
            unknown.add(name)
            continue
        totals[name] = totals.get(name, 0) + _int(value) + 1
    return {name: ops for name, ops in totals.items() if name not in unknown}


def stored_sizes(client: DomainClient, repository: str, snapshot: str) -> dict[str, tuple[int, int]]:
    """Each index of a finished snapshot as the repository holds it: ``{index: (primaries, bytes)}``, from
    ``GET _snapshot/<repository>/<snapshot>/_status`` (trimmed to those two figures per index). For an
    index neither the catalog nor a live index knows: a recovery region drilling from the vault has no
    catalog (it was recorded in the source region) and may have no live index yet. The repository holds
    no document count, so such an index is drilled without a count check."""
    doc = client.read(
        f"/_snapshot/{quote(repository, safe='')}/{quote(snapshot, safe='')}/_status",
        {"filter_path": "snapshots.indices.*.shards_stats.total,snapshots.indices.*.stats.total.size_in_bytes"},
    )
    sizes: dict[str, tuple[int, int]] = {}
    for entry in (doc or {}).get("snapshots") or []:
        for name, index in ((entry or {}).get("indices") or {}).items():
            shards = _int(((index or {}).get("shards_stats") or {}).get("total"))
            size = _int((((index or {}).get("stats") or {}).get("total") or {}).get("size_in_bytes"))
            if shards:
                sizes[str(name)] = (shards, size)
    return sizes


class Catalog:
    """The catalog table over an injected boto3 DynamoDB client."""

    def __init__(self, dynamodb: DynamoDBClient, table_name: str) -> None:
        self._dynamodb = dynamodb
        self._table = table_name

    def record_before(
        self,
        snapshot: str,
        counts: Sequence[IndexCount],
        *,
        now: datetime,
        aliases: Mapping[str, Mapping[str, Mapping[str, Any]]] | None = None,
        operations: Mapping[str, int] | None = None,
    ) -> int:
        """Write each index's count (and, given ``aliases``, its aliases; given ``operations``, its
        write operations) before the snapshot starts; returns the number of indices."""
        expires = str(int((now + KEEP_FOR).timestamp()))
        ops = operations or {}

        def item(c: IndexCount) -> Item:
            written: Item = {
                "snapshot": {"S": snapshot},
                "index": {"S": c.name},
                "docs_before": {"N": str(c.docs)},
                "primaries": {"N": str(c.primaries)},
                "size_bytes": {"N": str(c.size_bytes)},
                "expires_at": {"N": expires},
            }
            if aliases is not None:
                text, truncated = bounded_aliases(aliases.get(c.name) or {})
                written["aliases"] = {"S": text}
                if truncated:
                    written["aliases_truncated"] = {"BOOL": True}
            if c.name in ops:
                written["ops_before"] = {"N": str(ops[c.name])}
            return written

        return self._write(item(c) for c in counts)

    def record_after(
        self,
        snapshot: str,
        counts: Sequence[IndexCount],
        *,
        now: datetime,
        operations: Mapping[str, int] | None = None,
    ) -> int:
        """Add each recorded index's count (and write operations) after the snapshot ended (an index
        created while it ran is not in the snapshot's recorded set and stays out); returns the number
        updated."""
        live = {c.name: c for c in counts}
        ops = operations or {}
        expires = str(int((now + KEEP_FOR).timestamp()))
        items: list[Item] = []
        for recorded in self.read(snapshot).values():
            after = live.get(recorded.index)
            item: Item = {
                "snapshot": {"S": snapshot},
                "index": {"S": recorded.index},
                "docs_before": {"N": str(recorded.docs_before or 0)},
                "primaries": {"N": str(recorded.primaries)},
                "size_bytes": {"N": str(after.size_bytes if after else recorded.size_bytes)},
                "expires_at": {"N": expires},
            }
            if recorded.ops_before is not None:
                item["ops_before"] = {"N": str(recorded.ops_before)}
            if after is not None:
                item["docs_after"] = {"N": str(after.docs)}
                if recorded.index in ops:
                    item["ops_after"] = {"N": str(ops[recorded.index])}
            if recorded.aliases is not None:
                item["aliases"] = {"S": json.dumps(recorded.aliases, separators=(",", ":"), sort_keys=True)}
                if recorded.aliases_truncated:
                    item["aliases_truncated"] = {"BOOL": True}
            items.append(item)
        return self._write(iter(items))

    def read(self, snapshot: str) -> dict[str, Recorded]:
        """Every index recorded for ``snapshot`` (empty when the catalog has none)."""
        found: dict[str, Recorded] = {}
        for item in self._query(snapshot):
            index = item["index"]["S"]
            found[index] = Recorded(
                index=index,
                docs_before=_number(item, "docs_before"),
                docs_after=_number(item, "docs_after"),
                primaries=_number(item, "primaries") or 0,
                size_bytes=_number(item, "size_bytes") or 0,
                ops_before=_number(item, "ops_before"),
                ops_after=_number(item, "ops_after"),
                aliases=json.loads(item["aliases"]["S"]) if "aliases" in item else None,
                aliases_truncated=bool((item.get("aliases_truncated") or {}).get("BOOL")),
            )
        return found

    def _query(self, snapshot: str) -> Iterator[Mapping[str, Any]]:
        request: QueryInputTypeDef = {
            "TableName": self._table,
            "KeyConditionExpression": "#s = :s",
            "ExpressionAttributeNames": {"#s": "snapshot"},
            "ExpressionAttributeValues": {":s": {"S": snapshot}},
        }
        while True:
            page = self._dynamodb.query(**request)
            yield from page.get("Items", [])
            if not page.get("LastEvaluatedKey"):
                return
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def _write(self, items: Iterator[Item]) -> int:
        written = 0
        batch: list[WriteRequestTypeDef] = []
        for item in items:
            batch.append({"PutRequest": {"Item": item}})
            if len(batch) == BATCH:
                written += self._flush(batch)
                batch = []
        if batch:
            written += self._flush(batch)
        return written

    def _flush(self, batch: list[WriteRequestTypeDef]) -> int:
        """One BatchWriteItem; unprocessed items (throttling) are sent again at once, a bounded
        number of times: the state machine's Retry owns longer waits."""
        pending: Mapping[str, Sequence[WriteRequestUnionTypeDef]] = {self._table: batch}
        for _ in range(5):
            answer = self._dynamodb.batch_write_item(RequestItems=pending)
            pending = answer.get("UnprocessedItems") or {}
            if not pending:
                return len(batch)
        raise CatalogWriteError(f"DynamoDB left {len(pending[self._table])} catalog items unprocessed; try again")


PHASES = ("before", "after")


def record_document_counts(
    event: Mapping[str, Any], open_catalog: Callable[[], Catalog], client: DomainClient, *, now: datetime
) -> dict[str, Any]:
    """RecordDocumentCountsFunction's step: ``{"phase": "before" | "after", "snapshot_name", "indices"}``.
    A subset snapshot (``indices`` set) records nothing: drills only prove full ones."""
    phase, name = event.get("phase"), event.get("snapshot_name")
    if phase not in PHASES or not isinstance(name, str):
        raise InvalidInputError(f"expected {{'phase': 'before' or 'after', 'snapshot_name': str}}, got {event!r}")
    if event.get("indices"):
        return {"phase": phase, "indices": 0, "skipped": "a subset snapshot: drills prove full ones only"}
    return {"phase": phase, "indices": record_phase(open_catalog(), client, phase, name, now=now)}


def record_phase(catalog: Catalog, client: DomainClient, phase: str, snapshot: str, *, now: datetime) -> int:
    """Record the ``before`` (counts, aliases, operations) or ``after`` (counts, operations) phase of
    ``snapshot``; returns the number of indices.

    The operations are read outside the counts (before them before the snapshot, after them after
    it): a write between the two reads then widens the bounds a drill checks, never narrows them."""
    if phase == "before":
        operations = live_operations(client)
        counts = live_counts(client)
        return catalog.record_before(snapshot, counts, now=now, aliases=live_aliases(client), operations=operations)
    counts = live_counts(client)
    return catalog.record_after(snapshot, counts, now=now, operations=live_operations(client))


def _number(item: Mapping[str, Any], key: str) -> int | None:
    value = item.get(key)
    return int(value["N"]) if value else None
