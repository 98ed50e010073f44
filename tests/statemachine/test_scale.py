"""The largest domains and repositories the project is designed for, run through the real
definition with AWS's quotas enforced: every state stays under 32 KB, and the alert still goes out."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta

import pytest

from snapshot_sentinel.models import SnapshotInfo
from snapshot_sentinel.retention_apply import apply_retention
from snapshot_sentinel.retention_plan import RetentionPolicy
from tests.emulator import EmulatedDomain, EmulatorCredentials, SnapshotProgress, serve
from tests.statemachine.conftest import NIGHTLY_START, REPOSITORY
from tests.support.stack import RehearsalStack, VirtualClock

STATE_TARGET_BYTES = 32 * 1024
INDEX_COUNT = 10_000
FAILED_SHARDS = 5_000
SNAPSHOT_COUNT = 100_000


def index_names(count: int) -> list[str]:
    """``count`` index names of exactly 40 characters."""
    return [f"logs-application-cluster-eu-west-{n:07d}" for n in range(count)]


@pytest.fixture
def big_domain(clock: VirtualClock, credentials: EmulatorCredentials) -> EmulatedDomain:
    emulated = EmulatedDomain(
        engine="opensearch",
        version="2.11.0",
        region="us-east-1",
        credentials=credentials,
        indices=index_names(INDEX_COUNT),
        clock=clock.now,
    )
    emulated.register_repository(REPOSITORY, bucket="sentinel-backups")
    return emulated


@pytest.fixture
def big_stack(big_domain, clock, credentials) -> Iterator[RehearsalStack]:
    with (
        serve(big_domain, port=0) as server,
        RehearsalStack(server.endpoint, clock=clock, credentials=credentials) as rehearsal,
    ):
        yield rehearsal


def test_ten_thousand_indices_and_five_thousand_failed_shards_still_alert_with_small_state(big_stack, big_domain):
    # Given a PARTIAL snapshot of 10,000 indices of 40 characters, 5,000 of whose shards fail
    names = index_names(INDEX_COUNT)
    failures = tuple(
        {"index": names[n], "shard_id": 0, "reason": f"IndexShardSnapshotFailedException[node left] {'x' * 400}"}
        for n in range(FAILED_SHARDS)
    )
    big_domain.progress = SnapshotProgress(polls=2, outcome="PARTIAL", failures=failures)

    # When the nightly run watches it
    run = big_stack.run({})

    # Then the run reaches its alert (no States.DataLimitExceeded) and every state stays small
    assert run.error != "States.DataLimitExceeded"
    assert len(run.alerts) == 1
    assert run.largest_payload_bytes < STATE_TARGET_BYTES
    facts = run.calls("CheckSnapshotFunction")[-1].result
    assert facts["indices_count"] == INDEX_COUNT
    assert facts["failures_count"] == FAILED_SHARDS
    assert len(facts["failures"]) == 10
    assert all(len(f["reason"]) <= 300 for f in facts["failures"])
    assert facts["shards"] == {"total": INDEX_COUNT, "successful": INDEX_COUNT - FAILED_SHARDS, "failed": FAILED_SHARDS}
    assert "indices" not in facts
    alert = run.alerts[0]
    assert "5000" in alert["message"].replace(",", "") or "5,000" in alert["email"]
    # And the alert read every failure from the domain and lists as many as SNS's 256 KB allows
    assert len(alert["subject"]) < 100
    assert len(alert["email"].encode()) + len(alert["message"].encode()) < 256 * 1024
    sent = json.loads(alert["message"])
    assert sent["failures_source"] == "domain"
    assert 10 < len(sent["failures"]) < FAILED_SHARDS
    assert f"... and {FAILED_SHARDS - len(sent['failures'])} more. To see them all: awscurl" in alert["email"]
    # And the execution ends saying the same in one line
    assert run.error == "PartialSnapshotError"
    assert f"PARTIAL, {FAILED_SHARDS} shards failed of {INDEX_COUNT}. Alert sent to AlertTopic." in run.cause


class HundredThousandSnapshots:
    """A domain client whose repository holds 100,000 managed snapshots, one a minute back.

    The emulator answers a listing of that size in tens of seconds on this machine (its
    ``filter_path`` walks every key), so this scenario hands the real retention code an
    in-memory listing instead; everything after the listing (plan, report, the state machine
    with AWS's quotas) is the real thing."""

    def list_snapshots(self, repository, pattern="_all"):
        metadata = {"taken_by": "snapshot-sentinel", "stack": "snapshot-sentinel"}
        return [
            SnapshotInfo(
                name=f"nightly-{n:06d}",
                state="SUCCESS",
                start_time=NIGHTLY_START - timedelta(days=1, minutes=n),
                metadata=metadata,
            )
            for n in range(SNAPSHOT_COUNT)
        ]


def test_a_repository_of_one_hundred_thousand_snapshots_gives_a_bounded_retention_report(stack, domain):
    # Given a repository of 100,000 managed snapshots
    def apply_retention_handler(event, context):
        report = apply_retention(
            HundredThousandSnapshots(),
            REPOSITORY,
            RetentionPolicy(prefix="nightly", stack_name="snapshot-sentinel", days=14, min_count=7),
            now=NIGHTLY_START,
            protect=frozenset(),
            dry_run=event["dry_run"],
            budget_seconds=600,
        )
        return report.to_dict()

    stack.replace_handler("ApplyRetentionFunction", apply_retention_handler)

    # When a dry run of retention reports on them
    run = stack.run({"retention_only": True, "retention_dry_run": True})

    # Then the report counts them all, shows a sample, says how to see all, and stays small
    assert run.status == "SUCCEEDED"
    assert run.largest_payload_bytes < STATE_TARGET_BYTES
    report = run.output["retention"]
    assert report["totals"]["listed"] == SNAPSHOT_COUNT
    assert report["totals"]["to_delete"] + report["totals"]["kept"] == SNAPSHOT_COUNT
    assert 0 < len(report["would_delete"]) < report["totals"]["to_delete"]
    assert report["omitted"]["would_delete"] == report["totals"]["to_delete"] - len(report["would_delete"])
    assert "_cat/snapshots" in report["see_all"]
