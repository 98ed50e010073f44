"""Issue 9 in the real state machine: retention prunes only what the schedule took, a few-index run
never counts as a full backup, a duplicate start never pages anyone, and a run's own snapshot is
never taken for a stranger."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from tests.emulator import Fault, SnapshotProgress
from tests.support.constants import REPOSITORY
from tests.support.snapshots import names, nightly

OURS = {"taken_by": "snapshot-sentinel", "stack": "snapshot-sentinel", "execution_id": "arn:earlier", "scope": "full"}
SNAPSHOT_PATH = rf"^/_snapshot/{REPOSITORY}/nightly-[^/]*$"


def alerts_text(run):
    return json.dumps(run.alerts)


# ------------------------------------------------------------------ ownership


def test_snapshots_people_keep_on_purpose_are_never_pruned_whatever_their_prefix(stack, domain):
    # Given thirty nightlies, a hand-taken archive and an old manual run named under the prefix
    now = stack.clock.now()
    for days_ago in range(30, 0, -1):
        name, start = nightly(now, days_ago)
        domain.add_snapshot(REPOSITORY, name, start_time=start, metadata=OURS)
    domain.add_snapshot(REPOSITORY, "nightly-archive-before-migration", start_time=now - timedelta(days=400))
    domain.progress = SnapshotProgress(polls=1, outcome="SUCCESS")
    manual = stack.run({"snapshot_name": "nightly-before-upgrade-2-17", "skip_retention": True})
    assert manual.status == "SUCCEEDED"
    stack.clock.advance(60 * 86400)

    # When the schedule runs sixty days later with the tightest retention
    run = stack.run({})

    # Then both are still there, though they start with 'nightly-' and are older than any window
    assert run.status == "SUCCEEDED"
    assert {"nightly-archive-before-migration", "nightly-before-upgrade-2-17"} <= names(domain)
    not_managed = {e["name"]: e["rule"] for e in run.output["retention"]["not_managed"]}
    assert not_managed["nightly-archive-before-migration"] == "foreign_name"
    assert not_managed["nightly-before-upgrade-2-17"] == "foreign_name"
    # while the seeded nightlies went, all but the six that with tonight's make RetentionMinCount
    assert run.output["retention"]["totals"]["deleted"] == 30 - 6


# ------------------------------------------------------------------ scope


@pytest.mark.parametrize("parameters", [{"RetentionMaxCount": 3, "RetentionMinCount": 1}])
def test_three_kibana_only_runs_never_push_out_the_full_nightlies(stack, domain):
    # Given three full nightly backups and RetentionMaxCount=3
    now = stack.clock.now()
    full = []
    for days_ago in (3, 2, 1):
        name, start = nightly(now, days_ago)
        domain.add_snapshot(REPOSITORY, name, start_time=start, metadata=OURS)
        full.append(name)
    domain.progress = SnapshotProgress(polls=1, outcome="SUCCESS")

    # When someone runs {"indices": ".kibana_1"} three times, an hour apart
    runs = []
    for _ in range(3):
        runs.append(stack.run({"indices": ".kibana_1"}))
        stack.clock.advance(3600)

    # Then every run succeeded, the three full nightlies are all kept, and the subset snapshots
    # carry their scope and a name outside the managed format
    assert [r.status for r in runs] == ["SUCCEEDED"] * 3
    assert set(full) <= names(domain)
    subsets = [s for s in domain.snapshots(REPOSITORY) if s.name.endswith("-subset")]
    assert len(subsets) == 3
    assert all(s.metadata["scope"] == "subset" and s.indices == [".kibana_1"] for s in subsets)
    for run in runs:
        assert run.output["retention"]["totals"]["deleted"] == 0
        kept = {e["name"]: e["rule"] for e in run.output["retention"]["kept"]}
        assert kept[full[-1]] == "newest_success"

    # And the next full nightly is the newest SUCCESS, pushing out only the oldest full one
    nightly_run = stack.run({})
    assert nightly_run.status == "SUCCEEDED"
    remaining = names(domain)
    assert full[0] not in remaining
    assert set(full[1:]) <= remaining
    assert {s.name for s in subsets} <= remaining
    [taken] = [s for s in domain.snapshots(REPOSITORY) if s.name == nightly_run.output["config"]["snapshot_name"]]
    assert taken.metadata["scope"] == "full"


# ------------------------------------------------------------------ duplicate starts


@pytest.mark.parametrize(
    "engine", [("opensearch", "2.11.0"), ("elasticsearch", "7.4.2"), ("opensearch", "3.1.0")], ids=str
)
def test_two_executions_started_in_the_same_second_take_one_snapshot_and_page_no_one(stack, domain):
    # Given EventBridge Scheduler delivering tonight's schedule twice
    domain.progress = SnapshotProgress(polls=2, outcome="SUCCESS")

    # When both executions start in the same second
    first, second = stack.run_together([{}, {}])

    # Then there is one snapshot, both executions succeed, no one is alerted
    trace = [(i.function, i.error, i.message, i.result) for i in first.invocations]
    assert (first.status, second.status) == ("SUCCEEDED", "SUCCEEDED"), (
        first.states_entered,
        second.states_entered,
        trace,
    )
    assert first.alerts == []
    [snapshot] = [s for s in domain.snapshots(REPOSITORY) if s.name.startswith("nightly-")]
    assert snapshot.state == "SUCCESS"
    # And the one whose create lost ends quietly as a duplicate, naming the execution that watches it
    by_end = {r.states_entered[-1]: r for r in (first, second)}
    assert set(by_end) == {"Backup succeeded", "Duplicate start"}
    owner, duplicate = by_end["Backup succeeded"], by_end["Duplicate start"]
    assert duplicate.output["snapshot"]["duplicate_of"] == owner.arn == snapshot.metadata["execution_id"]
    assert "retention" in owner.output and "retention" not in duplicate.output


@pytest.mark.parametrize("engine", [("elasticsearch", "6.8.0")])
def test_without_metadata_a_same_second_duplicate_adopts_the_snapshot_and_watches_it_too(stack, domain):
    domain.progress = SnapshotProgress(polls=2, outcome="SUCCESS")

    first, second = stack.run_together([{}, {}])

    assert (first.status, second.status) == ("SUCCEEDED", "SUCCEEDED")
    assert first.alerts == []
    assert len([s for s in domain.snapshots(REPOSITORY) if s.name.startswith("nightly-")]) == 1


def test_two_different_nights_never_collide(stack, domain):
    domain.progress = SnapshotProgress(polls=1, outcome="SUCCESS")

    tonight = stack.run({"skip_retention": True})
    stack.clock.advance(86400)
    tomorrow = stack.run({"skip_retention": True})

    assert (tonight.status, tomorrow.status) == ("SUCCEEDED", "SUCCEEDED")
    assert tonight.output["config"]["snapshot_name"] != tomorrow.output["config"]["snapshot_name"]
    assert len([s for s in domain.snapshots(REPOSITORY) if s.name.startswith("nightly-")]) == 2


def test_a_given_snapshot_name_that_exists_still_fails_clearly(stack, domain):
    # Given a snapshot an earlier manual run of this very stack took under that name
    domain.progress = SnapshotProgress(polls=1, outcome="SUCCESS")
    earlier = stack.run({"snapshot_name": "before-upgrade", "skip_retention": True})
    assert earlier.status == "SUCCEEDED"

    # When another run asks for the same name
    run = stack.run({"snapshot_name": "before-upgrade", "skip_retention": True})

    # Then it fails with a clear error and one alert, and the existing snapshot is untouched
    assert run.status == "FAILED"
    assert [c.error for c in run.calls("TakeSnapshotFunction")] == ["SnapshotAlreadyExistsError"]
    assert "choose another snapshot_name" in run.calls("TakeSnapshotFunction")[0].message
    assert len(run.alerts) == 1
    assert "SnapshotAlreadyExistsError" in alerts_text(run)
    [snapshot] = [s for s in domain.snapshots(REPOSITORY) if s.name == "before-upgrade"]
    assert snapshot.metadata["execution_id"] == earlier.arn


# ------------------------------------------------------------------ its own snapshot


@pytest.mark.parametrize("engine", [("elasticsearch", "7.4.2")])
def test_on_es_7_4_a_retried_create_refused_by_its_own_snapshot_goes_on_polling(stack, domain):
    # Given a create that times out at the gateway but is applied, and a look-up that fails too
    domain.progress = SnapshotProgress(polls=3, outcome="SUCCESS")
    domain.inject(Fault(method="PUT", path=SNAPSHOT_PATH, kind="gateway_timeout_after", times=1))
    domain.inject(Fault(method="GET", path=SNAPSHOT_PATH, kind="unavailable", times=1))

    # When the run goes on: the retried create is refused by the run's own running snapshot
    run = stack.run({"skip_retention": True})

    # Then the step looks its own name up, adopts it and polls it to SUCCESS within minutes
    assert run.status == "SUCCEEDED"
    assert run.alerts == []
    assert [c.error for c in run.calls("TakeSnapshotFunction")] == ["SnapshotStartUnconfirmedError", None]
    # (504 on the applied create; 503 concurrent_snapshot_execution_exception on the retry)
    assert [r.status for r in domain.requests if r.method == "PUT"] == [504, 503]
    assert sum(stack.clock.waited) < 15 * 60
    [snapshot] = [s for s in domain.snapshots(REPOSITORY) if s.name.startswith("nightly-")]
    assert snapshot.state == "SUCCESS"
