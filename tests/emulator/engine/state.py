"""The cluster's state, and the engine's features by version.

``ClusterState`` holds everything an OpenSearch (or Elasticsearch) cluster behind an Amazon domain
knows: its identity and version, nodes, settings, indices, repositories and snapshots, and ``lock``.
The areas (repositories.py, snapshots.py, indices.py, expressions.py, nodes.py) add operations on
this state and hold none of their own; cluster.py puts them together as ``Cluster``.

``lock`` is the S3 store's: domains sharing buckets share one lock. Every caller holds it while it
reads or changes the state.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any

from tests.emulator.formats import now
from tests.emulator.indices import IndexRecord, RecoveryProgress
from tests.emulator.model import SnapshotProgress, SnapshotRecord, new_uuid

Clock = Callable[[], datetime]

ACCOUNT_ID = "123456789012"


class S3Store:
    """The buckets behind repositories. Domains given the same store see, in a repository registered on
    the same bucket and base_path, the snapshots any of them wrote (a migration or a drill domain
    reading production's repository); by default each domain has a store of its own."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self._prefixes: dict[tuple[str, str, str], dict[str, SnapshotRecord]] = {}

    def snapshots(self, kind: str, container: str, base_path: str) -> dict[str, SnapshotRecord]:
        return self._prefixes.setdefault((kind, container, base_path.strip("/")), {})


class ClusterState:
    """The state of one cluster (no indices yet: ``Cluster`` seeds them) and its version's features."""

    def __init__(
        self,
        *,
        engine: str,
        version: str,
        clock: Clock | None,
        domain_name: str,
        automated_repository: str | None,
        progress: SnapshotProgress | None,
        data_nodes: int,
        recovery: RecoveryProgress | None,
        s3: S3Store | None,
    ) -> None:
        if engine not in ("opensearch", "elasticsearch"):
            raise ValueError("engine must be 'opensearch' or 'elasticsearch'")
        self.engine = engine
        self.version = version
        major, minor, patch = ([int(p) for p in re.findall(r"\d+", version)[:3]] + [0, 0, 0])[:3]
        self.version_tuple = (major, minor, patch)
        self.clock: Clock = clock or now
        self.domain_name = domain_name
        self.progress = progress or SnapshotProgress()
        self.automated_repository = automated_repository
        self.node_id = new_uuid()
        self.node_name = new_uuid().replace("-", "").replace("_", "")[:32].lower()
        self.cluster_uuid = new_uuid()
        if data_nodes < 1:
            raise ValueError("a domain has at least one data node")
        self.nodes = [(self.node_id, self.node_name)] + [
            (new_uuid(), new_uuid().replace("-", "").replace("_", "")[:32].lower()) for _ in range(data_nodes - 1)
        ]
        self.recovery = recovery or RecoveryProgress()
        self.persistent_settings: dict[str, str] = {}
        self.transient_settings: dict[str, str] = {}
        self.pending_recovery_failures: dict[tuple[str, int], str | None] = {}
        self.indices: dict[str, IndexRecord] = {}
        self.s3 = s3 or S3Store()
        self.lock = self.s3.lock  # domains sharing buckets share one lock
        self.repositories: dict[str, dict[str, Any]] = {}
        self.snapshots_by_repo: dict[str, dict[str, SnapshotRecord]] = {}
        self.verification_failure: tuple[str, str] | None = None
        self.verification_failures_left: int | None = None
        self.automated_snapshot: str | None = None
        if automated_repository:
            self.repositories[automated_repository] = {"type": "s3", "settings": None, "readonly": True}
            self.snapshots_by_repo[automated_repository] = {}

    # ------------------------------------------------------------------ engine features by version

    @property
    def is_opensearch(self) -> bool:
        return self.engine == "opensearch"

    def at_least_es(self, major: int, minor: int) -> bool:
        return self.is_opensearch or self.version_tuple[:2] >= (major, minor)

    @property
    def supports_multi_delete(self) -> bool:
        return self.at_least_es(7, 8)

    @property
    def supports_concurrent_snapshots(self) -> bool:
        return self.at_least_es(7, 9)

    @property
    def concurrency_status(self) -> int:
        return 409 if self.is_opensearch and self.version_tuple[0] >= 3 else 503

    @property
    def version_id(self) -> int:
        major, minor, patch = self.version_tuple
        raw = major * 1_000_000 + minor * 10_000 + patch * 100 + 99
        return raw ^ 0x08000000 if self.is_opensearch else raw

    @property
    def cluster_manager(self) -> str:
        return "cluster-manager" if self.is_opensearch and self.version_tuple[0] >= 2 else "master"

    @property
    def timeout_params(self) -> frozenset[str]:
        """``master_timeout``, and ``cluster_manager_timeout`` where the engine has the new name."""
        return frozenset(
            {"master_timeout"} | ({"cluster_manager_timeout"} if self.cluster_manager != "master" else set())
        )
