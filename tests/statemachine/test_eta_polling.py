"""ETA-driven polling through the real definition: few checks for a long snapshot, completion
seen within the poll interval. (The longest run the parameters allow, about 600 checks, is
proven by computation in tests/unit/test_clock.py and run whole by tests/bench/bench_polling.py.)"""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.emulator import Fault, SnapshotProgress


def noticed_late_seconds(run, duration_seconds):
    """Seconds between the snapshot's end and the check that saw it."""
    final = run.calls("CheckSnapshotFunction")[-1]
    take = run.calls("TakeSnapshotFunction")[-1]
    return (final.at - (take.at + timedelta(seconds=duration_seconds))).total_seconds()


@pytest.mark.parametrize(("minutes", "most_checks"), [(5, 5), (60, 10), (480, 48)])
def test_a_long_snapshot_takes_few_checks_and_its_end_is_seen_within_the_poll_interval(
    stack, domain, minutes, most_checks
):
    domain.progress = SnapshotProgress(duration_seconds=minutes * 60, outcome="SUCCESS")

    run = stack.run({"skip_retention": True})

    assert run.status == "SUCCEEDED"
    checks = run.calls("CheckSnapshotFunction")
    assert len(checks) <= most_checks, f"fixed 60 s polling makes {minutes} checks"
    assert 0 <= noticed_late_seconds(run, minutes * 60) <= 60


def test_while_it_runs_the_check_says_about_how_long_is_left(stack, domain):
    domain.progress = SnapshotProgress(duration_seconds=6 * 3600, outcome="SUCCESS")

    run = stack.run({"skip_retention": True})

    running = [c.result for c in run.calls("CheckSnapshotFunction") if c.result["state"] == "IN_PROGRESS"]
    assert running[0]["remaining_text"] == "about 6 hours left"
    assert running[0]["progress"]["percent"] > 0
    assert running[0]["next_wait_seconds"] == pytest.approx(running[0]["remaining_seconds"] / 2, abs=1)
    assert running[-1]["remaining_text"].endswith("minutes left") or running[-1]["remaining_text"].startswith("less")
    assert [r["next_wait_seconds"] for r in running] == sorted((r["next_wait_seconds"] for r in running), reverse=True)


def test_an_unreadable_status_costs_only_the_estimate(stack, domain):
    # Given a snapshot whose _status always answers 503
    domain.progress = SnapshotProgress(duration_seconds=10 * 60, outcome="SUCCESS")
    domain.inject(Fault(method="GET", path=r"/_status$", kind="unavailable", times=10_000))

    run = stack.run({"skip_retention": True})

    # Then every check still answers, waiting the poll interval, and the run succeeds
    assert run.status == "SUCCEEDED"
    checks = run.calls("CheckSnapshotFunction")
    assert all(c.error is None for c in checks)
    assert all(c.result["next_wait_seconds"] == 60 for c in checks)
    assert 10 <= len(checks) <= 11
