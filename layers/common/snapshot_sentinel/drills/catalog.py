"""The drill catalog: for each index of a full snapshot, its document count before the snapshot
started and after it ended, so a drill can tell whether a restored index holds what it should.

It lives in a small DynamoDB table keyed by snapshot (partition key ``snapshot``, sort key
``index``), never in the repository's S3 prefix (the engine owns it, and ``_cleanup`` deletes
blobs it does not know) nor in snapshot metadata (1 KB). One item per index keeps every item
small and lets a reader take one snapshot's counts with a paginated Query; the backup writes
them with BatchWriteItem (25 per request), so 10,000 indices are one ``_cat/indices`` call and
400 writes per phase.

A restored index's count must lie between the two recorded counts: documents written while the
snapshot ran may or may not be in it. An index whose two counts are equal was not written during
the snapshot and must come back exact. (Deletes during the snapshot would break the lower bound;
the drill report says which bound failed.)
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from snapshot_sentinel.client import DomainClient
from snapshot_sentinel.errors import CatalogWriteError
from snapshot_sentinel.restore.selection import is_system_index

BATCH = 25
"""BatchWriteItem's limit of items per request."""
KEEP_FOR = timedelta(days=400)
"""Items expire (DynamoDB TTL on ``expires_at``) well after any snapshot a drill would choose."""


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


class Catalog:
    """The catalog table over an injected boto3 DynamoDB client."""

    def __init__(self, dynamodb: Any, table_name: str) -> None:
        self._dynamodb = dynamodb
        self._table = table_name

    def record_before(self, snapshot: str, counts: Sequence[IndexCount], *, now: datetime) -> int:
        """Write each index's count before the snapshot starts; returns the number of indices."""
        expires = str(int((now + KEEP_FOR).timestamp()))
        items = (
            {
                "snapshot": {"S": snapshot},
                "index": {"S": c.name},
                "docs_before": {"N": str(c.docs)},
                "primaries": {"N": str(c.primaries)},
                "size_bytes": {"N": str(c.size_bytes)},
                "expires_at": {"N": expires},
            }
            for c in counts
        )
        return self._write(items)

    def record_after(self, snapshot: str, counts: Sequence[IndexCount], *, now: datetime) -> int:
        """Add each recorded index's count after the snapshot ended (an index created while it
        ran is not in the snapshot's recorded set and stays out); returns the number updated."""
        live = {c.name: c for c in counts}
        expires = str(int((now + KEEP_FOR).timestamp()))
        items = []
        for recorded in self.read(snapshot).values():
            after = live.get(recorded.index)
            item = {
                "snapshot": {"S": snapshot},
                "index": {"S": recorded.index},
                "docs_before": {"N": str(recorded.docs_before or 0)},
                "primaries": {"N": str(recorded.primaries)},
                "size_bytes": {"N": str(after.size_bytes if after else recorded.size_bytes)},
                "expires_at": {"N": expires},
            }
            if after is not None:
                item["docs_after"] = {"N": str(after.docs)}
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
            )
        return found

    def _query(self, snapshot: str) -> Iterator[Mapping[str, Any]]:
        request: dict[str, Any] = {
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

    def _write(self, items: Iterator[dict[str, Any]]) -> int:
        written = 0
        batch: list[dict[str, Any]] = []
        for item in items:
            batch.append({"PutRequest": {"Item": item}})
            if len(batch) == BATCH:
                written += self._flush(batch)
                batch = []
        if batch:
            written += self._flush(batch)
        return written

    def _flush(self, batch: list[dict[str, Any]]) -> int:
        """One BatchWriteItem; unprocessed items (throttling) are sent again at once, a bounded
        number of times: the state machine's Retry owns longer waits."""
        pending: Mapping[str, list[dict[str, Any]]] = {self._table: batch}
        for _ in range(5):
            answer = self._dynamodb.batch_write_item(RequestItems=pending)
            pending = answer.get("UnprocessedItems") or {}
            if not pending:
                return len(batch)
        raise CatalogWriteError(f"DynamoDB left {len(pending[self._table])} catalog items unprocessed; try again")


def _number(item: Mapping[str, Any], key: str) -> int | None:
    value = item.get(key)
    return int(value["N"]) if value else None
