"""What a month of nightly runs costs per domain, from counts measured on the real state machine.

Run: ``python -m tests.bench.bench_cost``. For snapshots of 5, 60 and 480 minutes (the emulated
domain's snapshot follows the virtual clock; the state machine polls by ETA), one scheduled run
with retention goes through BackupStateMachine in moto; the script counts state transitions,
Lambda invocations per function and EMF bytes, then prices 30 such nights.

Prices: us-east-1, published list prices looked up on 2026-12-02 (Step Functions, Lambda and
CloudWatch pricing pages), without free tiers (the table says what the free tiers cover).
Lambda duration is not measurable here (the domain is local): each invocation is billed at
BILLED_SECONDS_PER_INVOCATION, plus INIT_SECONDS once per function per night (every night is a
cold start; Lambda bills the init phase of managed runtimes).
"""

from __future__ import annotations

import logging
from collections import Counter

from tests.emulator import EmulatedDomain, EmulatorCredentials, SnapshotProgress, serve
from tests.support.stack import REHEARSAL_BUCKET, RehearsalStack, VirtualClock

REPOSITORY = "nightly-backups"
NIGHTS = 30
POLL_SECONDS = 60
MAX_WAIT_MINUTES = 540  # the default 480 would end a 480-minute snapshot with a deadline alert

PRICE_PER_TRANSITION = 0.025 / 1000
PRICE_PER_GB_SECOND_ARM = 0.0000133334
PRICE_PER_REQUEST = 0.20 / 1_000_000
PRICE_PER_METRIC_MONTH = 0.30
PRICE_PER_ALARM_MONTH = 0.10
PRICE_PER_DASHBOARD_MONTH = 3.00
PRICE_PER_LOG_GB = 0.50

MEMORY_GB = 256 / 1024
BILLED_SECONDS_PER_INVOCATION = 0.3
INIT_SECONDS = 0.5
METRICS_PER_DOMAIN = 7
ALARMS = 4  # NoRecentBackupAlarm, ScheduleDeadLetterAlarm, AlertDeliveryAlarm, LastResortAlertDeliveryAlarm


def measure(minutes: int) -> dict[str, float]:
    credentials = EmulatorCredentials.testing()
    clock = VirtualClock()
    domain = EmulatedDomain(
        engine="opensearch", version="2.11.0", region="us-east-1", credentials=credentials, clock=clock.now
    )
    domain.register_repository(REPOSITORY, bucket=REHEARSAL_BUCKET)
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
    metrics = METRICS_PER_DOMAIN * PRICE_PER_METRIC_MONTH
    alarms = ALARMS * PRICE_PER_ALARM_MONTH
    return {
        "transitions": transitions,
        "lambda": lambda_cost,
        "emf logs": logs,
        "metrics": metrics,
        "alarms": alarms,
        "dashboard": PRICE_PER_DASHBOARD_MONTH,
        "total": transitions + lambda_cost + logs + metrics + alarms + PRICE_PER_DASHBOARD_MONTH,
    }


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
    print("| snapshot | transitions | Lambda | EMF logs | 7 metrics | 4 alarms | dashboard | total |")
    print("|---|---|---|---|---|---|---|---|")
    for row in rows:
        cost = monthly(row)
        print(
            f"| {row['minutes']} min | {cost['transitions']:.4f} | {cost['lambda']:.4f} | {cost['emf logs']:.6f} | "
            f"{cost['metrics']:.2f} | {cost['alarms']:.2f} | {cost['dashboard']:.2f} | {cost['total']:.2f} |"
        )


if __name__ == "__main__":
    main()
