"""Retention inside the real state machine: seeded repositories, the real ApplyRetention handler,
deletions over HTTP. Whatever happens, nothing unmanaged, running, newest or below the minimum
is ever deleted."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from tests.emulator import Fault, SnapshotProgress
from tests.support.constants import REPOSITORY
from tests.support.snapshots import names, nightly

OURS = {"taken_by": "snapshot-sentinel", "stack": "snapshot-sentinel", "execution_id": "arn:earlier"}
DELETE_PATH = rf"^/_snapshot/{REPOSITORY}/nightly-"


def seed_daily(domain, now, days, state="SUCCESS", metadata=OURS):
    """One snapshot at 02:00 on each of the last ``days`` days; {name: start}, oldest first."""
    seeded = {}
    for days_ago in range(days, 0, -1):
        name, start = nightly(now, days_ago)
        domain.add_snapshot(REPOSITORY, name, state=state, start_time=start, metadata=metadata)
        seeded[name] = start
    return seeded


def test_thirty_nights_prune_to_the_window_and_spare_everything_else(stack, domain):
    now = stack.clock.now()
    daily = seed_daily(domain, now, 30)
    running_name, running_start = nightly(now, 3, hour=14)
    domain.add_snapshot(REPOSITORY, running_name, state="IN_PROGRESS", start_time=running_start, metadata=OURS)
    domain.add_snapshot(REPOSITORY, "weekly-2026-09-01", start_time=now - timedelta(days=88))
    domain.add_snapshot(REPOSITORY, "nightlyx-2026-09-01", start_time=now - timedelta(days=88))
    domain.add_snapshot(
        REPOSITORY, "nightly-from-staging", start_time=now - timedelta(days=60), metadata={**OURS, "stack": "staging"}
    )
    domain.start_automated_snapshot()
    domain.progress = SnapshotProgress(polls=1, outcome="SUCCESS")

    run = stack.run({})

    assert run.status == "SUCCEEDED"
    remaining = names(domain)
    retention_ran_at = stack.clock.now()
    expired = {n for n, start in daily.items() if start < retention_ran_at - timedelta(days=14)}
    assert len(expired) == 17
    assert remaining.isdisjoint(expired)
    assert set(daily) - expired <= remaining
    assert {running_name, "weekly-2026-09-01", "nightlyx-2026-09-01", "nightly-from-staging"} <= remaining
    assert domain.snapshots("cs-automated-enc")
    report = run.output["retention"]
    assert report["totals"]["deleted"] == len(expired)


def test_a_week_of_failures_never_prunes_the_good_snapshots(stack, domain):
    now = stack.clock.now()
    good = []
    for days_ago in range(30, 0, -1):
        name, start = nightly(now, days_ago)
        state = "SUCCESS" if days_ago > 14 else "FAILED"
        domain.add_snapshot(REPOSITORY, name, state=state, start_time=start, metadata=OURS)
        if state == "SUCCESS":
            good.append(name)
    domain.progress = SnapshotProgress(polls=1, outcome="SUCCESS")

    run = stack.run({})

    assert run.status == "SUCCEEDED"
    successes = [s for s in domain.snapshots(REPOSITORY) if s.state == "SUCCESS"]
    assert len(successes) >= 7
    kept_old_good = [n for n in good if n in names(domain)]
    assert len(kept_old_good) >= 6, "the minimum is made of SUCCESS snapshots; FAILED ones never count"


def test_five_thousand_managed_snapshots_prune_in_batches(stack, domain):
    now = stack.clock.now()
    for hours_ago in range(5000, 0, -1):
        start = now - timedelta(hours=hours_ago)
        domain.add_snapshot(REPOSITORY, f"nightly-{start:%Y-%m-%dt%H-%M-%Sz}", start_time=start, metadata=OURS)
    domain.progress = SnapshotProgress(polls=1, outcome="SUCCESS")

    run = stack.run({})

    assert run.status == "SUCCEEDED"
    deletes = [r for r in domain.requests if r.method == "DELETE"]
    assert 1 < len(deletes) <= 60
    assert all(len(r.path) < 4000 for r in deletes)
    # kept: the hourly ones younger than 14 days at 02:01 (03:00 fourteen days ago to 01:00), and tonight's
    assert len(names(domain)) == 14 * 24 - 1 + 1
    assert len(json.dumps(run.output)) < 256 * 1024


@pytest.mark.parametrize("kind", ["gateway_timeout_after", "gateway_timeout_before"])
def test_a_504_on_delete_is_looked_up_not_retried_blindly(stack, domain, kind):
    now = stack.clock.now()
    seed_daily(domain, now, 20)
    domain.inject(Fault(method="DELETE", path=DELETE_PATH, kind=kind, times=1))
    domain.progress = SnapshotProgress(polls=1, outcome="SUCCESS")

    run = stack.run({})

    assert run.status == "SUCCEEDED"
    assert run.alerts == []
    totals = run.output["retention"]["totals"]
    deletes = [r for r in domain.requests if r.method == "DELETE"]
    assert len(deletes) == 1
    if kind == "gateway_timeout_after":
        assert totals["deleted"] == 7 and totals["deferred"] == 0
    else:
        assert totals["deleted"] == 0 and totals["deferred"] == 7


@pytest.mark.parametrize("engine", [("elasticsearch", "7.4.2")])
def test_a_delete_refused_while_a_snapshot_runs_is_deferred_not_an_error(stack, domain):
    now = stack.clock.now()
    seed_daily(domain, now, 20)
    run_first = stack.run({"skip_retention": True, "poll_interval_seconds": 5})
    assert run_first.status == "SUCCEEDED"
    domain.start_automated_snapshot()

    run = stack.run({"retention_only": True})

    assert run.status == "SUCCEEDED"
    assert run.alerts == []
    totals = run.output["retention"]["totals"]
    assert totals["deleted"] == 0 and totals["deferred"] >= 1
    assert len(names(domain)) == 21


def test_a_dry_run_reports_and_deletes_nothing(stack, domain):
    now = stack.clock.now()
    seed_daily(domain, now, 20)

    run = stack.run({"retention_only": True, "retention_dry_run": True})

    assert run.status == "SUCCEEDED"
    assert len(names(domain)) == 20
    assert not [r for r in domain.requests if r.method in ("PUT", "DELETE")]
    report = run.output["retention"]
    assert report["dry_run"] is True
    # a retention-only run at 02:00 sharp: the snapshot of exactly 14 days ago is not yet older than 14 days
    assert len(report["would_delete"]) == 6


def test_a_retention_error_that_is_not_transient_alerts(stack, domain):
    seed_daily(domain, stack.clock.now(), 20)
    domain.inject(Fault(method="GET", path=rf"^/_snapshot/{REPOSITORY}/nightly-\*", kind="forbidden_fgac", times=1))

    run = stack.run({"retention_only": True})

    assert run.status == "FAILED"
    [alert] = run.alerts
    assert "AuthorizationError" in alert["message"]
    assert len(names(domain)) == 20
