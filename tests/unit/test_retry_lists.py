"""Every Task of every state machine retries what the code calls transient, and the Lambda service's
own errors, in one rule each; a step that could repeat a restore nobody looks for first is never
retried on an error that may follow a completed invocation.

The code's definitions: ``snapshot_sentinel.errors.TRANSIENT_ERRORS`` (a failure that passes on its
own; trying the same thing again later is safe) and each workflow's own unconfirmed-start error. A
step that starts a snapshot or a restore, or deletes, is safe to retry on a lost answer only
because it looks before acting again (the take step adopts its own snapshot, the restore start
adopts indices recovered from its snapshot since the run started, deletes re-plan from the live
cluster); the behaviour tests prove those. The drill's start refuses when its names are held, so
an invocation that ran but whose result was lost must not be sent again.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from snapshot_sentinel import errors
from snapshot_sentinel.restore.errors import RESTORE_TRANSIENT_ERRORS

ROOT = Path(__file__).resolve().parents[2]
MACHINES = {
    name: json.loads((ROOT / "statemachine" / f"{name}.asl.json").read_text())
    for name in ("backup", "restore", "drill")
}

LAMBDA_ERRORS = [
    "Lambda.ServiceException",
    "Lambda.AWSLambdaException",
    "Lambda.SdkClientException",
    "Lambda.TooManyRequestsException",
]
"""The Lambda service's transient errors, as AWS recommends retrying them for every Lambda task."""

NOT_INVOKED = ["Lambda.TooManyRequestsException"]
"""The one Lambda error that means the function never ran."""

TRANSIENT = [cls.__name__ for cls in errors.TRANSIENT_ERRORS]

OWN_RETRIED = {
    ("backup", "Record counts before"): ["CatalogWriteError"],
    ("backup", "Record counts after"): ["CatalogWriteError"],
    ("restore", "Start restore"): [cls.__name__ for cls in RESTORE_TRANSIENT_ERRORS],
}
"""Besides the transient errors, what a step's transient rule retries: its own retryable failures."""

INPUT_STEPS = {("backup", "Validate input"), ("restore", "Validate restore input")}
"""Steps that never touch the domain: only the Lambda service's errors are retried."""

NEVER_RESENT = {("drill", "Start drill restore")}
"""Steps that would refuse their own earlier work on a resend (``start_drill`` raises
DrillTargetExistsError when its names are held): retried only when the function never ran."""


def tasks() -> Iterator[tuple[str, str, dict[str, Any]]]:
    for machine, definition in MACHINES.items():
        for name, state in definition["States"].items():
            if state["Type"] == "Task":
                yield machine, name, state


def alert_step(state: dict[str, Any]) -> bool:
    """The alert and report steps retry everything: they run after the domain failed already."""
    return [rule["ErrorEquals"] for rule in state.get("Retry", [])] == [["States.ALL"]]


ALL_TASKS = [pytest.param(m, n, s, id=f"{m}:{n}") for m, n, s in tasks() if not alert_step(s)]
DOMAIN_TASKS = [p for p in ALL_TASKS if tuple(p.values[:2]) not in INPUT_STEPS]


def test_the_lists_cover_every_state_machine_and_their_domain_steps():
    assert {m for m, *_ in (p.values for p in DOMAIN_TASKS)} == set(MACHINES)
    assert len(DOMAIN_TASKS) >= 15
    named = set(OWN_RETRIED) | INPUT_STEPS | NEVER_RESENT
    assert named <= {(m, n) for m, n, _ in tasks()}, "a step named here no longer exists"


@pytest.mark.parametrize(("machine", "name", "state"), ALL_TASKS)
def test_every_task_retries_the_lambda_service_errors_in_one_rule(machine, name, state):
    rules = [
        rule["ErrorEquals"] for rule in state["Retry"] if any(e.startswith("Lambda.") for e in rule["ErrorEquals"])
    ]

    expected = NOT_INVOKED if (machine, name) in NEVER_RESENT else LAMBDA_ERRORS
    assert rules == [expected]


@pytest.mark.parametrize(("machine", "name", "state"), DOMAIN_TASKS)
def test_every_domain_step_retries_exactly_the_one_definition_of_transient(machine, name, state):
    rules = [rule["ErrorEquals"] for rule in state["Retry"] if set(rule["ErrorEquals"]) & set(TRANSIENT)]

    assert rules == [TRANSIENT + OWN_RETRIED.get((machine, name), [])]


@pytest.mark.parametrize(("machine", "name", "state"), ALL_TASKS)
def test_every_name_retried_is_an_error_the_code_raises_or_the_lambda_service_reports(machine, name, state):
    from snapshot_sentinel.drills import errors as drill_errors
    from snapshot_sentinel.restore import errors as restore_errors

    for rule in state["Retry"]:
        for error in rule["ErrorEquals"]:
            if error.startswith("Lambda."):
                assert error in LAMBDA_ERRORS
                continue
            found = [getattr(module, error, None) for module in (errors, restore_errors, drill_errors)]
            assert any(isinstance(c, type) and issubclass(c, errors.SentinelError) for c in found), error
