"""What a month of nightly runs costs per domain, from counts measured on the real state machine.

Run: ``python -m tests.bench.bench_cost``. For snapshots of 5, 60 and 480 minutes (the emulated
domain's snapshot follows the virtual clock; the state machine polls by ETA), one scheduled run
with retention goes through BackupStateMachine in moto; the script counts state transitions,
Lambda invocations per function and EMF bytes, then prices 30 such nights.

The counts CloudWatch bills (metric names, alarms, dashboards) are derived from the handlers and
template.yaml by ``tests.bench.cost_model``, as are the prices (us-east-1 list prices with the date
each was read, without free tiers) and the model of the S3 requests and storage of the snapshots.
Lambda duration is not measurable here (the domain is local): each invocation is billed at
BILLED_SECONDS_PER_INVOCATION, plus INIT_SECONDS once per function per night (every night is a
cold start; Lambda bills the init phase of managed runtimes).
"""

from __future__ import annotations

import logging
from collections import Counter

from tests.bench.cost_model import (
    PRICE_PER_GB_SECOND_ARM,
    PRICE_PER_LOG_GB,
    PRICE_PER_REQUEST,
    PRICE_PER_S3_GB_MONTH,
    PRICE_PER_S3_GET,
    PRICE_PER_S3_PUT_OR_LIST,
    PRICE_PER_TRANSITION,
    PRICES_READ,
    SCOPES_BESIDE_FULL,
    Repository,
    alarm_names,
    metric_names,
    monthly_storage_cost,
    observability,
    scoped_metric_names,
)
from tests.emulator import EmulatedDomain, EmulatorCredentials, SnapshotProgress, serve
from tests.support.constants import BUCKET, REPOSITORY
from tests.support.stack import RehearsalStack, VirtualClock

NIGHTS = 30
POLL_SECONDS = 60
MAX_WAIT_MINUTES = 540  # the default 480 would end a 480-minute snapshot with a deadline alert

MEMORY_GB = 256 / 1024
BILLED_SECONDS_PER_INVOCATION = 0.3
INIT_SECONDS = 0.5


def measure(minutes: int) -> dict[str, float]:
    credentials = EmulatorCredentials.testing()
    clock = VirtualClock()
    domain = EmulatedDomain(
        engine="opensearch", version="2.11.0", region="us-east-1", credentials=credentials, clock=clock.now
    )
    domain.register_repository(REPOSITORY, bucket=BUCKET)
    domain.progress = SnapshotProgress(duration_seconds=minutes * 60, outcome="SUCCESS")
    with (
        serve(domain, port=0) as server,
        RehearsalStack(
            server.endpoint, parameters={"MaxWaitMinutes": MAX_WAIT_MINUTES}, clock=clock, credentials=credentials
        ) as stack,
    ):
        run = stack.run({})
        emf_bytes = sum(len(line) + 1 for line in stack.metric_lines)
    assert run.status == "SUCCEEDED", run.status
    calls = Counter(invocation.function for invocation in run.invocations)
    invocations = sum(calls.values())
    gb_seconds = MEMORY_GB * (invocations * BILLED_SECONDS_PER_INVOCATION + len(calls) * INIT_SECONDS)
    return {
        "minutes": minutes,
        "checks": calls["CheckSnapshotFunction"],
        "transitions": run.transitions,
        "invocations": invocations,
        "gb_seconds": gb_seconds,
        "emf_bytes": emf_bytes,
    }


def monthly(row: dict[str, float]) -> dict[str, float]:
    transitions = NIGHTS * row["transitions"] * PRICE_PER_TRANSITION
    lambda_cost = NIGHTS * (row["gb_seconds"] * PRICE_PER_GB_SECOND_ARM + row["invocations"] * PRICE_PER_REQUEST)
    logs = NIGHTS * row["emf_bytes"] / 1e9 * PRICE_PER_LOG_GB
    fixed = observability().monthly
    cost = {"transitions": transitions, "lambda": lambda_cost, "emf logs": logs, **fixed}
    return {**cost, "total": sum(cost.values())}


REPOSITORIES = (
    Repository(indices=10, shards=50, changed_files_per_shard=5, changed_gigabytes=1),
    Repository(indices=100, shards=500, changed_files_per_shard=5, changed_gigabytes=10),
    Repository(indices=1000, shards=5000, changed_files_per_shard=5, changed_gigabytes=100),
)


def print_observability() -> None:
    counts = observability()
    print(f"\nbilled per domain (derived from the handlers and template.yaml), prices read {PRICES_READ}")
    print(f"{counts.metrics} metric names: {', '.join(metric_names())}")
    print(
        f"  a month with subset or named runs adds {len(scoped_metric_names())} metrics per scope "
        f"({', '.join(SCOPES_BESIDE_FULL)}): {', '.join(scoped_metric_names())}"
    )
    print(f"{counts.alarms} alarms: {', '.join(alarm_names())}")
    print(f"{counts.dashboards} dashboard(s)")


def print_s3() -> None:
    print(
        f"\nS3 requests a night (a snapshot and one expired snapshot deleted; a model, see cost_model), "
        f"${PRICE_PER_S3_PUT_OR_LIST * 1000:.3f} per 1,000 PUT/LIST, ${PRICE_PER_S3_GET * 1000:.4f} per 1,000 GET"
    )
    print("| indices | primary shards | changed files per shard | changed GB | PUT | GET | LIST | USD per month |")
    print("|---|---|---|---|---|---|---|---|")
    for repository in REPOSITORIES:
        night = repository.nightly_requests()
        print(
            f"| {repository.indices:,} | {repository.shards:,} | {repository.changed_files_per_shard} | "
            f"{repository.changed_gigabytes:g} | {night['put']:,} | {night['get']:,} | {night['list']:,} | "
            f"{repository.monthly_request_cost(NIGHTS):.2f} |"
        )
    print(f"\nS3 Standard storage, ${PRICE_PER_S3_GB_MONTH} per GB-month")
    print("| GB the repository holds | USD per month |")
    print("|---|---|")
    for gigabytes in (10, 100, 1000, 10000):
        print(f"| {gigabytes:,} | {monthly_storage_cost(gigabytes):,.2f} |")


def main() -> None:
    logging.getLogger("moto").setLevel(logging.CRITICAL)
    print(
        f"per night (PollIntervalSeconds={POLL_SECONDS}, MaxWaitMinutes={MAX_WAIT_MINUTES}, "
        "retention on an empty repository)"
    )
    print("| snapshot | status checks | state transitions | Lambda invocations | GB-s (estimated) | EMF bytes |")
    print("|---|---|---|---|---|---|")
    rows = [measure(minutes) for minutes in (5, 60, 480)]
    for row in rows:
        print(
            f"| {row['minutes']} min | {row['checks']} | {row['transitions']} | {row['invocations']} | "
            f"{row['gb_seconds']:.2f} | {row['emf_bytes']} |"
        )
    print(f"\nper month ({NIGHTS} nights), USD, us-east-1 list prices, no free tier")
    counts = observability()
    print(
        f"| snapshot | transitions | Lambda | EMF logs | {counts.metrics} metrics | {counts.alarms} alarms | "
        "dashboard | total |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for row in rows:
        cost = monthly(row)
        print(
            f"| {row['minutes']} min | {cost['transitions']:.4f} | {cost['lambda']:.4f} | {cost['emf logs']:.6f} | "
            f"{cost['metrics']:.2f} | {cost['alarms']:.2f} | {cost['dashboard']:.2f} | {cost['total']:.2f} |"
        )
    print_observability()
    print_s3()


if __name__ == "__main__":
    main()
