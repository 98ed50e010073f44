"""ETA-driven polling: the next wait, and the proof that every run ends inside the history quota."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from snapshot_sentinel.clock import (
    BACKUP,
    DRILL,
    HISTORY_EVENTS_BUDGET,
    RESTORE,
    Progress,
    longest_run_events,
    minimum_wait_seconds,
    next_wait_seconds,
    predicted_remaining_seconds,
    remaining_text,
)
from snapshot_sentinel.inputs import MAX_POLL_SECONDS, MIN_POLL_SECONDS
from tests.support.asl import history_worst_case, loops, next_states
from tests.support.template import ROOT, load_template

NOW = datetime(2026, 11, 28, 3, 0, tzinfo=UTC)
TEMPLATE = load_template()["Parameters"]


def states(machine: str) -> dict:
    return json.loads((ROOT / "statemachine" / f"{machine}.asl.json").read_text())["States"]


BUDGETS = {"backup": BACKUP, "restore": RESTORE, "drill": DRILL}
LOOPS_AT_MOST = {"backup": 1, "restore": 2, "drill": 1}
"""Polling loops one run may enter: a restore that replaces indices watches its safety snapshot first."""

POLL_SECONDS = st.integers(
    min_value=min(TEMPLATE["PollIntervalSeconds"]["MinValue"], MIN_POLL_SECONDS),
    max_value=max(TEMPLATE["PollIntervalSeconds"]["MaxValue"], MAX_POLL_SECONDS),
)
"""Every poll interval a stack (PollIntervalSeconds) or a run's input (poll_interval_seconds) may set."""
MAX_WAIT_MINUTES = st.integers(
    min_value=TEMPLATE["MaxWaitMinutes"]["MinValue"], max_value=TEMPLATE["MaxWaitMinutes"]["MaxValue"]
)


@pytest.mark.parametrize("machine", sorted(BUDGETS))
def test_each_budget_covers_its_definitions_polling_loops_and_the_rest_at_their_worst(machine):
    per_loop, outside = history_worst_case(states(machine))

    assert len(per_loop) == LOOPS_AT_MOST[machine]
    assert all(events <= BUDGETS[machine].events_per_check for events in per_loop)
    assert outside <= BUDGETS[machine].events_outside_checks


@pytest.mark.parametrize("machine", sorted(BUDGETS))
def test_every_loop_waits_what_its_check_step_decides(machine):
    """The floor and the deadline live in the check step's next_wait_seconds; a Wait reading the raw
    poll interval (as restore and drill did) escapes both."""
    definition = states(machine)
    for loop in loops(definition):
        [wait] = [definition[name] for name in loop if definition[name]["Type"] == "Wait"]
        assert wait["SecondsPath"].endswith(".next_wait_seconds"), (machine, wait)


def test_only_a_restore_that_replaces_indices_enters_the_safety_snapshots_loop():
    """The restore splits its budget between two loops exactly when its plan says "replace"."""
    definition = states("restore")
    [safety_loop] = [loop for loop in loops(definition) if "Check safety snapshot" in loop]
    entries = {
        (name, rule.get("StringEquals"))
        for name, state in definition.items()
        if name not in safety_loop
        for rule in state.get("Choices", [])
        if rule["Next"] == "Take safety snapshot"
    }
    assert entries == {("What does the plan say?", "replace")}
    assert all(
        "Take safety snapshot" not in next_states(state) or name == "What does the plan say?"
        for name, state in definition.items()
    )


@settings(max_examples=300)
@given(poll=POLL_SECONDS, max_wait_minutes=MAX_WAIT_MINUTES, machine=st.sampled_from(sorted(BUDGETS)))
def test_the_longest_run_any_parameters_allow_stays_under_20000_events_on_every_machine(
    poll, max_wait_minutes, machine
):
    budget = BUDGETS[machine]
    for loops_entered in range(1, LOOPS_AT_MOST[machine] + 1):
        assert budget.longest_run_events(poll, max_wait_minutes * 60, loops_entered) <= HISTORY_EVENTS_BUDGET


@given(poll=POLL_SECONDS, max_wait_minutes=MAX_WAIT_MINUTES)
def test_the_longest_backup_run_stays_under_20000_events(poll, max_wait_minutes):
    assert longest_run_events(poll, max_wait_minutes * 60) <= HISTORY_EVENTS_BUDGET


def test_the_extremes_of_the_parameters():
    # PollIntervalSeconds=1 with MaxWaitMinutes=10080: the floor grows to about 17 minutes
    assert minimum_wait_seconds(1, 10080 * 60) == 1017
    assert longest_run_events(1, 10080 * 60) <= HISTORY_EVENTS_BUDGET
    # the issue's case: 10 s with the default 480 minutes
    assert minimum_wait_seconds(10, 480 * 60) == 49
    # the defaults keep their 60 s
    assert minimum_wait_seconds(60, 480 * 60) == 60


