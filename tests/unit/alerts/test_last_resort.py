"""The last-resort alert's rule and message, fed the real "Step Functions Execution Status Change"
event shape (Step Functions developer guide, "EventBridge ... execution status changes": detail with
executionArn, stateMachineArn, name, status, startDate/stopDate in epoch ms, input, output, and
error/cause on a failure), matched by moto's EventBridge pattern engine against template.yaml's rule."""

from __future__ import annotations

import json
from typing import Any

import pytest
from moto.events.models import EventPattern

from snapshot_sentinel.alerts import ALERTED_CAUSE_SUFFIX
from snapshot_sentinel.alerts.last_resort import Ending, message_attributes, render_ending, sns_message
from tests.support.constants import ACCOUNT
from tests.support.template import resolver

BACKUP = f"arn:aws:states:us-east-1:{ACCOUNT}:stateMachine:BackupStateMachine-Xq2Pz7cVb1Lk"
RESTORE = f"arn:aws:states:us-east-1:{ACCOUNT}:stateMachine:RestoreStateMachine-Ab12Cd34Ef56"
EXECUTION = f"arn:aws:states:us-east-1:{ACCOUNT}:execution:BackupStateMachine-Xq2Pz7cVb1Lk:nightly-2026-11-28"


def status_change(status: str, *, machine: str = BACKUP, **detail: Any) -> dict[str, Any]:
    """The event EventBridge delivers, as documented (error and cause only when given)."""
    return {
        "version": "0",
        "id": "315c1398-40ff-a850-213b-158f73e60175",
        "detail-type": "Step Functions Execution Status Change",
        "source": "aws.states",
        "account": ACCOUNT,
        "time": "2026-11-28T02:42:21Z",
        "region": "us-east-1",
        "resources": [EXECUTION],
        "detail": {
            "executionArn": EXECUTION,
            "stateMachineArn": machine,
            "name": "nightly-2026-11-28",
            "status": status,
            "startDate": 1_795_831_200_000,
            "stopDate": 1_795_833_741_881 if status != "RUNNING" else None,
            "input": "{}",
            "inputDetails": {"included": True},
            "output": None,
            "outputDetails": None,
            **detail,
        },
    }


@pytest.fixture(scope="module")
def rule(template: dict[str, Any]) -> EventPattern:
    events = template["Resources"]["LastResortAlertFunction"]["Properties"]["Events"]
    [event] = events.values()
    assert event["Type"] == "EventBridgeRule"
    resolve = resolver(template)
    resolve.attributes = {**resolve.attributes, "BackupStateMachine": BACKUP, "RestoreStateMachine": RESTORE}
    return EventPattern.load(json.dumps(resolve.resolve(event["Properties"]["Pattern"])))


DATA_LIMIT = {
    "error": "States.DataLimitExceeded",
    "cause": "The state/task 'Check snapshot' returned a result with a size exceeding the maximum number of bytes "
    "service limit.",
}


@pytest.mark.parametrize(
    ("status", "detail"),
    [
        ("FAILED", DATA_LIMIT),
        (
            "FAILED",
            {"error": "BackupFailed", "cause": f"PartialSnapshotError: 3 shards failed. {ALERTED_CAUSE_SUFFIX}"},
        ),
        ("TIMED_OUT", {}),
        ("ABORTED", {"error": None, "cause": None}),
    ],
)
def test_the_rule_takes_every_bad_ending_of_the_stacks_state_machines(
    rule: EventPattern, status: str, detail: dict[str, Any]
) -> None:
    assert rule.matches_event(status_change(status, **detail))
    assert rule.matches_event(status_change(status, machine=RESTORE, **detail))


@pytest.mark.parametrize("status", ["SUCCEEDED", "RUNNING", "PENDING_REDRIVE"])
def test_the_rule_ignores_good_and_unfinished_runs(rule: EventPattern, status: str) -> None:
    assert not rule.matches_event(status_change(status))


def test_the_rule_ignores_other_state_machines(rule: EventPattern) -> None:
    other = f"arn:aws:states:us-east-1:{ACCOUNT}:stateMachine:SomeoneElses"
    assert not rule.matches_event(status_change("FAILED", machine=other, **DATA_LIMIT))


