"""State sizes and polling figures of whole runs, with AWS's quotas enforced by the harness.

Run: ``python -m tests.bench.bench_polling [--skip-longest]``. Prints figures; asserts nothing.

1. Largest state payload (any state's input/output, any task's input/result, UTF-8 bytes) of a
   run over 10,000 indices of 40 characters with 5,000 failed shards, and of a retention dry run
   over 100,000 snapshots (target: under 32 KB).
2. History events of the longest run the parameters allow: PollIntervalSeconds=1,
   MaxWaitMinutes=10080 and a snapshot that never progresses, run to its deadline alert, next to
   the computed worst case (every retry taken) (target: under 20,000).
3. Checks and domain requests for snapshots of 5, 60 and 480 minutes, ETA-driven against fixed
   60 s polling (the same stack, its check result's wait forced to 60 s), and how long after its
   end each run noticed completion (targets: at most a tenth of the fixed checks at 480 minutes,
   completion noticed within PollIntervalSeconds).
"""

from __future__ import annotations

import argparse
import logging
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

from snapshot_sentinel.clock import longest_run_events, longest_run_polls
from snapshot_sentinel.models import SnapshotInfo
from snapshot_sentinel.retention.apply import apply_retention
from snapshot_sentinel.retention.plan import RetentionPolicy
from tests.emulator import EmulatedDomain, EmulatorCredentials, SnapshotProgress, serve
from tests.support.constants import BUCKET, REPOSITORY
from tests.support.stack import RehearsalStack, RunResult, VirtualClock

START = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)


def domain_and_clock(indices: list[str]) -> tuple[EmulatedDomain, VirtualClock, EmulatorCredentials]:
    credentials = EmulatorCredentials.testing()
    clock = VirtualClock(START)
    domain = EmulatedDomain(
        engine="opensearch",
        version="2.11.0",
        region="us-east-1",
        credentials=credentials,
        indices=indices,
        clock=clock.now,
    )
    domain.register_repository(REPOSITORY, bucket=BUCKET)
    return domain, clock, credentials


def run_once(
    domain: EmulatedDomain,
    clock: VirtualClock,
    credentials: EmulatorCredentials,
    run_input: dict[str, Any],
    *,
    parameters: dict[str, Any] | None = None,
    handlers: dict[str, Any] | None = None,
) -> RunResult:
    with (
        serve(domain, port=0) as server,
        RehearsalStack(server.endpoint, parameters=parameters, clock=clock, credentials=credentials) as stack,
    ):
        stack.join_timeout = 900
        for function, handler in (handlers or {}).items():
            stack.replace_handler(function, handler)
        return stack.run(run_input)


def largest_payloads() -> None:
    print("\nLargest state payload (target: under 32 KB = 32,768 bytes)")
    names = [f"logs-application-cluster-eu-west-{n:07d}" for n in range(10_000)]
    domain, clock, credentials = domain_and_clock(names)
    failures = tuple(
        {"index": names[n], "shard_id": 0, "reason": f"IndexShardSnapshotFailedException[node left] {'x' * 400}"}
        for n in range(5_000)
    )
    domain.progress = SnapshotProgress(polls=2, outcome="PARTIAL", failures=failures)
    run = run_once(domain, clock, credentials, {})
    print(
        f"  10,000 indices of 40 chars, PARTIAL with 5,000 failed shards: {run.largest_payload_bytes:,} bytes "
        f"({run.status}, {len(run.alerts)} alert)"
    )

    def listing(repository: str, pattern: str = "_all") -> list[SnapshotInfo]:
        metadata = {"taken_by": "snapshot-sentinel", "stack": "snapshot-sentinel"}
        return [
            SnapshotInfo(
                f"nightly-{n:06d}", "SUCCESS", start_time=START - timedelta(days=1, minutes=n), metadata=metadata
            )
            for n in range(100_000)
        ]

    class Listing:
        list_snapshots = staticmethod(listing)

    def retention(event: dict[str, Any], context: Any) -> dict[str, Any]:
        policy = RetentionPolicy(prefix="nightly", stack_name="snapshot-sentinel", days=14, min_count=7)
        report = apply_retention(
            Listing(),  # type: ignore[arg-type]
            REPOSITORY,
            policy,
            now=START,
            protect=frozenset(),
            dry_run=True,
            budget_seconds=600,
        )
        return report.to_dict()

    domain, clock, credentials = domain_and_clock(["logs"])
    run = run_once(
        domain,
        clock,
        credentials,
        {"retention_only": True, "retention_dry_run": True},
        handlers={"ApplyRetentionFunction": retention},
    )
    print(f"  retention dry run over 100,000 snapshots: {run.largest_payload_bytes:,} bytes ({run.status})")


