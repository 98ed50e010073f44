"""The drill's count rule: which restored document counts a correct snapshot of an index can have.

Pure. The catalog records, just before the snapshot starts and once it has ended, each index's
document count (``B`` before, ``A`` after) and the write operations its primaries have numbered
(the sum over primaries of ``seq_no.max + 1`` from ``_cat/shards``). Every index, overwrite and
delete takes the next sequence number of its shard, and sequence numbers survive relocation and
restarts, so ``W`` (after minus before) bounds the writes during the snapshot window.

With ``n_i`` documents added and ``n_d`` deleted in the window (``A = B + n_i - n_d``) and
``n_i + n_d <= W``, a snapshot taken at any point of the window (each shard at its own point) holds
``C`` documents with ``B - n_d <= C <= B + n_i``, hence::

    ceil((A + B - W') / 2)  <=  C  <=  floor((A + B + W') / 2),   W' = max(W, |A - B|)

For adds and deletes alone the bounds are exactly ``B - n_d`` (what was certainly there: the
documents before, less every delete) and ``B + n_i``; each overwrite (or delete of a missing id)
widens them by half an operation. ``W' >= |A - B|`` keeps the rule never stricter than the plain
``[min(A, B), max(A, B)]`` it generalises, which is also what it falls back to when the operations
were not recorded (a catalog written before they were, or a primary that was not started).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CountRule:
    low: int
    high: int
    writes: int | None
    """Write operations during the snapshot window (None: not recorded)."""

    def holds(self, restored: int) -> bool:
        return self.low <= restored <= self.high

    def basis(self, before: int, after: int) -> str:
        writes = "write operations not recorded" if self.writes is None else f"{self.writes} write operation(s)"
        return f"{before} before, {after} after, {writes} during the snapshot"


def count_rule(before: int, after: int | None, ops_before: int | None, ops_after: int | None) -> CountRule:
    """The counts a correct snapshot can hold, from what the catalog recorded around it."""
    if after is None:
        after = before
    writes = ops_after - ops_before if ops_before is not None and ops_after is not None else None
    if writes is not None and writes < 0:
        writes = None  # numbers went back: the index was re-created, or its primary lost unacknowledged writes
    slack = max(writes or 0, abs(after - before))
    total = after + before
    return CountRule(low=max(0, -((slack - total) // 2)), high=(total + slack) // 2, writes=writes)
