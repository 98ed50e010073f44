"""Indices as the engine keeps them: metadata, a sample of documents, shard copies and their recoveries.

Plain data and pure functions (no HTTP, no lock): ``IndexRecord`` (one index), ``ShardCopy`` (a
primary or replica and its routing state), ``Recovery`` (what ``_recovery`` shows for a copy),
``IndexSnapshot`` (what a snapshot remembers of an index) and ``RecoveryProgress`` (how fast restored
shards recover, counted in polls). Health follows the engine: red while a primary is not started,
yellow while a replica is not, green otherwise.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from tests.emulator.model import new_uuid

STARTED = "STARTED"
INITIALIZING = "INITIALIZING"
UNASSIGNED = "UNASSIGNED"
OPEN = "open"
CLOSE = "close"
RECOVERY_STAGES = ("INIT", "INDEX", "VERIFY_INDEX", "TRANSLOG", "FINALIZE", "DONE")
SAMPLE_LIMIT = 50  # documents an index keeps verbatim; its count can be far larger
DEFAULT_DOC_BYTES = 1024


@dataclass(frozen=True)
class RecoveryProgress:
    """How restored shards recover, in polls of the index (``_cluster/health``, ``_recovery``,
    ``_cat/indices``, ``_cat/shards`` naming or covering it).

    A restored primary stays INITIALIZING (its recovery stage moving INIT -> ... -> FINALIZE) for
    ``polls`` polls and is STARTED (stage DONE) at the next; then each replica recovers from it the
    same way in ``replica_polls`` polls, if a data node is free for it. ``polls=0``: done at once.
    ``seconds``: instead of polls, a restored primary recovers over that many seconds of the domain's
    clock, its bytes in proportion (as a real restore's ``_recovery`` shows: progress by time).
    """

    polls: int = 0
    replica_polls: int = 0
    seconds: float = 0

    def __post_init__(self) -> None:
        if self.polls < 0 or self.replica_polls < 0 or self.seconds < 0:
            raise ValueError("polls and seconds must be 0 or more")


@dataclass
class Recovery:
    """One shard copy's recovery, as ``GET <index>/_recovery`` reports it."""

    type: str  # EMPTY_STORE, EXISTING_STORE, SNAPSHOT, PEER
    start: datetime
    polls_total: int = 0
    polls_done: int = 0
    stop: datetime | None = None
    source: dict[str, Any] = field(default_factory=dict)
    size_bytes: int = 0
    files: int = 0
    duration_seconds: float = 0
    """Recovers by the clock over this long (then ``polls_done`` is kept as the share of ``polls_total``)."""

    @property
    def done(self) -> bool:
        return self.stop is not None

    @property
    def stage(self) -> str:
        if self.done:
            return "DONE"
        if self.polls_total <= 0:
            return "INIT"
        return RECOVERY_STAGES[min(4, self.polls_done * 5 // self.polls_total)]

    @property
    def fraction(self) -> float:
        if self.done:
            return 1.0
        return 0.0 if self.polls_total <= 0 else min(1.0, self.polls_done / self.polls_total)


@dataclass
class ShardCopy:
    """A primary or a replica of one shard, with its routing state."""

    shard: int
    primary: bool
    state: str = STARTED
    node: str | None = None
    recovery: Recovery | None = None
    polls_left: int = 0
    unassigned_reason: str | None = None
    unassigned_details: str | None = None
    unassigned_at: datetime | None = None
    allocation_status: str | None = None
    never_recovers: str | None = None  # the failure a recovery of this copy ends with, if it must fail


@dataclass
class IndexSnapshot:
    """What a snapshot holds of one index (a restore recreates the index from it)."""

    name: str
    uuid: str
    shards: int
    replicas: int
    doc_count: int
    documents: list[dict[str, Any]]
    mapping: dict[str, Any]
    settings: dict[str, str]
    aliases: dict[str, dict[str, Any]]
    store_bytes: int
    created: datetime
    operations: int = 0


@dataclass
class IndexRecord:
    """One index: metadata, document count and a sample of its documents, and its shard copies."""

    name: str
    shards: int
    replicas: int
    created: datetime
    uuid: str = field(default_factory=new_uuid)
    state: str = OPEN
    doc_count: int = 0
    documents: list[dict[str, Any]] = field(default_factory=list)
    mapping: dict[str, Any] = field(default_factory=dict)
    settings: dict[str, str] = field(default_factory=dict)  # extra flat settings besides the core ones
    aliases: dict[str, dict[str, Any]] = field(default_factory=dict)
    doc_bytes: int = DEFAULT_DOC_BYTES
    copies: list[ShardCopy] = field(default_factory=list)
    next_id: int = 0
    operations: int = 0
    """Write operations (index, overwrite, delete) the primaries have numbered: each takes the next
    sequence number of its shard, so a shard's ``max_seq_no`` is its share of them minus one."""

    @property
    def is_open(self) -> bool:
        return self.state == OPEN

    @property
    def store_bytes(self) -> int:
        """Bytes of the primaries."""
        return self.doc_count * self.doc_bytes

    @property
    def total_shards(self) -> int:
        return self.shards * (1 + self.replicas)

    def primaries(self) -> list[ShardCopy]:
        return [c for c in self.copies if c.primary]

    def replicas_of(self, shard: int) -> list[ShardCopy]:
        return [c for c in self.copies if not c.primary and c.shard == shard]

    def health(self) -> str:
        return worst([self.shard_health(shard) for shard in range(self.shards)])

    def shard_health(self, shard: int) -> str:
        """ClusterShardHealth.getShardHealth: green when every copy is active, yellow when the primary
        is; an inactive primary is yellow while a new or restored primary first recovers (EMPTY_STORE,
        SNAPSHOT: no failed allocation, no decider said no) and red otherwise, "to make it visible that
        some of the existing data is unavailable"."""
        copies = [c for c in self.copies if c.shard == shard]
        primary = next((c for c in copies if c.primary), None)
        if primary is None:
            return "red"
        if primary.state == STARTED:
            return "green" if all(c.state == STARTED for c in copies) else "yellow"
        recovering_afresh = primary.recovery is None or primary.recovery.type in ("EMPTY_STORE", "SNAPSHOT")
        if (
            recovering_afresh
            and primary.allocation_status != "deciders_no"
            and primary.unassigned_reason != "ALLOCATION_FAILED"
        ):
            return "yellow"
        return "red"

    def counts(self) -> dict[str, int]:
        return {
            "active_primary_shards": sum(1 for c in self.copies if c.primary and c.state == STARTED),
            "active_shards": sum(1 for c in self.copies if c.state == STARTED),
            "relocating_shards": 0,
            "initializing_shards": sum(1 for c in self.copies if c.state == INITIALIZING),
            "unassigned_shards": sum(1 for c in self.copies if c.state == UNASSIGNED),
        }

    def snapshot(self) -> IndexSnapshot:
        return IndexSnapshot(
            name=self.name,
            uuid=self.uuid,
            shards=self.shards,
            replicas=self.replicas,
            doc_count=self.doc_count,
            documents=copy.deepcopy(self.documents),
            mapping=copy.deepcopy(self.mapping),
            settings=dict(self.settings),
            aliases=copy.deepcopy(self.aliases),
            store_bytes=self.store_bytes,
            created=self.created,
            operations=self.operations,
        )

    def max_seq_no(self, shard: int) -> int:
        """``seq_no.max`` of ``shard``: -1 before its first operation (SequenceNumbers.NO_OPS_PERFORMED).
        Operations are spread evenly over the shards, as the documents are."""
        base, extra = divmod(self.operations, max(self.shards, 1))
        return base + (1 if shard < extra else 0) - 1

    def add_document(self, source: dict[str, Any], doc_id: str | None = None) -> tuple[str, bool]:
        """Index one document; returns its id and whether it was created (False: replaced)."""
        if doc_id is None:
            doc_id = new_uuid()[:20]
        self.operations += 1
        for doc in self.documents:
            if doc["_id"] == doc_id:
                doc["_source"] = source
                return doc_id, False
        self.doc_count += 1
        if len(self.documents) < SAMPLE_LIMIT:
            self.documents.append({"_id": doc_id, "_source": source})
        self._extend_mapping(source)
        return doc_id, True

    def add_generated(self, count: int) -> None:
        """Index ``count`` generated documents (``{"message", "n"}``, ids ``<index>-<n>``); only the first
        SAMPLE_LIMIT of the index are kept verbatim, the rest only counted."""
        kept = max(0, min(count, SAMPLE_LIMIT - len(self.documents)))
        for _ in range(kept):
            n = self.doc_count + 1
            self.add_document({"message": f"document {n} of {self.name}", "n": n}, f"{self.name}-{n}")
        self.doc_count += count - kept
        self.operations += count - kept
        if count and "properties" not in self.mapping:
            self._extend_mapping({"message": "", "n": 0})

    def delete_documents(self, count: int) -> int:
        """Delete ``count`` documents (newest first; at most as many as there are); each delete is one
        operation. Returns how many were deleted."""
        deleted = max(0, min(count, self.doc_count))
        self.doc_count -= deleted
        self.operations += deleted
        del self.documents[min(len(self.documents), self.doc_count) :]
        return deleted

    def _extend_mapping(self, source: dict[str, Any]) -> None:
        properties = self.mapping.setdefault("properties", {})
        for key, value in source.items():
            if key not in properties:
                properties[key] = dynamic_mapping(value)


def dynamic_mapping(value: Any) -> dict[str, Any]:
    """The engine's dynamic mapping of a JSON value."""
    if isinstance(value, bool):
        return {"type": "boolean"}
    if isinstance(value, int):
        return {"type": "long"}
    if isinstance(value, float):
        return {"type": "float"}
    if isinstance(value, dict):
        return {"properties": {k: dynamic_mapping(v) for k, v in value.items()}}
    return {"type": "text", "fields": {"keyword": {"type": "keyword", "ignore_above": 256}}}


def worst(statuses: list[str]) -> str:
    for status in ("red", "yellow"):
        if status in statuses:
            return status
    return "green"


def human_bytes(size: int) -> str:
    """The engine's ByteSizeValue: ``0b``, ``208b``, ``4.1kb``, ``12mb``, ``1.2gb``."""
    for unit, scale in (("pb", 1 << 50), ("tb", 1 << 40), ("gb", 1 << 30), ("mb", 1 << 20), ("kb", 1 << 10)):
        if size >= scale:
            text = f"{size / scale:.1f}".removesuffix(".0")
            return f"{text}{unit}"
    return f"{size}b"


def cat_bytes(size: int, unit: str | None) -> str:
    """A ``_cat`` size cell: human by default, or whole ``bytes=b|kb|mb|gb|tb|pb`` units."""
    if not unit:
        return human_bytes(size)
    scale = {"b": 1, "k": 1 << 10, "kb": 1 << 10, "m": 1 << 20, "mb": 1 << 20, "g": 1 << 30, "gb": 1 << 30}.get(unit)
    scale = scale or {"t": 1 << 40, "tb": 1 << 40, "p": 1 << 50, "pb": 1 << 50}.get(unit, 1)
    return str(size // scale)
