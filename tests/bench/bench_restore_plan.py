"""Restore planning time for a snapshot of many indices (issue 10's target: 10,000 indices < 1 s).

Run: ``python -m tests.bench.bench_restore_plan [--indices 10000] [--runs 5]``. Prints figures;
asserts nothing. The synthetic case is the expensive one: a PARTIAL snapshot of N indices (2%
with failed shards, 1% system indices), a cluster holding N/2 of them (half the targets
conflict, replaced under ``on_conflict: "delete"``), patterns with an exclusion, a rename
pair, and 30 older snapshots to search for the failed indices. Time is the median of ``--runs``
runs of ``plan_restore`` plus its bounded summary.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from datetime import UTC, datetime, timedelta

from snapshot_sentinel.models import ShardFailure, SnapshotInfo
from snapshot_sentinel.restore.plan import ClusterFacts, RestoreOptions, plan_restore
from snapshot_sentinel.restore.selection import Rename

NOW = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)


def synthetic(count: int) -> tuple[SnapshotInfo, ClusterFacts, list[SnapshotInfo]]:
    names = [f".kibana_{i}" if i % 100 == 0 else f"logs-{i:06d}" for i in range(count)]
    failures = tuple(ShardFailure(index=names[i], shard_id=0, reason="node left") for i in range(1, count, 50))
    snapshot = SnapshotInfo(
        name="nightly-2026-11-28t02-00-00z",
        state="PARTIAL",
        start_time=NOW,
        indices=tuple(names),
        shards_total=count * 2,
        failures=failures,
    )
    cluster = ClusterFacts(
        indices={f"old-{name}": "open" for name in names[::2]},
        aliases=frozenset(f"alias-{i}" for i in range(100)),
        max_shards_per_node=1000,
        data_nodes=60,
        open_shards=count,
    )
    older = [
        SnapshotInfo(name=f"nightly-{d}", state="SUCCESS", start_time=NOW - timedelta(days=d), indices=tuple(names))
        for d in range(1, 31)
    ]
    return snapshot, cluster, older


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--indices", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    snapshot, cluster, older = synthetic(args.indices)
    options = RestoreOptions(
        indices=["logs-*", "-logs-0000*"], rename=Rename("^logs-(.+)$", "old-logs-$1"), on_conflict="delete"
    )
    times = []
    for _ in range(args.runs):
        started = time.perf_counter()
        plan = plan_restore(snapshot, "nightly-backups", cluster, options, older=older)
        summary = plan.summary()
        times.append(time.perf_counter() - started)
    counts = summary["counts"]
    print(f"restore plan of a snapshot of {args.indices:,} indices (median of {args.runs} runs)")
    print(f"  plan + summary: {statistics.median(times) * 1000:.0f} ms (target < 1,000 ms)")
    print(
        f"  decisions: restore {counts['restore']:,} (replace {counts['replace']:,}), skip {counts['skip']:,}, "
        f"blockers {counts['blockers']}"
    )
    print(f"  summary carried in state: {len(json.dumps(summary)):,} bytes")


if __name__ == "__main__":
    main()
