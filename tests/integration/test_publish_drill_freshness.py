"""PublishDrillFreshnessFunction against Step Functions (moto, executions really run): the age of the
newest passing drill, or of the state machine before one passed, as the EMF datapoint
NoRecentDrillAlarm reads; and no datapoint at all when it cannot read, which the alarm treats as breaching."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from functions.publish_drill_freshness import app
from snapshot_sentinel.errors import ConfigurationError
from snapshot_sentinel.wiring import stepfunctions_client
from tests.support.constants import ACCOUNT, REGION
from tests.support.lambda_runtime import FakeLambdaContext

# Passes or fails on its input, as DrillStateMachine's "Did the drill pass?" ends in Succeed or Fail.
DEFINITION = {
    "StartAt": "Did the drill pass?",
    "States": {
        "Did the drill pass?": {
            "Type": "Choice",
            "Choices": [{"Variable": "$.passed", "BooleanEquals": True, "Next": "Drill passed"}],
            "Default": "Drill failed",
        },
        "Drill passed": {"Type": "Succeed"},
        "Drill failed": {"Type": "Fail", "Error": "DrillVerificationError", "Cause": "Alert sent to AlertTopic."},
    },
}
RUN_DEADLINE_SECONDS = 60.0
"""Real seconds moto's execution thread gets to finish (a count of polls ran out under CPU load)."""


class Drills:
    """DrillStateMachine in moto; ``run`` starts a drill and polls it to its end."""

    def __init__(self) -> None:
        self.sfn = stepfunctions_client(REGION)
        role = f"arn:aws:iam::{ACCOUNT}:role/drill-role"
        created = self.sfn.create_state_machine(
            name="DrillStateMachine", definition=json.dumps(DEFINITION), roleArn=role
        )
        self.arn: str = created["stateMachineArn"]
        self.created: datetime = created["creationDate"]

    def run(self, name: str, *, passed: bool) -> dict[str, Any]:
        arn = self.sfn.start_execution(stateMachineArn=self.arn, name=name, input=json.dumps({"passed": passed}))[
            "executionArn"
        ]
        deadline = time.monotonic() + RUN_DEADLINE_SECONDS
        while time.monotonic() < deadline:
            described: dict[str, Any] = self.sfn.describe_execution(executionArn=arn)
            if described["status"] != "RUNNING":
                assert described["status"] == ("SUCCEEDED" if passed else "FAILED")
                return described
        raise AssertionError(f"{name} still RUNNING after {RUN_DEADLINE_SECONDS:.0f} s")


@pytest.fixture
def drills(handler_env: Callable[..., dict[str, str]], monkeypatch: pytest.MonkeyPatch) -> Iterator[Drills]:
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        handler_env(region=REGION, DRILL_STALE_DAYS="8")
        stepfunctions_client.cache_clear()
        machine = Drills()
        monkeypatch.setenv("DRILL_STATE_MACHINE_ARN", machine.arn)
        yield machine
    stepfunctions_client.cache_clear()


@pytest.fixture
def metric_lines(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """The EMF documents the function writes (what CloudWatch would turn into datapoints)."""
    lines: list[dict[str, Any]] = []
    monkeypatch.setattr(
        "snapshot_sentinel.observability.write_metrics_line", lambda line: lines.append(json.loads(line))
    )
    return lines


def invoke_at(moment: datetime, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    monkeypatch.setattr("snapshot_sentinel.clock.utc_now", lambda: moment)
    result: dict[str, Any] = app.lambda_handler({}, FakeLambdaContext("PublishDrillFreshnessFunction", seconds_left=30))
    return result


def test_the_age_counts_from_the_last_passing_drill_and_a_later_failed_one_does_not_reset_it(
    drills: Drills, metric_lines: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a drill that passed, then one that failed
    passed = drills.run("sunday-1", passed=True)
    drills.run("sunday-2", passed=False)

    # When the hourly function runs three days after the passing drill ended
    result = invoke_at(passed["stopDate"] + timedelta(days=3), monkeypatch)

    # Then it publishes 3 days, counted from that drill, for the domain the alarm names
    assert result["source"] == "drill"
    assert result["execution_arn"] == passed["executionArn"]
    assert result["days_since_drill_succeeded"] == 3.0
    assert result["stale"] is False
    [line] = metric_lines
    [directive] = line["_aws"]["CloudWatchMetrics"]
    assert directive["Namespace"] == "SnapshotSentinel"
    assert directive["Dimensions"] == [["domain"]]
    assert directive["Metrics"] == [{"Name": "DaysSinceDrillSucceeded", "Unit": "None"}]
    assert line["domain"] == "my-domain"
    assert line["DaysSinceDrillSucceeded"] == [3.0]


def test_nine_days_after_the_last_passing_drill_the_datapoint_is_over_drill_stale_days(
    drills: Drills, metric_lines: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    passed = drills.run("sunday-1", passed=True)

    result = invoke_at(passed["stopDate"] + timedelta(days=9), monkeypatch)

    assert result["stale"] is True and result["stale_days"] == 8
    assert metric_lines[0]["DaysSinceDrillSucceeded"] == [9.0]


def test_the_newest_of_several_passing_drills_counts(
    drills: Drills, metric_lines: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    drills.run("sunday-1", passed=True)
    newest = drills.run("sunday-2", passed=True)

    result = invoke_at(newest["stopDate"] + timedelta(hours=12), monkeypatch)

    assert result["execution_arn"] == newest["executionArn"]
    assert result["days_since_drill_succeeded"] == 0.5


def test_before_any_drill_passed_the_age_counts_from_the_state_machines_creation(
    drills: Drills, metric_lines: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a new stack whose only drill failed
    drills.run("first", passed=False)

    # When the function runs two days after the stack was created
    result = invoke_at(drills.created + timedelta(days=2), monkeypatch)

    # Then the new stack has DrillStaleDays of grace: two days, not an alarm
    assert (result["source"], result["execution_arn"]) == ("created", None)
    assert result["since"] == drills.created.astimezone(UTC).isoformat()
    assert result["days_since_drill_succeeded"] == 2.0
    assert result["stale"] is False
    assert metric_lines[0]["DaysSinceDrillSucceeded"] == [2.0]


def test_a_state_machine_it_cannot_read_fails_the_invocation_and_publishes_nothing(
    drills: Drills, metric_lines: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The alarm treats the missing datapoints as breaching: a broken function pages by itself.
    monkeypatch.setenv("DRILL_STATE_MACHINE_ARN", drills.arn.replace("DrillStateMachine", "Deleted"))

    with pytest.raises(ClientError) as raised:
        invoke_at(datetime.now(UTC), monkeypatch)
    assert raised.value.response["Error"]["Code"] == "StateMachineDoesNotExist"
    assert metric_lines == []


@pytest.mark.parametrize(
    ("value", "message"),
    [("", "DRILL_STATE_MACHINE_ARN is not set"), ("DrillStateMachine", "must be a state machine ARN")],
)
def test_a_missing_or_malformed_state_machine_arn_is_named(
    drills: Drills, monkeypatch: pytest.MonkeyPatch, value: str, message: str
) -> None:
    monkeypatch.setenv("DRILL_STATE_MACHINE_ARN", value)

    with pytest.raises(ConfigurationError, match=message):
        invoke_at(datetime.now(UTC), monkeypatch)
