"""Shard allocation and recovery: where an index's copies go and how they recover, poll by poll.

Pure functions over an ``IndexRecord`` and the data nodes (``[(node_id, node_name)]``): ``allocate``
lays out new copies (primaries round-robin over the nodes, INITIALIZING; replicas UNASSIGNED until
their primary started), ``step`` moves every recovering copy one poll on (see RecoveryProgress) and
starts replicas where a node is free (one copy of a shard per node), ``settle`` lets every recovery
that can end, end. A primary marked ``never_recovers`` ends UNASSIGNED (ALLOCATION_FAILED) with the
engine's failed-recovery details instead of STARTED.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from tests.emulator.indices import INITIALIZING, STARTED, UNASSIGNED, IndexRecord, Recovery, ShardCopy

Nodes = Sequence[tuple[str, str]]


def allocate(
    record: IndexRecord,
    nodes: Nodes,
    now: datetime,
    *,
    recovery_type: str,
    source: dict[str, Any],
    polls: int,
    reason: str,
    failures: Mapping[int, str | None] | None = None,
    seconds: float = 0,
) -> None:
    """New shard copies: primaries INITIALIZING (recovering from ``source``), replicas waiting for them."""
    record.copies = []
    for shard in range(record.shards):
        primary = ShardCopy(
            shard=shard,
            primary=True,
            state=INITIALIZING,
            node=nodes[shard % len(nodes)][0],
            recovery=Recovery(
                type=recovery_type,
                start=now,
                polls_total=1_000_000 if seconds else polls,
                source=dict(source),
                size_bytes=record.store_bytes // max(record.shards, 1),
                files=0 if recovery_type == "EMPTY_STORE" else 12,
                duration_seconds=seconds,
            ),
            polls_left=polls,
        )
        if failures is not None and shard in failures:
            primary.never_recovers = failures[shard] or ""
        record.copies.append(primary)
        for _ in range(record.replicas):
            record.copies.append(
                ShardCopy(shard=shard, primary=False, state=UNASSIGNED, unassigned_reason=reason, unassigned_at=now)
            )


def unassign(record: IndexRecord, now: datetime, *, reason: str) -> None:
    """No node may hold any copy (an allocation filter no node matches): every copy stays UNASSIGNED,
    the primaries too, and the index is red."""
    for copy_ in record.copies:
        copy_.state, copy_.node, copy_.recovery, copy_.polls_left = UNASSIGNED, None, None, 0
        copy_.unassigned_reason, copy_.unassigned_at, copy_.allocation_status = reason, now, "deciders_no"


def settle(record: IndexRecord, nodes: Nodes, now: datetime) -> None:
    """Let every recovery that can end, end (``wait_for_completion``, ``polls=0``)."""
    for _ in range(2 * (1 + len(record.copies))):
        for copy_ in record.copies:
            if copy_.state == INITIALIZING:
                copy_.polls_left = 0
        if not step(record, nodes, now, replica_polls=0):
            return


def step(record: IndexRecord, nodes: Nodes, now: datetime, replica_polls: int) -> bool:
    """One poll: each recovering copy moves on; replicas start where a node is free. True if anything moved."""
    changed = False
    for copy_ in record.copies:
        if copy_.state != INITIALIZING or copy_.recovery is None:
            continue
        changed = True
        duration = copy_.recovery.duration_seconds
        if duration:
            elapsed = (now - copy_.recovery.start).total_seconds()
            if elapsed < duration:
                copy_.recovery.polls_done = int(copy_.recovery.polls_total * elapsed / duration)
                continue
        elif copy_.polls_left > 0:
            copy_.polls_left -= 1
            copy_.recovery.polls_done += 1
            continue
        if copy_.never_recovers is not None:
            node = copy_.node
            copy_.state, copy_.node, copy_.recovery = UNASSIGNED, None, None
            copy_.unassigned_reason = "ALLOCATION_FAILED"
            copy_.allocation_status = "deciders_no"
            copy_.unassigned_at = now
            copy_.unassigned_details = copy_.never_recovers or recovery_failure(record, copy_.shard, node, nodes)
            continue
        copy_.state = STARTED
        copy_.recovery.stop = now
    for copy_ in record.copies:
        if copy_.primary or copy_.state != UNASSIGNED or copy_.unassigned_reason == "ALLOCATION_FAILED":
            continue
        primary = next(c for c in record.copies if c.primary and c.shard == copy_.shard)
        if primary.state != STARTED:
            continue
        busy = {c.node for c in record.copies if c.shard == copy_.shard and c.node is not None}
        free = [node for node, _ in nodes if node not in busy]
        if not free:
            continue  # no data node can hold another copy: the index stays yellow
        changed = True
        copy_.state, copy_.node = INITIALIZING, free[0]
        copy_.unassigned_reason = copy_.unassigned_at = None
        polls = replica_polls if primary.recovery and primary.recovery.type == "SNAPSHOT" else 0
        copy_.polls_left = polls
        copy_.recovery = Recovery(
            type="PEER",
            start=now,
            polls_total=polls,
            source={"id": primary.node, "name": node_name(nodes, primary.node)},
            size_bytes=record.store_bytes // max(record.shards, 1),
            files=12,
        )
        if polls == 0:
            copy_.state = STARTED
            copy_.recovery.stop = now
    return changed


def node_name(nodes: Nodes, node: str | None) -> str:
    return next((name for node_id, name in nodes if node_id == node), "")


def recovery_failure(record: IndexRecord, shard: int, node: str | None, nodes: Nodes) -> str:
    """The UnassignedInfo details of a primary whose restore failed (an S3 blob gone)."""
    name = node_name(nodes, node)
    return (
        f"failed shard on node [{node}]: failed recovery, failure "
        f"RecoveryFailedException[[{record.name}][{shard}]: Recovery failed on {{{name}}}{{{node}}}]; "
        "nested: IndexShardRecoveryException[failed recovery]; "
        "nested: IndexShardRestoreFailedException[restore failed]; "
        "nested: IndexShardRestoreFailedException[failed to restore snapshot]; "
        "nested: NoSuchFileException[Blob object [indices/shard/__data] not found: "
        "The specified key does not exist. (Service: Amazon S3; Status Code: 404; Error Code: NoSuchKey)]; "
    )
