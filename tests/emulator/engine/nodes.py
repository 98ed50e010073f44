"""The data nodes: cluster settings, the shard limit, and how shard copies sit and recover on the
nodes (allocation.py does the placing and the stepping; these are the cluster's entry points to it)."""

from __future__ import annotations

from collections.abc import Iterable

from tests.emulator import allocation
from tests.emulator.engine.state import ClusterState
from tests.emulator.indices import IndexRecord
from tests.emulator.responses import ApiError, engine_error

DEFAULT_MAX_SHARDS_PER_NODE = 1000


class NodeArea(ClusterState):
    """Settings, the shard limit and allocation, on the cluster's state."""

    @property
    def data_nodes(self) -> int:
        return len(self.nodes)

    def setting(self, key: str) -> str | None:
        """A cluster setting as in force: transient over persistent, else None (the default)."""
        return self.transient_settings.get(key, self.persistent_settings.get(key))

    @property
    def max_shards_per_node(self) -> int:
        return int(self.setting("cluster.max_shards_per_node") or DEFAULT_MAX_SHARDS_PER_NODE)

    def open_shards(self) -> int:
        """Metadata.getTotalOpenIndexShards: primaries x (1 + replicas) of every open index."""
        return sum(i.total_shards for i in self.indices.values() if i.is_open)

    def shard_limit_error(self, name: str, shards: int, replicas: int) -> ApiError | None:
        """ShardLimitValidator.validateShardLimit (system dot-indices are exempt)."""
        if name.startswith("."):
            return None
        adding = shards * (1 + replicas)
        current = self.open_shards()
        limit = self.max_shards_per_node * self.data_nodes
        if current + adding <= limit:
            return None
        message = (
            f"this action would add [{adding}] total shards, but this cluster currently has "
            f"[{current}]/[{limit}] maximum shards open"
        )
        return engine_error(400, "validation_exception", f"Validation Failed: 1: {message};")

    def poll(self, records: Iterable[IndexRecord]) -> None:
        """One look at these indices: every recovering shard copy moves one step (see RecoveryProgress)."""
        for record in records:
            allocation.step(record, self.nodes, self.clock(), self.recovery.replica_polls)

    def settle(self, record: IndexRecord) -> None:
        """Let every recovery that can end, end (``wait_for_completion``, ``polls=0``)."""
        allocation.settle(record, self.nodes, self.clock())

    def node_name_of(self, node: str | None) -> str:
        return allocation.node_name(self.nodes, node)
