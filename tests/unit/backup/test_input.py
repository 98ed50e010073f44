from datetime import UTC, datetime

import pytest

from snapshot_sentinel.backup.input import validate_run_input
from snapshot_sentinel.errors import InvalidInputError

START = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)


def validate(data, **overrides):
    kwargs = {
        "prefix": "nightly",
        "default_poll_seconds": 60,
        "execution_id": "arn:aws:states:us-east-1:123456789012:execution:BackupStateMachine:run-1",
        "execution_start": START,
        "execution_start_time": "2026-11-28T02:00:00.000Z",
    }
    kwargs.update(overrides)
    return validate_run_input(data, **kwargs)


def test_a_scheduled_run_takes_a_managed_snapshot_with_the_defaults():
    config = validate({})

    assert config.snapshot_name == "nightly-2026-11-28t02-00-00z"
    assert config.poll_interval_seconds == 60
    assert (config.skip_retention, config.retention_dry_run, config.retention_only) == (False, False, False)
    assert config.indices is None


def test_a_manual_run_overrides_every_key():
    config = validate(
        {
            "snapshot_name": "before-upgrade",
            "indices": "logs-*, -.kibana*",
            "poll_interval_seconds": 5,
            "skip_retention": True,
            "retention_dry_run": True,
        }
    )

    assert config.snapshot_name == "before-upgrade"
    assert config.indices == "logs-*,-.kibana*"
    assert config.poll_interval_seconds == 5
    assert config.skip_retention and config.retention_dry_run


def test_indices_may_be_a_list():
    assert validate({"indices": ["logs-*", "-.kibana*"]}).indices == "logs-*,-.kibana*"


def test_a_retention_only_run_takes_no_snapshot():
    config = validate({"retention_only": True, "retention_dry_run": True})

    assert config.retention_only and config.snapshot_name is None


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"skip_retension": True}, "skip_retension"),
        ({"snapshot_name": "Nightly"}, "snapshot_name"),
        ({"snapshot_name": "a b"}, "snapshot_name"),
        ({"snapshot_name": 7}, "snapshot_name"),
        ({"indices": ""}, "indices"),
        ({"indices": "logs-*,,x"}, "indices"),
        ({"indices": 3}, "indices"),
        ({"poll_interval_seconds": 0}, "poll_interval_seconds"),
        ({"poll_interval_seconds": 3601}, "poll_interval_seconds"),
        ({"poll_interval_seconds": "60"}, "poll_interval_seconds"),
        ({"poll_interval_seconds": True}, "poll_interval_seconds"),
        ({"skip_retention": "yes"}, "skip_retention"),
        ({"retention_dry_run": 1}, "retention_dry_run"),
        ({"retention_only": True, "snapshot_name": "x"}, "snapshot_name"),
        ({"retention_only": True, "skip_retention": True}, "skip_retention"),
    ],
)
def test_bad_input_is_rejected_naming_the_field(data, field):
    with pytest.raises(InvalidInputError) as raised:
        validate(data)

    assert repr(field) in str(raised.value) or field in str(raised.value)


def test_unknown_keys_error_lists_what_is_allowed():
    with pytest.raises(InvalidInputError, match="allowed fields are snapshot_name"):
        validate({"wait": 3})


@pytest.mark.parametrize("data", [None, [], "{}", 3])
def test_input_must_be_an_object(data):
    with pytest.raises(InvalidInputError, match="JSON object"):
        validate(data)


def test_a_read_only_stack_refuses_to_take_snapshots():
    with pytest.raises(InvalidInputError, match="RepositoryReadOnly"):
        validate({}, read_only=True)


def test_every_machines_input_over_its_size_limit_is_refused_before_any_value_is_quoted() -> None:
    from snapshot_sentinel.drills.input import validate_drill_input
    from snapshot_sentinel.inputs import MAX_INPUT_BYTES, quotable_input
    from snapshot_sentinel.restore.validation import validate_restore_input

    huge = {"indices": "x" * MAX_INPUT_BYTES, "snapshot_nmae": "y" * 100_000}
    refusals = []
    for check in (
        lambda: validate(huge),
        lambda: validate_restore_input(
            huge, default_repository="r", default_poll_seconds=60, execution_id="x", execution_start_time="t"
        ),
        lambda: validate_drill_input(huge),
    ):
        with pytest.raises(InvalidInputError) as refused:
            check()
        refusals.append(str(refused.value))

    assert all("at most 16,384 are accepted" in text and len(text) < 400 for text in refusals)
    assert quotable_input(huge) == {"not_quoted": "the input is 116,417 bytes, over the 16,384 accepted"}
    assert quotable_input({"indices": "orders"}) == {"indices": "orders"}
