"""One polling rule for every machine, through the real definitions with AWS's 25,000-event history
quota enforced: a slow restore or drill at the smallest poll interval ends with its alert (and a drill
with its clean-up) at the deadline, long before the quota; where progress is measurable, in a handful
of checks. (Every machine's longest run over the whole parameter range is proven in
tests/unit/test_clock.py.)"""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.emulator import EmulatedDomain, RecoveryProgress, SnapshotProgress
from tests.support.constants import NIGHTLY_START, REPOSITORY

pytestmark = pytest.mark.skipif(
    not hasattr(EmulatedDomain, "create_index"), reason="needs the emulator's index, recovery and restore endpoints"
)

FULL = {"taken_by": "snapshot-sentinel", "stack": "snapshot-sentinel", "execution_id": "arn:x", "scope": "full"}
NEVER = RecoveryProgress(polls=1_000_000)
"""A restore that does not finish before any deadline."""
EVENTS_BUDGET = 20_000


def lost_orders(domain, clock, *, measurable: bool):
    """orders in a full nightly snapshot, then lost. Without bytes (``doc_bytes=0``) its recovery shows no
    progress to predict from: every wait is the floor, the worst case."""
    domain.create_index("orders", shards=2, docs=500, doc_bytes=None if measurable else 0)
    domain.add_snapshot(REPOSITORY, "nightly-2026-11-28t02-00-00z", start_time=NIGHTLY_START, metadata=FULL)
    clock.advance(7 * 3600)
    domain.delete_index("orders")


def waited(run, wait_state):
    return [e["stateEnteredEventDetails"]["name"] for e in run.events if "stateEnteredEventDetails" in e].count(
        wait_state
    )


@pytest.mark.slow
def test_a_slow_restore_at_a_two_second_poll_interval_ends_with_its_alert_at_the_deadline(stack, domain, clock):
    # Given a restore that cannot finish and whose progress cannot be measured
    lost_orders(domain, clock, measurable=False)
    domain.recovery = NEVER
    started = clock.now()

    # When it is restored with the smallest poll interval the input allows
    run = stack.run({"indices": "orders", "poll_interval_seconds": 2}, state_machine="RestoreStateMachine")

    # Then it ends at the deadline (MaxWaitMinutes 480) with its alert, well inside the history quota
    assert run.error == "RestoreDeadlineError", run.cause
    assert run.cause.endswith("Alert sent to AlertTopic.")
    [alert] = run.alerts
    assert "still not active after MaxWaitMinutes" in alert["message"]
    assert len(run.events) < EVENTS_BUDGET
    checks = run.calls("CheckRestoreFunction")
    assert 400 < len(checks) < 600, "every wait at the floor: about 480 minutes / 595"
    assert {c.result["next_wait_seconds"] for c in checks[:-2] if c.result} == {49}
    assert clock.now() - started >= timedelta(minutes=480)


def test_a_slow_restore_with_measurable_progress_takes_a_handful_of_checks(stack, domain, clock):
    lost_orders(domain, clock, measurable=True)
    domain.recovery = NEVER

    run = stack.run({"indices": "orders", "poll_interval_seconds": 2}, state_machine="RestoreStateMachine")

    assert run.error == "RestoreDeadlineError", run.cause
    assert len(run.alerts) == 1
    assert len(run.calls("CheckRestoreFunction")) <= 10


def test_a_three_hour_restore_takes_few_checks_says_what_is_left_and_is_seen_done_within_the_floor(
    stack, domain, clock
):
    # Given a restore whose shards recover over three hours, bytes in proportion
    lost_orders(domain, clock, measurable=True)
    domain.recovery = RecoveryProgress(seconds=3 * 3600)
    started = clock.now()

    run = stack.run({"indices": "orders"}, state_machine="RestoreStateMachine")

    # Then a few checks, each waiting half the remainder (at least the 60 s poll interval)
    assert run.status == "SUCCEEDED", run.cause
    checks = [c.result for c in run.calls("CheckRestoreFunction")]
    assert len(checks) <= 20, f"{len(checks)} checks; 60 s polling makes 180"
    running = checks[:-1]
    assert running[0]["remaining_text"] == "about 3 hours left"
    assert running[0]["progress"]["percent"] > 0
    assert all(r["next_wait_seconds"] >= 60 for r in running), "never under the poll interval"
    # And the end is seen within the floor of the restore's end
    seen = clock.now() - started - timedelta(hours=3)
    assert seen <= timedelta(seconds=60 + 60)


def test_a_replacing_restores_safety_snapshot_waits_by_the_same_rule(stack, domain, clock):
    # Given orders written to since the nightly, and a safety snapshot that is slow
    domain.create_index("orders", shards=2, docs=500)
    domain.add_snapshot(REPOSITORY, "nightly-2026-11-28t02-00-00z", start_time=NIGHTLY_START, metadata=FULL)
    clock.advance(7 * 3600)
    domain.add_documents("orders", 7)
    domain.progress = SnapshotProgress(duration_seconds=3 * 3600, outcome="SUCCESS")

    # When a restore replaces it with a 2 s poll interval
    run = stack.run(
        {"indices": "orders", "on_conflict": "delete", "poll_interval_seconds": 2}, state_machine="RestoreStateMachine"
    )

    # Then the safety snapshot is watched with the ETA, under the restore's floor, not every 2 s
    assert run.status == "SUCCEEDED", run.cause
    checks = [c.result for c in run.calls("CheckSnapshotFunction")]
    assert len(checks) <= 15, f"{len(checks)} checks of a three-hour safety snapshot"
    assert all(c["next_wait_seconds"] >= checks[0]["min_wait_seconds"] > 2 for c in checks[:-1])


@pytest.mark.slow
@pytest.mark.parametrize("parameters", [{"PollIntervalSeconds": 5}])
def test_a_slow_drill_at_a_five_second_poll_interval_fails_at_the_deadline_and_cleans_up(stack, domain, clock):
    # Given a nightly backup of orders, and a drill restore that cannot finish nor show progress
    domain.create_index("orders", shards=2, docs=500, doc_bytes=0)
    domain.progress = SnapshotProgress(polls=1, outcome="SUCCESS")
    assert stack.run({}).status == "SUCCEEDED"
    domain.recovery = NEVER

    # When the drill runs
    run = stack.run({}, state_machine="DrillStateMachine")

    # Then it fails at the deadline, cleans up its own indices and pages, inside the history quota
    assert run.error == "DrillDeadlineError", run.cause
    assert run.calls("CleanUpDrillFunction"), "the clean-up ran"
    assert not [name for name in domain.index_names() if name.startswith("drill-")]
    [alert] = run.alerts
    assert alert["subject"].startswith("[DRILL FAILED]")
    assert len(run.events) < EVENTS_BUDGET
    assert 400 < len(run.calls("CheckDrillFunction")) < 600
