"""RestoreStateMachine's input: every key optional, every mistake named with its fix."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from snapshot_sentinel.errors import InvalidInputError
from snapshot_sentinel.restore.validation import INPUT_KEYS, validate_restore_input

ISSUE_KEYS = {
    "snapshot_name",
    "repository",
    "indices",
    "rename_prefix",
    "rename_pattern",
    "rename_replacement",
    "on_conflict",
    "include_aliases",
    "index_settings",
    "dry_run",
    "poll_interval_seconds",
}


def validate(data):
    return validate_restore_input(
        data,
        default_repository="nightly-backups",
        default_poll_seconds=60,
        execution_id="arn:aws:states:us-east-1:123456789012:execution:RestoreStateMachine:r1",
        execution_start_time="2026-11-28T09:00:00.000Z",
    )


def test_the_public_input_keys_are_exactly_the_issues_table():
    assert set(INPUT_KEYS) == ISSUE_KEYS


def test_an_empty_input_restores_the_default_snapshot_without_renaming():
    config = validate({})

    assert config.snapshot_name is None
    assert config.repository == "nightly-backups"
    assert config.indices is None
    assert config.rename is None
    assert config.on_conflict == "fail"
    assert config.include_aliases is True
    assert config.dry_run is False
    assert config.poll_interval_seconds == 60


def test_a_full_input_is_kept_and_round_trips_through_state():
    data = {
        "snapshot_name": "nightly-2026-11-28t02-00-00z",
        "repository": "cs-automated-enc",
        "indices": "logs-*, -logs-old",
        "rename_prefix": "restored-",
        "on_conflict": "delete",
        "index_settings": {"index.number_of_replicas": 0},
        "dry_run": True,
        "poll_interval_seconds": 5,
    }
    config = validate(data)

    assert config.indices == ("logs-*", "-logs-old")
    assert config.include_aliases is False
    assert config.replicas_override == 0
    assert config.rename is not None and config.rename.function()("logs-a") == "restored-logs-a"
    assert type(config).from_dict(config.to_dict()) == config


def test_a_rename_pair_is_the_engines_own_regex():
    config = validate({"rename_pattern": "logs-(.+)", "rename_replacement": "old-logs-$1"})

    assert config.rename is not None and config.rename.function()("logs-2026") == "old-logs-2026"
    assert config.include_aliases is False


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"snapshot_nme": "x"}, "snapshot_nme"),
        ({"snapshot_name": "Nightly Backup"}, "snapshot_name"),
        ({"snapshot_name": 7}, "snapshot_name"),
        ({"repository": "My Repo"}, "repository"),
        ({"repository": ""}, "repository"),
        ({"indices": 42}, "indices"),
        ({"indices": "a,,b"}, "indices"),
        ({"indices": []}, "indices"),
        ({"rename_prefix": "Restored-"}, "rename_prefix"),
        ({"rename_prefix": "_x"}, "rename_prefix"),
        ({"rename_prefix": "r-", "rename_pattern": "(.+)"}, "rename_prefix"),
        ({"rename_pattern": "(.+)"}, "rename_replacement"),
        ({"rename_replacement": "x$1"}, "rename_pattern"),
        ({"rename_pattern": "(.+", "rename_replacement": "x$1"}, "rename_pattern"),
        ({"rename_pattern": "(.+)", "rename_replacement": "x$2"}, "rename_replacement"),
        ({"rename_pattern": "(.+)", "rename_replacement": "cost$"}, "rename_replacement"),
        ({"on_conflict": "overwrite"}, "on_conflict"),
        ({"include_aliases": "yes"}, "include_aliases"),
        ({"rename_prefix": "r-", "include_aliases": True}, "include_aliases"),
        ({"index_settings": "replicas=0"}, "index_settings"),
        ({"index_settings": {"index.number_of_shards": 2}}, "index_settings"),
        ({"index_settings": {"index": {"number_of_shards": 2}}}, "index_settings"),
        ({"dry_run": "true"}, "dry_run"),
        ({"poll_interval_seconds": 0}, "poll_interval_seconds"),
        ({"poll_interval_seconds": True}, "poll_interval_seconds"),
    ],
)
def test_every_invalid_input_is_refused_naming_the_field(data, field):
    with pytest.raises(InvalidInputError) as caught:
        validate(data)

    assert field in str(caught.value)


def test_an_input_that_is_not_an_object_is_refused():
    with pytest.raises(InvalidInputError, match="JSON object"):
        validate(["orders"])


EVENTS = Path(__file__).resolve().parents[3] / "events"


@pytest.mark.parametrize("path", sorted(p.name for p in (EVENTS / "restore_state_machine").glob("*.json")))
def test_the_sample_restore_inputs_are_valid(path):
    validate(json.loads((EVENTS / "restore_state_machine" / path).read_text()))


@pytest.mark.parametrize("path", sorted(p.name for p in (EVENTS / "validate_restore_input").glob("*.json")))
def test_the_validate_restore_input_events_validate_unless_named_invalid(path):
    event = json.loads((EVENTS / "validate_restore_input" / path).read_text())
    if "invalid" in path:
        with pytest.raises(InvalidInputError):
            validate(event["input"])
    else:
        validate(event["input"])
