"""The sample events in events/ are what the state machine really sends: each parses and passes
the same validation a run applies, so `sam local invoke -e` with them exercises real paths."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from snapshot_sentinel.backup.input import validate_run_input
from snapshot_sentinel.clock import parse_timestamp
from snapshot_sentinel.errors import InvalidInputError

ROOT = Path(__file__).resolve().parents[2]
EVENTS = ROOT / "events"


def load(path: str) -> dict:
    return json.loads((EVENTS / path).read_text())


@pytest.mark.parametrize("path", sorted(p.relative_to(EVENTS).as_posix() for p in EVENTS.glob("state_machine/*.json")))
def test_state_machine_inputs_are_valid_runs(path):
    config = validate_run_input(
        load(path),
        prefix="nightly",
        default_poll_seconds=60,
        execution_id="arn:x",
        execution_start=parse_timestamp("2026-11-28T02:00:00Z"),
        execution_start_time="2026-11-28T02:00:00Z",
    )
    assert config.retention_only or config.snapshot_name


@pytest.mark.parametrize("path", sorted(p.relative_to(EVENTS).as_posix() for p in EVENTS.glob("validate_input/*.json")))
def test_validate_input_events_validate_unless_named_invalid(path):
    event = load(path)
    kwargs = {
        "prefix": "nightly",
        "default_poll_seconds": 60,
        "execution_id": event["execution_id"],
        "execution_start": parse_timestamp(event["execution_start_time"]),
        "execution_start_time": event["execution_start_time"],
    }
    if "invalid" in path:
        with pytest.raises(InvalidInputError):
            validate_run_input(event["input"], **kwargs)
    else:
        validate_run_input(event["input"], **kwargs)


def test_take_and_check_events_carry_what_their_handlers_read():
    definition = json.loads((ROOT / "statemachine" / "backup.asl.json").read_text())["States"]

    def passed(state: str) -> set[str]:
        return {key.removesuffix(".$") for key in definition[state]["Parameters"]}

    for path in EVENTS.glob("take_snapshot/*.json"):
        assert set(load(str(path))) == passed("Take snapshot"), path.name
    for path in EVENTS.glob("check_snapshot/*.json"):
        event = load(str(path))
        assert set(event) == passed("Check snapshot"), path.name
        parse_timestamp(event["deadline"])


def test_ensure_repository_events_are_what_each_state_machine_sends():
    machines = ROOT / "statemachine"
    backup = json.loads((machines / "backup.asl.json").read_text())["States"]
    drill = json.loads((machines / "drill.asl.json").read_text())["States"]

    assert load("ensure_repository/backup.json") == backup["Make sure the repository is registered"]["Parameters"]
    assert (
        load("ensure_repository/drill.json") == drill["Make sure the drill domain holds the repository"]["Parameters"]
    )
