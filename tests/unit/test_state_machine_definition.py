"""The ASL and the Python code agree on error names: a renamed exception class would silently
turn a retried failure into an alert, or an alert into a retry."""

from __future__ import annotations

import json
from pathlib import Path

from snapshot_sentinel import errors
from snapshot_sentinel.alerts.facts import ENSURING_REPOSITORY
from tests.support.asl import error_names, our_error_names

DEFINITION = json.loads((Path(__file__).resolve().parents[2] / "statemachine" / "backup.asl.json").read_text())
STATES = DEFINITION["States"]


def test_every_error_the_definition_names_is_a_class_the_code_raises():
    ours = our_error_names(STATES)

    assert ours, "the definition retries on no error of ours"
    for name in ours:
        assert issubclass(getattr(errors, name, type(None)), errors.SentinelError), name


DOMAIN_STEPS = ("Take snapshot", "Check snapshot", "Apply retention")


def test_every_domain_step_retries_exactly_the_one_definition_of_transient():
    transient = [cls.__name__ for cls in errors.TRANSIENT_ERRORS]
    for name in DOMAIN_STEPS:
        # One Retry rule per step carries the transient errors, and it lists exactly the code's definition
        [rule] = [r for r in STATES[name]["Retry"] if set(r["ErrorEquals"]) & set(transient)]
        assert rule["ErrorEquals"] == transient, name


def test_the_take_step_also_retries_the_concurrent_snapshot():
    assert "ConcurrentSnapshotError" in error_names(STATES["Take snapshot"], "Retry")


CATALOG_STEPS = {"Record counts before": "Take snapshot", "Record counts after": "Retention next?"}
"""The drill catalog's steps: a failure there is caught and the backup goes on, never alerts."""


NOTICE_STEPS = {"Say the repository was registered again": "Retention only?"}
"""The "registered again" message: a failure to publish it never stops the backup."""

NAMED_FAILURES = {ENSURING_REPOSITORY: "Registering the repository failed"}
"""Steps whose Catch passes through a Pass that names the failed state for the alert's advice."""


def test_every_task_catches_everything_into_the_alert():
    for name, state in STATES.items():
        if state["Type"] != "Task" or name == "Send alert" or name in CATALOG_STEPS or name in NOTICE_STEPS:
            continue
        alert = NAMED_FAILURES.get(name, "Send alert")
        assert any(rule["ErrorEquals"] == ["States.ALL"] and rule["Next"] == alert for rule in state["Catch"]), name
        assert state["Retry"], name


def test_a_failure_to_make_sure_of_the_repository_alerts_naming_its_state():
    for step, naming in NAMED_FAILURES.items():
        assert STATES[naming] == {
            "Type": "Pass",
            "Comment": STATES[naming]["Comment"],
            "Result": step,
            "ResultPath": "$.failed_state",
            "Next": "Send alert",
        }


def test_the_repository_is_made_sure_of_before_anything_uses_it():
    assert STATES["Validate input"]["Next"] == ENSURING_REPOSITORY
    assert STATES[ENSURING_REPOSITORY]["Parameters"] == {"domain": "backup"}
    for name, following in NOTICE_STEPS.items():
        assert [(rule["ErrorEquals"], rule["Next"]) for rule in STATES[name]["Catch"]] == [(["States.ALL"], following)]
        assert STATES[name]["Next"] == following


def test_the_drill_catalog_never_stops_a_backup():
    for name, following in CATALOG_STEPS.items():
        state = STATES[name]
        assert state["Next"] == following
        assert [(rule["ErrorEquals"], rule["Next"]) for rule in state["Catch"]] == [(["States.ALL"], following)]
        assert state["Retry"], name


def test_the_concurrent_snapshot_is_retried_for_about_an_hour():
    [rule] = [r for r in STATES["Take snapshot"]["Retry"] if r["ErrorEquals"] == ["ConcurrentSnapshotError"]]
    delays = [
        min(rule["IntervalSeconds"] * rule["BackoffRate"] ** attempt, rule["MaxDelaySeconds"])
        for attempt in range(rule["MaxAttempts"])
    ]

    assert 50 * 60 <= sum(delays) <= 65 * 60


def test_a_failed_run_ends_with_the_error_and_cause_the_alert_function_returns():
    assert STATES["Send alert"]["ResultPath"] == "$.alert"
    backup_failed = STATES["Backup failed"]
    assert backup_failed["Type"] == "Fail"
    assert (backup_failed["ErrorPath"], backup_failed["CausePath"]) == ("$.alert.error", "$.alert.cause")
    assert "Error" not in backup_failed and "Cause" not in backup_failed


def test_an_alert_that_could_not_be_sent_ends_in_its_own_fail_state():
    [catch] = STATES["Send alert"]["Catch"]
    not_sent = STATES[catch["Next"]]

    assert catch["ErrorEquals"] == ["States.ALL"]
    assert not_sent["Type"] == "Fail"
    assert not_sent["Error"] == errors.AlertNotSentError.__name__
    assert catch["ResultPath"] + ".Cause" in not_sent["CausePath"]


def test_every_fixed_error_of_a_fail_state_is_a_class_of_ours():
    fixed = {state["Error"] for state in STATES.values() if state["Type"] == "Fail" and "Error" in state}

    for name in fixed:
        assert issubclass(getattr(errors, name, type(None)), errors.SentinelError), name