def longest_run() -> None:
    print("\nLongest run the parameters allow (PollIntervalSeconds=1, MaxWaitMinutes=10080, no progress)")
    domain, clock, credentials = domain_and_clock(["logs-1", "logs-2"])
    domain.progress = SnapshotProgress(polls=10**9, outcome="SUCCESS")
    started = time.perf_counter()
    run = run_once(
        domain,
        clock,
        credentials,
        {"poll_interval_seconds": 1},
        parameters={"PollIntervalSeconds": 1, "MaxWaitMinutes": 10080},
    )
    elapsed = time.perf_counter() - started
    checks = len(run.calls("CheckSnapshotFunction"))
    print(
        f"  measured: {checks} checks, {len(run.events):,} history events, ended in "
        f"{run.states_entered[-1]!r} with {len(run.alerts)} alert ({elapsed:.0f} s locally)"
    )
    print(
        f"  computed worst case (every retry taken): {longest_run_polls(1, 10080 * 60)} checks, "
        f"{longest_run_events(1, 10080 * 60):,} events (target: under 20,000; AWS's quota 25,000)"
    )


def fixed_wait(seconds: int) -> Any:
    """The check step's real handler with its next wait forced: fixed-interval polling."""
    from tests.support.stack import _load_handler
    from tests.support.template import ROOT

    real = _load_handler(ROOT / "functions" / "check_snapshot")

    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        facts: dict[str, Any] = real(event, context)
        facts["next_wait_seconds"] = seconds
        return facts

    return handler


def polling(minutes: int, *, fixed: bool) -> dict[str, Any]:
    domain, clock, credentials = domain_and_clock(["logs-1", "logs-2", "logs-3", "logs-4"])
    domain.progress = SnapshotProgress(duration_seconds=minutes * 60, outcome="SUCCESS")
    handlers = {"CheckSnapshotFunction": fixed_wait(60)} if fixed else None
    run = run_once(domain, clock, credentials, {"skip_retention": True}, handlers=handlers)
    kinds = Counter(
        "status" if r.path.endswith("/_status") else "get" if r.method == "GET" else r.method.lower()
        for r in domain.requests
        if r.path.startswith(f"/_snapshot/{REPOSITORY}/nightly-")
    )
    checks = run.calls("CheckSnapshotFunction")
    take = run.calls("TakeSnapshotFunction")[-1]
    late = (checks[-1].at - (take.at + timedelta(minutes=minutes))).total_seconds()
    return {
        "snapshot": f"{minutes} min",
        "polling": "fixed 60 s" if fixed else "ETA",
        "checks": len(checks),
        "requests": sum(kinds.values()),
        "GET/_status": f"{kinds['get']}/{kinds['status']}",
        "events": len(run.events),
        "noticed after": f"{late:.0f} s",
        "status": run.status,
    }


def polling_table() -> None:
    print("\nChecks and requests per run, ETA-driven vs fixed 60 s (PollIntervalSeconds=60, MaxWaitMinutes=480)")
    rows = [polling(minutes, fixed=fixed) for minutes in (5, 60, 480) for fixed in (False, True)]
    headers = list(rows[0])
    print("  " + "  ".join(f"{h:>13}" for h in headers))
    for row in rows:
        print("  " + "  ".join(f"{row[h]!s:>13}" for h in headers))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-longest", action="store_true", help="skip the ~600-check longest run")
    args = parser.parse_args()
    logging.getLogger("moto").setLevel(logging.CRITICAL)
    polling_table()
    largest_payloads()
    if not args.skip_longest:
        longest_run()


if __name__ == "__main__":
    main()
