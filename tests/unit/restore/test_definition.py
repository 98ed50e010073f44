"""restore.asl.json and the code agree: error names, every Task retried and caught into the alert,
the Fail state ending with the real error, and the template wiring it."""

from __future__ import annotations

import json
from pathlib import Path

from snapshot_sentinel import errors
from snapshot_sentinel.restore import errors as restore_errors
from tests.support.asl import error_names, our_error_names
from tests.support.template import load_template

ROOT = Path(__file__).resolve().parents[3]
DEFINITION = json.loads((ROOT / "statemachine" / "restore.asl.json").read_text())
STATES = DEFINITION["States"]
REPORTING = {"Send restore alert", "Measure restored indices", "Report the restore", "Report the plan"}


def test_every_error_the_definition_names_is_a_class_the_code_raises():
    ours = our_error_names(STATES)

    for name in ours:
        cls = getattr(errors, name, None) or getattr(restore_errors, name, None)
        assert cls is not None and issubclass(cls, errors.SentinelError), name


REOPENING = ("Were indices set aside?", "Open set-aside indices again")
"""The way to the alert from the steps after a replace closed indices: they are opened again first."""


def test_every_task_is_retried_and_caught_into_the_alert():
    for name, state in STATES.items():
        if state["Type"] != "Task" or name in REPORTING:
            continue
        assert any(
            r["ErrorEquals"] == ["States.ALL"] and r["Next"] in ("Send restore alert", *REOPENING)
            for r in state["Catch"]
        ), name
        assert state["Retry"], name


def test_a_restore_that_cannot_be_measured_is_still_reported_as_restored():
    # The measurement runs in the domain's VPC, the report outside it; whatever the measurement
    # meets, the run goes on to [RESTORED] (with the planned count), never to a failure alert.
    measure = STATES["Measure restored indices"]

    assert STATES["Restore finished?"]["Choices"][0]["Next"] == "Measure restored indices"
    assert measure["Next"] == "Report the restore"
    assert [(c["ErrorEquals"], c["Next"]) for c in measure["Catch"]] == [(["States.ALL"], "Report the restore")]


def test_a_failure_after_indices_were_set_aside_opens_them_again_then_always_alerts():
    assert STATES["Set aside conflicting indices"]["Catch"][0]["Next"] == "Open set-aside indices again"
    assert STATES["Start restore"]["Catch"][0]["Next"] == "Were indices set aside?"
    choice = STATES["Were indices set aside?"]
    assert choice["Choices"] == [
        {"Variable": "$.plan.action", "StringEquals": "replace", "Next": "Open set-aside indices again"}
    ]
    assert choice["Default"] == "Send restore alert"
    reopen = STATES["Open set-aside indices again"]
    assert reopen["Parameters"]["reopen"] is True
    assert reopen["Next"] == "Send restore alert"
    assert [(c["ErrorEquals"], c["Next"], c["ResultPath"]) for c in reopen["Catch"]] == [
        (["States.ALL"], "Send restore alert", "$.reopen_error")
    ]


def test_the_start_step_retries_an_unconfirmed_start_and_the_transient_errors():
    retried = error_names(STATES["Start restore"], "Retry")

    assert {cls.__name__ for cls in errors.TRANSIENT_ERRORS} - {"SnapshotStartUnconfirmedError"} <= retried
    assert "RestoreStartUnconfirmedError" in retried


def test_the_failed_ending_takes_the_real_error_and_cause_from_the_alert_step():
    assert STATES["Restore failed"] == {
        **STATES["Restore failed"],
        "ErrorPath": "$.alert.error",
        "CausePath": "$.alert.cause",
    }
    assert STATES["Alert not sent"]["Error"] == "AlertNotSentError"


def test_the_watch_loop_waits_in_the_state_machine_never_in_a_lambda():
    assert STATES["Wait before checking the restore"]["Type"] == "Wait"
    assert STATES["Restore finished?"]["Default"] == "Wait before checking the restore"


def test_the_template_wires_every_substitution_without_a_schedule():
    machine = load_template()["Resources"]["RestoreStateMachine"]
    text = json.dumps(DEFINITION)

    assert machine["Type"] == "AWS::Serverless::StateMachine"
    assert machine["Properties"]["DefinitionUri"] == "statemachine/restore.asl.json"
    for key in machine["Properties"]["DefinitionSubstitutions"]:
        assert "${" + key + "}" in text
    assert "Events" not in machine["Properties"]
    assert "Condition" not in machine
    assert "RestoreStateMachineArn" in load_template()["Outputs"]