@given(
    floor=st.integers(min_value=1, max_value=3600),
    remaining=st.one_of(st.none(), st.floats(min_value=0, max_value=10**7)),
    until_deadline=st.floats(min_value=0.001, max_value=10**7),
)
def test_the_next_wait_is_at_least_the_floor_and_never_past_the_deadline(floor, remaining, until_deadline):
    deadline = NOW + timedelta(seconds=until_deadline)

    wait = next_wait_seconds(remaining, floor_seconds=floor, now=NOW, deadline=deadline)

    assert wait >= 1
    assert wait >= floor or NOW + timedelta(seconds=wait - 1) < deadline <= NOW + timedelta(seconds=wait)
    assert NOW + timedelta(seconds=wait - 1) < deadline, "the wait never runs a whole second past the deadline"


def test_the_next_wait_is_half_the_predicted_remainder():
    # Given a snapshot 25% done after 10 minutes: 30 minutes left at that rate
    progress = Progress(shards_done=1, shards_total=4, bytes_done=250, bytes_total=1000)

    remaining = predicted_remaining_seconds(progress, started=NOW - timedelta(minutes=10), now=NOW)
    wait = next_wait_seconds(remaining, floor_seconds=60, now=NOW, deadline=NOW + timedelta(hours=8))

    assert remaining == 1800
    assert wait == 900
    assert remaining_text(remaining) == "about 30 minutes left"


def test_without_progress_the_wait_is_the_floor():
    nothing_yet = Progress(shards_done=0, shards_total=4, bytes_done=0, bytes_total=1000)

    remaining = predicted_remaining_seconds(nothing_yet, started=NOW - timedelta(minutes=1), now=NOW)

    assert remaining is None
    assert next_wait_seconds(remaining, floor_seconds=60, now=NOW, deadline=NOW + timedelta(hours=1)) == 60


def test_progress_reads_the_status_api_processed_absent_means_all_copied():
    running = {
        "shards_stats": {"initializing": 0, "started": 3, "finalizing": 0, "done": 1, "failed": 0, "total": 4},
        "stats": {
            "incremental": {"file_count": 48, "size_in_bytes": 4000},
            "processed": {"file_count": 12, "size_in_bytes": 1000},
            "total": {"file_count": 48, "size_in_bytes": 4000},
        },
    }
    copied = {"shards_stats": {"done": 3, "total": 4}, "stats": {"incremental": {"file_count": 2, "size_in_bytes": 0}}}

    assert Progress.from_status(running).fraction == 0.25
    assert Progress.from_status(copied).fraction == 0.75, "no bytes to copy: shards decide"
    assert Progress.from_status({}).fraction is None


def test_remaining_text_reads_as_a_person_would_say_it():
    assert remaining_text(None) is None
    assert remaining_text(20) == "less than a minute left"
    assert remaining_text(60) == "about 1 minute left"
    assert remaining_text(40 * 60) == "about 40 minutes left"
    assert remaining_text(5 * 3600 + 1000) == "about 5.5 hours left"
    assert remaining_text(3 * 86400) == "about 3 days left"


def test_the_restore_and_drill_floors_at_the_issues_intervals():
    # a restore with poll_interval_seconds 2 and a drill with PollIntervalSeconds 5, MaxWaitMinutes 480
    assert RESTORE.minimum_wait_seconds(2, 480 * 60) == 49
    assert DRILL.minimum_wait_seconds(5, 480 * 60) == 49
    # a restore that replaces indices watches two loops, each with half the budget
    assert RESTORE.minimum_wait_seconds(2, 480 * 60, loops=2) == 98
    # the default poll interval stands for a plain restore and a drill
    assert RESTORE.minimum_wait_seconds(60, 480 * 60) == DRILL.minimum_wait_seconds(60, 480 * 60) == 60


def test_progress_reads_recovery_bytes_to_copy_not_those_reused():
    recoveries = {
        "orders": [
            {
                "stage": "DONE",
                "index": {"size": {"total_in_bytes": 1000, "reused_in_bytes": 0, "recovered_in_bytes": 1000}},
            },
            {
                "stage": "INDEX",
                "index": {"size": {"total_in_bytes": 3000, "reused_in_bytes": 0, "recovered_in_bytes": 500}},
            },
        ],
        "logs": [
            {
                "stage": "INDEX",
                "index": {"size": {"total_in_bytes": 2000, "reused_in_bytes": 2000, "recovered_in_bytes": 0}},
            },
        ],
    }

    progress = Progress.from_recoveries(recoveries)

    assert (progress.bytes_done, progress.bytes_total) == (1500, 4000)
    assert (progress.shards_done, progress.shards_total) == (1, 3)
    assert progress.fraction == 0.375
    assert Progress.from_recoveries({}).fraction is None
