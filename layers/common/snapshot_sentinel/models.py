"""Plain data read from the domain, independent of how it was fetched."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

IN_PROGRESS = "IN_PROGRESS"
SUCCESS = "SUCCESS"
PARTIAL = "PARTIAL"
FAILED = "FAILED"
INCOMPATIBLE = "INCOMPATIBLE"

METADATA_SINCE_VERSION_ID = 7_030_000
"""Elasticsearch 7.3.0: the first engine to store a snapshot's ``metadata``. Version ids are
``major*1,000,000 + minor*10,000 + revision*100 + build``; OpenSearch's carry bit 0x08000000, so
every OpenSearch id is above this one."""

FAILURES_SAMPLE = 10
"""Shard failures the state machine carries; the rest are counted (``failures_count``)."""
FAILURE_REASON_MAX_CHARS = 300
REASON_MAX_CHARS = 500


def clip(text: str | None, limit: int) -> str | None:
    """``text`` cut to ``limit`` characters, with an ellipsis when something was cut."""
    if text is None or len(text) <= limit:
        return text
    return text[: limit - 1] + "\u2026"


def datetime_from_millis(millis: int | None) -> datetime | None:
    """The domain's epoch milliseconds as an aware UTC datetime; 0 and None mean "not yet"."""
    if not millis:
        return None
    return datetime.fromtimestamp(millis / 1000, tz=UTC)


def iso(moment: datetime | None) -> str | None:
    """ISO 8601 with a Z, as the domain and Step Functions write times."""
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class ShardFailure:
    index: str
    shard_id: int | None
    reason: str
    node_id: str | None = None
    status: str | None = None

    @classmethod
    def from_api(cls, doc: dict[str, Any]) -> ShardFailure:
        shard = doc.get("shard_id", doc.get("shard"))
        return cls(
            index=str(doc.get("index", "")),
            shard_id=int(shard) if shard is not None else None,
            reason=str(doc.get("reason", "")),
            node_id=doc.get("node_id"),
            status=doc.get("status"),
        )

    def to_dict(self, *, reason_max_chars: int | None = None) -> dict[str, Any]:
        return {
            "index": self.index,
            "shard_id": self.shard_id,
            "reason": self.reason if reason_max_chars is None else clip(self.reason, reason_max_chars),
            "node_id": self.node_id,
            "status": self.status,
        }


@dataclass(frozen=True)
class SnapshotInfo:
    """One snapshot as ``GET _snapshot/<repo>/<name>`` describes it (verbose form)."""

    name: str
    state: str
    uuid: str = ""
    start_time: datetime | None = None
    end_time: datetime | None = None
    indices: tuple[str, ...] = ()
    shards_total: int = 0
    shards_successful: int = 0
    shards_failed: int = 0
    failures: tuple[ShardFailure, ...] = ()
    reason: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    version_id: int | None = None

    @classmethod
    def from_api(cls, doc: dict[str, Any]) -> SnapshotInfo:
        shards = doc.get("shards") or {}
        return cls(
            name=str(doc["snapshot"]),
            state=str(doc.get("state", "")),
            uuid=str(doc.get("uuid", "")),
            start_time=datetime_from_millis(doc.get("start_time_in_millis")),
            end_time=datetime_from_millis(doc.get("end_time_in_millis")),
            indices=tuple(doc.get("indices") or ()),
            shards_total=int(shards.get("total", 0)),
            shards_successful=int(shards.get("successful", 0)),
            shards_failed=int(shards.get("failed", 0)),
            failures=tuple(ShardFailure.from_api(f) for f in doc.get("failures") or ()),
            reason=doc.get("reason"),
            metadata=dict(doc.get("metadata") or {}),
            version_id=int(doc["version_id"]) if isinstance(doc.get("version_id"), int) else None,
        )

    @property
    def engine_stores_metadata(self) -> bool:
        """Whether the engine that took it stores metadata (Elasticsearch 7.3+, every OpenSearch).

        An unknown version counts as storing it: the strict side, on which a snapshot without
        metadata is nobody's.
        """
        return self.version_id is None or self.version_id >= METADATA_SINCE_VERSION_ID

    @property
    def duration_seconds(self) -> float | None:
        if self.start_time is None or self.end_time is None:
            return None
        return (self.end_time - self.start_time).total_seconds()

    def _identity(self) -> dict[str, Any]:
        """The facts both shapes below start with, in this order."""
        return {
            "name": self.name,
            "state": self.state,
            "uuid": self.uuid,
            "start_time": iso(self.start_time),
            "end_time": iso(self.end_time),
            "duration_seconds": self.duration_seconds,
        }

    def _shards(self) -> dict[str, int]:
        return {"total": self.shards_total, "successful": self.shards_successful, "failed": self.shards_failed}

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready facts, the shape the state machine carries between states."""
        return {
            **self._identity(),
            "indices": list(self.indices),
            "shards": self._shards(),
            "failures": [f.to_dict() for f in self.failures],
            "reason": self.reason,
        }

    def bounded_facts(self) -> dict[str, Any]:
        """The facts the state machine carries, bounded whatever the snapshot's size: counts
        instead of the index list, a sample of at most :data:`FAILURES_SAMPLE` shard failures
        with clipped reasons. ``GET _snapshot/<repo>/<name>`` has the rest."""
        return {
            **self._identity(),
            "shards": self._shards(),
            "indices_count": len(self.indices),
            "failures_count": len(self.failures),
            "failures": [f.to_dict(reason_max_chars=FAILURE_REASON_MAX_CHARS) for f in self.failures[:FAILURES_SAMPLE]],
            "reason": clip(self.reason, REASON_MAX_CHARS),
        }


@dataclass(frozen=True)
class EngineVersion:
    """What ``GET /`` says about the engine, reduced to the features this project needs."""

    distribution: str
    number: str

    @classmethod
    def from_api(cls, doc: dict[str, Any]) -> EngineVersion:
        version = doc.get("version") or {}
        return cls(
            distribution=str(version.get("distribution", "elasticsearch")),
            number=str(version.get("number", "0.0.0")),
        )

    @property
    def parts(self) -> tuple[int, int]:
        major, _, rest = self.number.partition(".")
        minor = rest.partition(".")[0]
        try:
            return int(major), int(minor or 0)
        except ValueError:
            return 0, 0

    @property
    def supports_multi_delete(self) -> bool:
        """Comma lists in ``DELETE _snapshot/<repo>/<a,b>``: OpenSearch, or Elasticsearch 7.8+."""
        return self.distribution == "opensearch" or self.parts >= (7, 8)
