"""Requests to the domain and Step Functions state transitions per nightly run.

Run: ``python -m tests.bench.bench_run``. For snapshots that take N polls, a scheduled run
against the emulated domain with the real state machine; prints a table, asserts nothing.
Targets (issue 2): snapshot requests 1 + N; transitions at most 3 N + 10.
"""

from __future__ import annotations

import logging
import time
from collections import Counter

from tests.emulator import EmulatedDomain, EmulatorCredentials, SnapshotProgress, serve
from tests.support.constants import BUCKET, REPOSITORY
from tests.support.stack import RehearsalStack, VirtualClock


def classify(method: str, path: str) -> str:
    if path == "/":
        return "GET /"
    if method == "PUT":
        return "create"
    if method == "GET" and path.startswith(f"/_snapshot/{REPOSITORY}/nightly-") and "*" not in path:
        return "status"
    if method == "GET":
        return "retention list"
    if method == "DELETE":
        return "delete"
    return f"{method} other"


def measure(polls: int, *, skip_retention: bool) -> dict[str, object]:
    credentials = EmulatorCredentials.testing()
    clock = VirtualClock()
    domain = EmulatedDomain(
        engine="opensearch",
        version="2.11.0",
        region="us-east-1",
        credentials=credentials,
        indices=("logs-1", "logs-2"),
        clock=clock.now,
    )
    domain.register_repository(REPOSITORY, bucket=BUCKET)
    domain.progress = SnapshotProgress(polls=polls, outcome="SUCCESS")
    with (
        serve(domain, port=0) as server,
        RehearsalStack(server.endpoint, clock=clock, credentials=credentials) as stack,
    ):
        started = time.perf_counter()
        run = stack.run({"skip_retention": skip_retention})
        elapsed = time.perf_counter() - started
    kinds = Counter(classify(r.method, r.path) for r in domain.requests)
    checks = len(run.calls("CheckSnapshotFunction"))
    return {
        "polls": checks,
        "status": run.status,
        "snapshot requests": kinds["create"] + kinds["status"],
        "target 1+N": 1 + checks,
        "all requests": sum(kinds.values()),
        "transitions": run.transitions,
        "target 3N+10": 3 * checks + 10,
        "local seconds": round(elapsed, 2),
    }


def main() -> None:
    logging.getLogger("moto").setLevel(logging.CRITICAL)
    for skip in (True, False):
        print(f"\nretention {'skipped' if skip else 'run (empty repository: 1 GET / + 1 listing)'}")
        rows = [measure(p, skip_retention=skip) for p in (0, 1, 10, 40, 100)]
        headers = list(rows[0])
        print("  ".join(f"{h:>17}" for h in headers))
        for row in rows:
            print("  ".join(f"{row[h]!s:>17}" for h in headers))


if __name__ == "__main__":
    main()
