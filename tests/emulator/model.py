"""Plain data of the emulated domain: snapshot records, progress plans, faults, recorded requests."""

from __future__ import annotations

import base64
import uuid as uuid_module
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tests.emulator.indices import IndexSnapshot

IN_PROGRESS = "IN_PROGRESS"
SUCCESS = "SUCCESS"
PARTIAL = "PARTIAL"
FAILED = "FAILED"
OUTCOMES = (SUCCESS, PARTIAL, FAILED)
STATES = (IN_PROGRESS, *OUTCOMES)

FAULT_KINDS = (
    "gateway_timeout_after",
    "gateway_timeout_before",
    "throttle",
    "unavailable",
    "reset",
    "reset_after",
    "concurrent",
    "forbidden_fgac",
    "forbidden_passrole",
    "html_page",
    "cluster_event_timeout",
)


def new_uuid() -> str:
    """A 22-character URL-safe id, the shape of the engine's snapshot and node ids."""
    return base64.urlsafe_b64encode(uuid_module.uuid4().bytes).rstrip(b"=").decode()


@dataclass(frozen=True)
class SnapshotProgress:
    """How snapshots created over HTTP progress.

    They stay IN_PROGRESS until ``polls`` exact ``GET _snapshot/<repo>/<name>`` have been answered;
    the next such GET shows ``outcome``. ``polls=0`` means final at once. ``failures`` are shard
    failures ``{"index", "shard_id", "reason"}`` (PARTIAL; FAILED may carry some too) and
    ``reason`` the FAILED snapshot's reason. ``writes_per_poll`` ({index: documents}) keeps indexing while
    the snapshot runs: each poll adds that many documents to each index, so an index counts more
    documents after the snapshot than before it (the snapshot holds the count from its start).

    ``duration_seconds`` instead makes progress follow the clock, as a real snapshot does: the
    snapshot runs that long (``polls`` is then ignored), ``_status`` reports shards and bytes
    done in proportion to the time elapsed, and the first GET or ``_status`` at or after its end
    shows ``outcome``.
    """

    polls: int = 0
    outcome: str = SUCCESS
    failures: tuple[Mapping[str, Any], ...] = ()
    reason: str | None = None
    duration_seconds: float | None = None
    writes_per_poll: Mapping[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.duration_seconds is not None and self.duration_seconds < 0:
            raise ValueError("duration_seconds must be 0 or more")
        if self.outcome not in OUTCOMES:
            raise ValueError(f"outcome must be one of {OUTCOMES}, not {self.outcome!r}")
        if self.polls < 0:
            raise ValueError("polls must be 0 or more")


@dataclass(kw_only=True)
class Fault:
    """A failure injected in front of (or instead of) the engine.

    ``path`` is a regular expression searched in the request's decoded path (no query string);
    ``method`` None matches any method; ``times`` is how many matching requests it hits.
    ``message`` overrides the default text where the kind has one (FGAC user, PassRole ARN...).
    """

    kind: str
    method: str | None = None
    path: str = r".*"
    times: int = 1
    message: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; one of {FAULT_KINDS}")
        if self.times < 1:
            raise ValueError("times must be at least 1")


@dataclass(frozen=True)
class RecordedRequest:
    """One request the emulator received, with the status it answered (0: connection reset)."""

    method: str
    path: str
    query: dict[str, str]
    body: Any
    status: int
    target: str = ""


@dataclass
class ShardFailureRecord:
    index: str
    shard_id: int
    reason: str
    node_id: str
    status: str = "INTERNAL_SERVER_ERROR"

    def to_api(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "index_uuid": self.index,
            "shard_id": self.shard_id,
            "reason": self.reason,
            "node_id": self.node_id,
            "status": self.status,
        }


@dataclass
class SnapshotRecord:
    """One snapshot as the emulated domain stores it (times are aware UTC datetimes)."""

    repository: str
    name: str
    uuid: str
    state: str
    indices: list[str]
    start_time: datetime
    end_time: datetime | None = None
    include_global_state: bool = True
    metadata: dict[str, Any] | None = None
    failures: list[ShardFailureRecord] = field(default_factory=list)
    shards_total: int = 0
    reason: str | None = None
    version: str = ""
    engine: str = ""
    """The engine that wrote it (``opensearch``/``elasticsearch``); with ``version``, what can read it."""
    polls_remaining: int = 0
    planned: SnapshotProgress | None = None
    contents: dict[str, IndexSnapshot] = field(default_factory=dict)  # what a restore recreates, per index

    @property
    def running(self) -> bool:
        return self.state == IN_PROGRESS

    @property
    def shards_failed(self) -> int:
        return len(self.failures)

    @property
    def shards_successful(self) -> int:
        return max(0, self.shards_total - self.shards_failed)
