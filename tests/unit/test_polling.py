"""ETA-driven polling: the next wait, and the proof that every run ends inside the history quota."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from snapshot_sentinel.polling import (
    EVENTS_OUTSIDE_POLLS_MAX,
    EVENTS_PER_POLL_MAX,
    HISTORY_EVENTS_BUDGET,
    Progress,
    longest_run_events,
    minimum_wait_seconds,
    next_wait_seconds,
    predicted_remaining_seconds,
    remaining_text,
)
from tests.support.template import ROOT

NOW = datetime(2026, 11, 28, 3, 0, tzinfo=UTC)
DEFINITION = json.loads((ROOT / "statemachine" / "backup.asl.json").read_text())
STATES = DEFINITION["States"]
POLL_LOOP = ("Wait before checking", "Check snapshot", "Snapshot finished?")


def worst_case_events(state: dict) -> int:
    """History events of one visit of a state at its worst: entered + exited, and for a Task
    three events (scheduled, started, succeeded/failed) per attempt, every retry taken."""
    if state["Type"] in ("Succeed", "Fail"):
        return 2
    events = 2
    if state["Type"] == "Task":
        attempts = 1 + sum(retrier.get("MaxAttempts", 3) for retrier in state.get("Retry", []))
        events += 3 * attempts
    return events


def test_the_per_poll_constant_covers_the_definitions_poll_loop_at_its_worst():
    assert sum(worst_case_events(STATES[name]) for name in POLL_LOOP) <= EVENTS_PER_POLL_MAX


def test_the_outside_constant_covers_every_other_state_visited_once_at_its_worst():
    """A run visits each state outside the loop at most once (the definition has no other loop);
    summing all of them, plus ExecutionStarted and the final execution event, bounds the rest."""
    outside = sum(worst_case_events(state) for name, state in STATES.items() if name not in POLL_LOOP)
    assert outside + 2 <= EVENTS_OUTSIDE_POLLS_MAX


@given(
    poll=st.integers(min_value=1, max_value=3600),
    max_wait_minutes=st.integers(min_value=1, max_value=10080),
)
def test_the_longest_run_any_parameters_allow_stays_under_20000_events(poll, max_wait_minutes):
    assert longest_run_events(poll, max_wait_minutes * 60) <= HISTORY_EVENTS_BUDGET


def test_the_extremes_of_the_parameters():
    # PollIntervalSeconds=1 with MaxWaitMinutes=10080: the floor grows to about 17 minutes
    assert minimum_wait_seconds(1, 10080 * 60) == 1017
    assert longest_run_events(1, 10080 * 60) <= HISTORY_EVENTS_BUDGET
    # the case: 10 s with the default 480 minutes
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
