"""Alert figures: how many shard failures one alert lists within SNS's 256 KB, and what rendering costs.

Run: ``python -m tests.bench.bench_alert [--runs 3]``. Prints figures; asserts nothing.

A PARTIAL snapshot of a large domain (index names of 40 characters) with 100 to 20,000 failed
shards, as the alert function reads it from the domain (``GET _snapshot/<repo>/<name>``), with
reasons of a typical 150 characters and of the 300 the state's sample allows. For each: failures
listed (the rest counted with the command that lists them), the SNS message in bytes, the subject
length, and the median render time of ``--runs`` renders (fitting included).
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import UTC, datetime, timedelta

from snapshot_sentinel.alerts import DomainRead, render_alert, sns_message
from snapshot_sentinel.models import PARTIAL, ShardFailure, SnapshotInfo

NAME = "nightly-2026-11-28t02-00-00z"
DOMAIN = {
    "domain_name": "my-domain",
    "endpoint": "https://search-my-domain-abcdefghijklmnopqrstuvwxyz.us-east-1.es.amazonaws.com",
    "repository": "nightly-backups",
    "region": "us-east-1",
}
EXECUTION = "arn:aws:states:us-east-1:123456789012:execution:BackupStateMachine-Xq2Pz7cVb1Lk:3f1c9a7e"


def snapshot(failed: int, reason_chars: int) -> SnapshotInfo:
    start = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)
    reason = ("IndexShardSnapshotFailedException[Failed to snapshot shard]; nested: " + "x" * reason_chars)[
        :reason_chars
    ]
    failures = tuple(
        ShardFailure(f"application-logs-{n // 2:05d}-eu-west-1-prod"[:40], n % 2, reason, "YdJikE_RQraQ", "INTERNAL")
        for n in range(failed)
    )
    return SnapshotInfo(
        name=NAME,
        state=PARTIAL,
        start_time=start,
        end_time=start + timedelta(hours=1),
        shards_total=2 * failed,
        shards_successful=failed,
        shards_failed=failed,
        failures=failures,
    )


def event(failed: int) -> dict[str, object]:
    return {
        "run": {
            "input": {},
            "config": {"snapshot_name": NAME, "execution_id": EXECUTION},
            "snapshot": {
                "name": NAME,
                "state": PARTIAL,
                "shards": {"total": 2 * failed, "successful": failed, "failed": failed},
                "failures_count": failed,
            },
        }
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print("failed shards | reason chars | listed | message bytes | subject chars | render ms (median)")
    for reason_chars in (150, 300):
        for failed in (100, 1_000, 5_000, 20_000):
            found = DomainRead(snapshot=snapshot(failed, reason_chars))
            timings = []
            for _ in range(args.runs):
                started = time.perf_counter()
                alert = render_alert(event(failed), **DOMAIN, found=found)
                timings.append((time.perf_counter() - started) * 1000)
            size = len(sns_message(alert).encode())
            listed = len(alert.facts["failures"])
            print(
                f"{failed:>13,} | {reason_chars:>12} | {listed:>6,} | {size:>13,} | {len(alert.subject):>13} | "
                f"{statistics.median(timings):>8.0f}"
            )


if __name__ == "__main__":
    main()
