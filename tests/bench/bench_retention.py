"""Retention figures: planning cost, and the HTTP requests pruning takes on each kind of domain.

Run: ``python -m tests.bench.bench_retention [--snapshots 100000] [--runs 5]``. Prints figures;
asserts nothing. Issue 3's targets: planning over 100,000 snapshots under 1 s and 200 MB; at
most 25 requests to prune 1,000 expired snapshots on a multi-delete domain; on a domain without
multi-delete, 1,000 single deletes spread over runs within the time budget.

- Planning: ``plan_retention`` over a synthetic repository (hourly managed snapshots with some
  FAILED/PARTIAL, one running, other prefixes, another stack's). Time is the median of ``--runs``
  plain runs; peak memory is one more run under ``tracemalloc`` (the input, built beforehand,
  is reported on its own line).
- Pruning: ``apply_retention`` over real HTTP against the emulated domain (OpenSearch 2.11 and
  Elasticsearch 7.4), counting the requests the emulator received. On 7.4, every request is
  charged an assumed latency on a fake monotonic clock (no sleeping), and runs repeat until
  nothing is left, showing how the time budget spreads the deletes over nightly runs.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import time
import tracemalloc
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import requests

from snapshot_sentinel.client import DomainClient
from snapshot_sentinel.models import FAILED, IN_PROGRESS, PARTIAL, SUCCESS, SnapshotInfo
from snapshot_sentinel.ownership import TAKEN_BY
from snapshot_sentinel.retention.apply import apply_retention
from snapshot_sentinel.retention.plan import RetentionPolicy, plan_retention
from snapshot_sentinel.retention.report import RetentionReport
from tests.emulator import EmulatedDomain, serve

NOW = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)
STACK = "prod-backups"
POLICY = RetentionPolicy(prefix="nightly", stack_name=STACK, days=14, min_count=7, max_count=0)
OURS = {"taken_by": TAKEN_BY, "stack": STACK, "execution_id": "arn:aws:states:us-east-1:123456789012:execution:b:x"}
REPO = "sentinel"


def synthetic_repository(count: int) -> list[SnapshotInfo]:
    snapshots = []
    for i in range(count):
        start = NOW - timedelta(minutes=10 * i)
        if i % 10 == 9:
            name, metadata = f"weekly-{start:%Y-%m-%dt%H-%M-%Sz}", {}
        elif i % 50 == 7:
            name, metadata = f"nightly-{start:%Y-%m-%dt%H-%M-%Sz}-staging", {"taken_by": TAKEN_BY, "stack": "staging"}
        else:
            name, metadata = f"nightly-{start:%Y-%m-%dt%H-%M-%Sz}", OURS
        state = IN_PROGRESS if i == 0 else FAILED if i % 20 == 3 else PARTIAL if i % 33 == 5 else SUCCESS
        snapshots.append(SnapshotInfo(name=name, state=state, uuid=f"u{i}", start_time=start, metadata=metadata))
    return snapshots


def bench_planning(count: int, runs: int) -> None:
    tracemalloc.start()
    snapshots = synthetic_repository(count)
    input_bytes = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()

    durations = []
    for _ in range(runs):
        gc.collect()
        started = time.perf_counter()
        plan = plan_retention(snapshots, POLICY, NOW)
        durations.append(time.perf_counter() - started)

    gc.collect()
    tracemalloc.start()
    plan = plan_retention(snapshots, POLICY, NOW)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()

    rules = Counter(d.rule.value for d in plan.decisions)
    print(f"Planning over {count:,} snapshots ({runs} runs)")
    print(f"  time     median {statistics.median(durations):.3f} s, max {max(durations):.3f} s   (target < 1 s)")
    print(f"  memory   peak {peak / 1e6:.1f} MB while planning                 (target < 200 MB)")
    print(f"  input    {input_bytes / 1e6:.1f} MB of SnapshotInfo, built beforehand")
    print(f"  plan     {len(plan.to_delete):,} to delete; rules {dict(rules.most_common())}")


class ChargedSession(requests.Session):
    """Charges every request ``latency`` seconds on a fake monotonic clock."""

    def __init__(self, clock: list[float], latency: float) -> None:
        super().__init__()
        self.clock = clock
        self.latency = latency

    def request(self, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        self.clock[0] += self.latency
        return super().request(*args, **kwargs)


def seeded_domain(engine: str, version: str, expired: int) -> EmulatedDomain:
    domain = EmulatedDomain(engine=engine, version=version, region="us-east-1", credentials=None, clock=lambda: NOW)
    domain.register_repository(REPO, bucket="sentinel-snapshots")
    for i in range(expired + 14):
        start = NOW - timedelta(days=i, minutes=1)
        domain.add_snapshot(REPO, f"nightly-{start:%Y-%m-%dt%H-%M-%Sz}", start_time=start, metadata=OURS, indices=[])
    return domain


def run_once(endpoint: str, clock: list[float], latency: float, budget: float) -> RetentionReport:
    client = DomainClient(endpoint, ChargedSession(clock, latency))
    return apply_retention(
        client,
        REPO,
        POLICY,
        now=NOW,
        protect=frozenset(),
        dry_run=False,
        budget_seconds=budget,
        monotonic=lambda: clock[0],
    )


def bench_multi_delete(expired: int) -> None:
    domain = seeded_domain("opensearch", "2.11.0", expired)
    with serve(domain, port=0) as server:
        started = time.perf_counter()
        report = run_once(server.endpoint, [0.0], 0.0, 600)
        wall = time.perf_counter() - started
    by_kind = Counter(f"{r.method} {'/' if r.path == '/' else '_snapshot/...'}" for r in domain.requests)
    print(f"Pruning {expired:,} expired snapshots on OpenSearch 2.11 (comma-separated deletes)")
    print(f"  requests {len(domain.requests)} in one run (target <= 25): {dict(by_kind)}")
    print(f"  deleted  {report.to_dict()['totals']['deleted']:,}; {wall:.2f} s wall against the local emulator")


def bench_single_deletes(expired: int, latency: float, budget: float) -> None:
    domain = seeded_domain("elasticsearch", "7.4.2", expired)
    clock = [0.0]
    runs: list[RetentionReport] = []
    with serve(domain, port=0) as server:
        while not runs or runs[-1].not_reached:
            runs.append(run_once(server.endpoint, clock, latency, budget))
    deletes = sum(1 for r in domain.requests if r.method == "DELETE")
    per_run = [len(r.deleted) for r in runs]
    print(f"Pruning {expired:,} expired snapshots on Elasticsearch 7.4 (one name per delete)")
    print(
        f"  assuming {latency:g} s per request and a {budget:g} s budget: {len(runs)} run(s), deletes per run {per_run}"
    )
    left = len(domain.snapshots(REPO)) - 14
    print(f"  requests {len(domain.requests)} in all, {deletes} of them deletes; expired left: {left}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--snapshots", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--expired", type=int, default=1_000)
    args = parser.parse_args()
    bench_planning(args.snapshots, args.runs)
    bench_multi_delete(args.expired)
    for latency in (0.2, 1.0):
        bench_single_deletes(args.expired, latency, budget=600)


if __name__ == "__main__":
    main()
