"""The rehearsal stack holds AWS's quotas: what would end a real execution silently ends it here
too, so no test can show an alert that AWS would never send."""

from __future__ import annotations

import pytest

from tests.emulator import SnapshotProgress
from tests.support.aws_limits import MAX_PAYLOAD_BYTES, payload_bytes


def padded(result: dict, size: int) -> dict:
    """``result`` with a filler key making its JSON exactly ``size`` bytes."""
    base = payload_bytes({**result, "filler": ""})
    return {**result, "filler": "x" * (size - base)}


def oversized_check(event, context):
    return padded({"name": event["snapshot_name"], "state": "PARTIAL"}, MAX_PAYLOAD_BYTES + 1)


def test_a_task_result_over_256_kb_fails_the_run_with_no_alert_whatever_catches_all(stack, domain):
    domain.progress = SnapshotProgress(polls=1, outcome="SUCCESS")
    stack.replace_handler("CheckSnapshotFunction", oversized_check)

    run = stack.run({})

    assert run.status == "FAILED"
    assert run.error == "States.DataLimitExceeded"
    assert run.alerts == []
    assert run.calls("SendAlertFunction") == []
    assert len(run.calls("CheckSnapshotFunction")) == 1, "no Retry matches States.DataLimitExceeded either"


def test_a_state_output_over_256_kb_fails_the_run_though_each_result_is_under(stack, domain):
    """Two results of 150 KB each fit the task limit; the state carrying both does not."""

    def big_config(event, context):
        return {
            "snapshot_name": "nightly-big",
            "indices": None,
            "execution_id": "x",
            "execution_start_time": "x",
            "retention_only": False,
            "note": "c" * 150_000,
        }

    def big_take(event, context):
        return {"name": event["snapshot_name"], "state": "IN_PROGRESS", "note": "t" * 150_000}

    stack.replace_handler("ValidateInputFunction", big_config)
    stack.replace_handler("TakeSnapshotFunction", big_take)

    run = stack.run({})

    assert run.status == "FAILED"
    assert run.error == "States.DataLimitExceeded"
    assert "TakeSnapshotFunction" in run.cause
    assert run.alerts == []


@pytest.mark.parametrize("limit", [60, 101])
def test_the_history_quota_ends_the_run_with_no_alert(domain, clock, credentials, limit):
    from tests.emulator import serve
    from tests.support.stack import RehearsalStack

    domain.progress = SnapshotProgress(polls=1_000, outcome="SUCCESS")
    with (
        serve(domain, port=0) as server,
        RehearsalStack(server.endpoint, clock=clock, credentials=credentials, history_limit=limit) as stack,
    ):
        run = stack.run({"poll_interval_seconds": 60})

    assert run.status == "FAILED"
    assert run.error == "States.Runtime"
    assert run.cause == f"The execution reached the maximum number of history events ({limit})."
    assert len(run.events) == limit
    assert run.events[-1]["type"] == "ExecutionFailed"
    assert run.alerts == []
