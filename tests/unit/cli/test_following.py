"""What a person sees while following a run in a terminal and in a log."""

from __future__ import annotations

import io
import json

from rich.console import Console

from sentinel_cli import following, render
from sentinel_cli.runs import RunView

CHECKED = {
    "snapshot": {
        "name": "nightly-2026-11-28t02-00-00z",
        "state": "IN_PROGRESS",
        "polls": 3,
        "shards": {"total": 0, "successful": 0, "failed": 0},
        "progress": {"shards_done": 7, "shards_total": 20, "percent": 35.0},
        "remaining_text": "about 4 minutes left",
    }
}
RUNNING = {"executionArn": "arn:aws:states:us-east-1:1:execution:BackupStateMachine:night", "status": "RUNNING"}


def checked_view() -> RunView:
    events = [
        {"id": 1, "stateEnteredEventDetails": {"name": "Check snapshot", "input": "{}"}},
        {"id": 2, "stateExitedEventDetails": {"name": "Check snapshot", "output": json.dumps(CHECKED)}},
        {"id": 3, "stateEnteredEventDetails": {"name": "Wait before checking", "input": json.dumps(CHECKED)}},
    ]
    return RunView.build(RUNNING, events)


def test_a_running_snapshot_shows_its_state_polls_shards_and_time_left():
    view = checked_view()

    assert following.progress_words(view) == "Wait before checking · poll 3 · shards 7/20 · about 4 minutes left"


def test_a_terminal_gets_a_live_bar_of_shards():
    screen = io.StringIO()
    follower = following.LiveFollower(Console(file=screen, force_terminal=True, width=120), "Backup")

    follower.update(checked_view())
    follower.close()

    assert "7/20" in screen.getvalue()
    assert "Wait before checking" in screen.getvalue()


def test_a_log_gets_one_line_per_change():
    log = io.StringIO()
    follower = following.LineFollower(render.make_console(log))

    follower.update(checked_view())
    follower.update(checked_view())

    assert log.getvalue().count("\n") == 1
