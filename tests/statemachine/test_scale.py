"""The largest domains and repositories the project is designed for, run through the real
definition with AWS's quotas enforced: every state stays under 32 KB, and the alert still goes out."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta

import pytest

from snapshot_sentinel.drills.plan import MAX_PICKS
from snapshot_sentinel.inputs import MAX_INPUT_BYTES
from snapshot_sentinel.models import SnapshotInfo
from snapshot_sentinel.naming import managed_snapshot_name
from snapshot_sentinel.retention.apply import apply_retention
from snapshot_sentinel.retention.plan import RetentionPolicy
from tests.emulator import EmulatedDomain, EmulatorCredentials, SnapshotProgress, serve
from tests.support.aws_limits import MAX_PAYLOAD_BYTES, payload_bytes
from tests.support.constants import NIGHTLY_START, REPOSITORY
from tests.support.stack import RehearsalStack, VirtualClock

STATE_TARGET_BYTES = 32 * 1024
INDEX_COUNT = 10_000
FAILED_SHARDS = 5_000
SNAPSHOT_COUNT = 100_000
FULL = {"taken_by": "snapshot-sentinel", "stack": "snapshot-sentinel", "execution_id": "arn:x", "scope": "full"}


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
        starts = [NIGHTLY_START - timedelta(days=1, minutes=n) for n in range(SNAPSHOT_COUNT)]
        return [
            SnapshotInfo(
                name=managed_snapshot_name("nightly", start), state="SUCCESS", start_time=start, metadata=metadata
            )
            for start in starts
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


# ------------------------------------------------------------------ restore and drill at their largest

LONGEST = 255
"""The engine's longest index name, in bytes."""


DRILLABLE = LONGEST - len("drill-20261128t020000z-0123abcd-")
"""The longest name a drill restores under its own name (``drill-<snapshot start>-<run>-<index>``)."""


def longest_names(count: int, length: int = LONGEST) -> list[str]:
    """``count`` index names of exactly ``length`` characters."""
    return [f"logs-{'a' * (length - 12)}-{n:06d}" for n in range(count)]


@pytest.fixture
def name_length() -> int:
    return LONGEST


@pytest.fixture
def longest_domain(clock: VirtualClock, credentials: EmulatorCredentials, name_length: int) -> EmulatedDomain:
    emulated = EmulatedDomain(
        engine="opensearch",
        version="2.11.0",
        region="us-east-1",
        credentials=credentials,
        indices=longest_names(INDEX_COUNT, name_length),
        clock=clock.now,
    )
    emulated.register_repository(REPOSITORY, bucket="sentinel-backups")
    return emulated


@pytest.fixture
def longest_stack(longest_domain, clock, credentials, parameters) -> Iterator[RehearsalStack]:
    with (
        serve(longest_domain, port=0) as server,
        RehearsalStack(server.endpoint, parameters=parameters, clock=clock, credentials=credentials) as rehearsal,
    ):
        rehearsal.join_timeout = 900.0  # 10,000 indices of 255 characters take the emulator minutes
        yield rehearsal


def largest_input(run_input: dict, length: int = LONGEST) -> dict:
    """``run_input`` with ``indices`` grown to wildcard patterns of names of ``length`` characters, as
    large as validation accepts."""
    pattern = f"logs-{'a' * (length - 12)}-*"
    patterns: list[str] = []
    while payload_bytes({**run_input, "indices": [*patterns, pattern]}) <= MAX_INPUT_BYTES:
        patterns.append(pattern)
    return {**run_input, "indices": patterns}