def test_an_ending_whose_run_alerted_is_not_alerted_twice() -> None:
    cause = f"PartialSnapshotError: nightly-2026-11-28 PARTIAL, 3 shards failed. {ALERTED_CAUSE_SUFFIX}"
    assert Ending.from_event(status_change("FAILED", error="PartialSnapshotError", cause=cause)).already_alerted
    assert not Ending.from_event(status_change("FAILED", **DATA_LIMIT)).already_alerted
    publish_failed = {"error": "AlertNotSentError", "cause": "KMS.AccessDeniedException: ... not authorized"}
    assert not Ending.from_event(status_change("FAILED", **publish_failed)).already_alerted
    assert not Ending.from_event(status_change("TIMED_OUT")).already_alerted
    assert not Ending.from_event(status_change("ABORTED", error=None, cause=None)).already_alerted


def render(event: dict[str, Any]) -> Any:
    return render_ending(
        Ending.from_event(event),
        domain="logs-prod",
        endpoint="https://search-logs-prod-abcdefghijklmnopqrstuvwxyz.us-east-1.es.amazonaws.com",
        repository="nightly-backups",
        region="us-east-1",
    )


def test_a_data_limit_ending_reads_as_what_happened_what_it_means_and_what_to_do() -> None:
    alert = render(status_change("FAILED", **DATA_LIMIT))

    assert alert.subject == (
        "[FAILED] logs-prod: BackupStateMachine-Xq2Pz7cVb1Lk nightly-2026-11-28 ended without an alert"
    )
    assert len(alert.subject) <= 100
    text = alert.text
    assert text.startswith(
        "BackupStateMachine-Xq2Pz7cVb1Lk run 'nightly-2026-11-28' ended FAILED and sent no alert of its own."
    )
    assert "  Error:          States.DataLimitExceeded" in text
    assert "returned a result with a size exceeding" in text
    assert "256 KB limit" in text and "no Catch handles it" in text
    assert "(after 42m 22s)" in text
    assert f"aws stepfunctions get-execution-history --execution-arn {EXECUTION}" in text
    assert "#/v2/executions/details/" + EXECUTION in text
    assert "GET _cat/snapshots/nightly-backups?v&s=start_epoch" in text


@pytest.mark.parametrize(
    ("status", "detail", "means"),
    [
        ("TIMED_OUT", {}, "ran past its time limit"),
        ("ABORTED", {"error": None, "cause": None}, "StopExecution"),
        ("FAILED", {"error": "AlertNotSentError", "cause": "AuthorizationError: KMS denied"}, "could not be published"),
    ],
)
def test_endings_without_error_or_cause_still_read_clearly(status: str, detail: dict[str, Any], means: str) -> None:
    alert = render(status_change(status, **detail))

    assert alert.subject.startswith(f"[{status}] logs-prod: ")
    assert means in alert.text
    if not detail.get("error"):
        assert "  Error:          (none given)" in alert.text


def test_email_gets_text_and_facts_machines_get_facts_and_filters_get_attributes() -> None:
    alert = render(status_change("TIMED_OUT"))

    message = json.loads(sns_message(alert))
    facts = json.loads(message["default"])
    assert facts["kind"] == "execution_ended_without_alert"
    assert facts["outcome"] == "TIMED_OUT"
    assert facts["execution"]["arn"] == EXECUTION
    assert message["email"].startswith(alert.text)
    assert message_attributes(alert)["outcome"] == {"DataType": "String", "StringValue": "TIMED_OUT"}
    assert len(sns_message(alert).encode()) < 256 * 1024


def test_a_huge_cause_is_cut_so_the_message_stays_under_snss_limit() -> None:
    alert = render(status_change("FAILED", error="States.Runtime", cause="x" * 40_000))
    assert len(sns_message(alert).encode()) < 256 * 1024
    assert "x" * 4_000 + " [...]" in alert.text


def test_a_malformed_event_still_renders() -> None:
    alert = render({"detail": "nonsense"})
    assert alert.subject.startswith("[UNKNOWN] logs-prod")
