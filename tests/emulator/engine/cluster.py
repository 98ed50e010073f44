"""``Cluster``: the one object the REST handlers and the seeding API go through, the cluster's state
(state.py) with the operations of every area on it. The areas hold no state and take no lock of their
own: every caller holds ``lock`` while it reads or changes the state."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from tests.emulator.engine.expressions import ExpressionArea
from tests.emulator.engine.indices import IndexArea
from tests.emulator.engine.nodes import NodeArea
from tests.emulator.engine.repositories import RepositoryArea
from tests.emulator.engine.snapshots import SnapshotArea
from tests.emulator.engine.state import Clock, ClusterState, S3Store
from tests.emulator.indices import RecoveryProgress
from tests.emulator.model import SnapshotProgress

DEFAULT_INDICES = ("logs-2026.11.27", "logs-2026.11.28", ".kibana_1")


class Cluster(SnapshotArea, RepositoryArea, IndexArea, ExpressionArea, NodeArea, ClusterState):
    """The engine's state and the operations its REST handlers share."""

    def __init__(
        self,
        *,
        engine: str = "opensearch",
        version: str = "2.11.0",
        indices: Iterable[str] | Mapping[str, int] = DEFAULT_INDICES,
        clock: Clock | None = None,
        domain_name: str = "emulated-domain",
        automated_repository: str | None = "cs-automated-enc",
        progress: SnapshotProgress | None = None,
        data_nodes: int = 2,
        recovery: RecoveryProgress | None = None,
        s3: S3Store | None = None,
    ) -> None:
        super().__init__(
            engine=engine,
            version=version,
            clock=clock,
            domain_name=domain_name,
            automated_repository=automated_repository,
            progress=progress,
            data_nodes=data_nodes,
            recovery=recovery,
            s3=s3,
        )
        shards = dict(indices) if isinstance(indices, Mapping) else dict.fromkeys(indices, 1)
        for name, count in shards.items():
            self.create_index(name, shards=count)