@pytest.mark.slow
def test_a_restore_of_ten_thousand_longest_named_indices_from_its_largest_input_keeps_every_state_small(
    longest_stack, longest_domain, clock
):
    # Given a PARTIAL snapshot of 10,000 indices of 255 characters, 5,000 of whose shards failed,
    # and a SUCCESS one after it; then every index is lost
    names = longest_names(INDEX_COUNT)
    failures = [{"index": names[n], "shard_id": 0, "reason": "x" * 400} for n in range(FAILED_SHARDS)]
    longest_domain.add_snapshot(
        REPOSITORY,
        "nightly-2026-11-27t02-00-00z",
        state="PARTIAL",
        failures=failures,
        metadata=FULL,
        start_time=NIGHTLY_START - timedelta(days=1),
    )
    longest_domain.add_snapshot(REPOSITORY, "nightly-2026-11-28t02-00-00z", start_time=NIGHTLY_START, metadata=FULL)
    for name in names:
        longest_domain.delete_index(name)
    longest_domain.set_cluster_setting("cluster.max_shards_per_node", 20_000)
    clock.advance(3600)

    # When the PARTIAL one is planned, and the newest restored, each from the largest input accepted
    dry = longest_stack.run(
        largest_input({"snapshot_name": "nightly-2026-11-27t02-00-00z", "dry_run": True, "poll_interval_seconds": 1}),
        state_machine="RestoreStateMachine",
    )
    run = longest_stack.run(largest_input({"poll_interval_seconds": 1}), state_machine="RestoreStateMachine")

    # Then both reach their report, and every state keeps a quarter of AWS's 256 KB free (measured: 158 KB at
    # the end of the restore, the input and its validated copy 16 KB each, the measured sample 67 KB, the report 48 KB)
    assert dry.status == "SUCCEEDED", dry.cause
    assert run.status == "SUCCEEDED", run.cause
    assert run.output["restore"]["targets_count"] == INDEX_COUNT
    for finished in (dry, run):
        assert finished.largest_payload_bytes < MAX_PAYLOAD_BYTES * 3 // 4, finished.largest_payload_bytes


def test_an_input_too_large_for_the_runs_state_is_refused_with_an_alert(stack):
    # Given an input of 150 KB: accepted by Step Functions (256 KB), but carried twice it would pass the quota
    huge = {"indices": [f"logs-{n:0200d}" for n in range(720)]}
    assert 140_000 < payload_bytes(huge) < 160_000

    for state_machine in ("BackupStateMachine", "RestoreStateMachine", "DrillStateMachine"):
        run = stack.run(huge, state_machine=state_machine)

        # Then the run refuses it by name, with its alert (no silent States.DataLimitExceeded)
        assert run.error == "InvalidInputError", (state_machine, run.error, run.cause)
        assert "at most 16,384 are accepted" in run.cause
        assert run.alerts, state_machine


@pytest.mark.slow
@pytest.mark.parametrize("name_length", [DRILLABLE])
@pytest.mark.parametrize("parameters", [{"DrillMaxShards": 1_000_000, "DrillMaxGigabytes": 1_000_000}])
def test_a_drill_of_ten_thousand_longest_named_indices_with_no_cost_cap_keeps_every_state_small(
    longest_stack, longest_domain, clock
):
    # Given a full nightly snapshot of 10,000 indices of the longest names a drill takes, and caps that hold them all
    longest_domain.add_snapshot(REPOSITORY, "nightly-2026-11-28t02-00-00z", start_time=NIGHTLY_START, metadata=FULL)
    longest_domain.set_cluster_setting("cluster.max_shards_per_node", 20_000)
    clock.advance(3600)

    # When a drill runs with the largest input accepted
    run = longest_stack.run(largest_input({"keep_restored": False}, DRILLABLE), state_machine="DrillStateMachine")

    # Then it restores a sample Step Functions can carry, verifies and deletes it, and every state keeps half of
    # AWS's 256 KB free (measured: 105 KB at 50 picks; 187 KB at 100; 10,000 picks passed Lambda's 6 MB response)
    assert run.status == "SUCCEEDED", run.cause
    picks = run.output["plan"]["picks"]
    assert 1 < len(picks) <= MAX_PICKS
    assert run.output["plan"]["left_out_count"] == INDEX_COUNT - len(picks)
    assert len(run.output["cleanup"]["deleted"]) == len(picks)
    assert not [name for name in longest_domain.index_names() if name.startswith("drill-")]
    assert run.largest_payload_bytes < MAX_PAYLOAD_BYTES // 2, run.largest_payload_bytes
