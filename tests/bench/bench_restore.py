"""Requests to the domain and Step Functions state transitions per restore of N indices.

Run: ``python -m tests.bench.bench_restore [--indices 1 10 100 1000]``. For each N, a domain
whose N indices (1 shard each) are in a full snapshot and then lost, restored by the real
RestoreStateMachine against the emulated domain (restored primaries recover in 2 polls); prints
requests by kind and transitions; asserts nothing. Also: the same restore with
``on_conflict: "delete"`` over live copies (safety snapshot, delete, restore).
"""

from __future__ import annotations

import argparse
import logging
import time
from collections import Counter
from datetime import UTC, datetime

from tests.emulator import EmulatedDomain, EmulatorCredentials, serve
from tests.emulator.indices import RecoveryProgress
from tests.support.constants import BUCKET, REPOSITORY
from tests.support.stack import RehearsalStack, VirtualClock

FULL = {"taken_by": "snapshot-sentinel", "stack": "snapshot-sentinel", "execution_id": "arn:x", "scope": "full"}


def classify(method: str, path: str) -> str:
    if method != "GET":
        return {"POST": "restore", "PUT": "safety snapshot", "DELETE": "delete"}.get(method, method)
    for prefix, kind in (
        ("/_snapshot", "snapshot reads"),
        ("/_cat/indices", "cat indices"),
        ("/_alias", "aliases"),
        ("/_cluster/settings", "settings"),
        ("/_cluster/health/", "index health"),
        ("/_cluster/health", "cluster health"),
        ("/_cluster/allocation", "explain"),
    ):
        if path.startswith(prefix):
            return kind
    return "recovery" if path.endswith("/_recovery") else f"GET {path[:20]}"


def measure(count: int, *, replace: bool) -> dict[str, object]:
    credentials = EmulatorCredentials.testing()
    start = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)
    clock = VirtualClock(start)
    names = [f"logs-{n:05d}" for n in range(count)]
    domain = EmulatedDomain(
        engine="opensearch",
        version="2.11.0",
        region="us-east-1",
        credentials=credentials,
        indices=(),
        clock=clock.now,
        recovery=RecoveryProgress(polls=2),
    )
    domain.register_repository(REPOSITORY, bucket=BUCKET)
    domain.set_cluster_setting("cluster.max_shards_per_node", 100_000)
    for name in names:
        domain.create_index(name, shards=1, replicas=0, docs=3)
    domain.add_snapshot(REPOSITORY, "nightly-2026-11-28t02-00-00z", start_time=start, metadata=FULL)
    if not replace:
        for name in names:
            domain.delete_index(name)
    clock.advance(3600)
    domain.clear_requests()
    with (
        serve(domain, port=0) as server,
        RehearsalStack(server.endpoint, clock=clock, credentials=credentials) as stack,
    ):
        started = time.perf_counter()
        run_input = {"poll_interval_seconds": 30, **({"on_conflict": "delete"} if replace else {})}
        run = stack.run(run_input, state_machine="RestoreStateMachine")
        elapsed = time.perf_counter() - started
    kinds = Counter(classify(r.method, r.path) for r in domain.requests)
    return {
        "indices": count,
        "status": run.status,
        "checks": len(run.calls("CheckRestoreFunction")),
        "requests": sum(kinds.values()),
        "transitions": run.transitions,
        "by kind": ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())),
        "local s": round(elapsed, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--indices", type=int, nargs="*", default=[1, 10, 100, 1000])
    args = parser.parse_args()
    logging.getLogger("moto").setLevel(logging.CRITICAL)
    for replace in (False, True):
        print(f"\nrestore of N lost indices{' over live copies (on_conflict delete)' if replace else ''}")
        for count in args.indices:
            row = measure(count, replace=replace)
            print("  ".join(f"{key} {value}" for key, value in row.items()))


if __name__ == "__main__":
    main()
