"""A vault copy that fails alerts like a backup: every step of VaultCopyStateMachine is caught into one alert
step, the execution ends with the error the alert names and a Cause the last-resort rule recognises, and the
alert says which step failed, what failed and what to do."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from snapshot_sentinel.alerts import ALERTED_CAUSE_SUFFIX
from snapshot_sentinel.vault import errors as vault_errors
from snapshot_sentinel.vault.report import CAUSE_MAX_CHARS, render_copy_failure

ROOT = Path(__file__).resolve().parents[3]
DEFINITION = json.loads((ROOT / "statemachine" / "vault_copy.asl.json").read_text())
EXECUTION = "arn:aws:states:eu-west-1:111122223333:execution:sentinel-vault-copy:run-7"


def render(run: dict[str, Any]) -> Any:
    return render_copy_failure(
        {**run, "execution_id": EXECUTION},
        domain="search-prod",
        region="eu-west-1",
        repository="s3://sentinel-backups",
        vault="s3://sentinel-vault",
        vault_region="eu-central-1",
    )


def lambda_error(name: str, message: str) -> dict[str, str]:
    return {"Error": name, "Cause": json.dumps({"errorType": name, "errorMessage": message, "stackTrace": []})}


def test_every_step_of_the_copy_is_caught_into_the_alert_and_the_alert_ends_the_execution():
    states = DEFINITION["States"]
    caught = {
        name: state["Catch"]
        for name, state in states.items()
        if state["Type"] in ("Task", "Map") and name != "Send vault alert"
    }

    assert {"Plan the copy", "Copy each tier in order", "Verify the vault"} <= set(caught)
    for catchers in caught.values():
        assert [(c["ErrorEquals"], c["Next"]) for c in catchers] == [(["States.ALL"], "Send vault alert")]
    assert states["Send vault alert"]["Next"] == "Vault copy failed"
    assert states["Vault copy failed"] == {**states["Vault copy failed"], "ErrorPath": "$.alert.error"}
    assert states["Vault copy failed"]["CausePath"] == "$.alert.cause"
    assert states["Alert not sent"]["Error"] == "AlertNotSentError"


def test_one_failed_batch_of_copies_fails_its_tier():
    tier = DEFINITION["States"]["Copy each tier in order"]["ItemProcessor"]["States"]["Copy the tier's batches"]

    assert tier["ItemProcessor"]["ProcessorConfig"]["Mode"] == "DISTRIBUTED"
    assert tier["ToleratedFailureCount"] == 0
    assert "ToleratedFailurePercentage" not in tier


def test_a_missing_file_is_named_with_the_step_and_what_to_do():
    alert = render(
        {
            "plan": {"generation": 12, "objects": 40, "batches": 3, "already_in_vault": 900},
            "verify_error": lambda_error(
                "VaultIncompleteError", "the vault's index-12 references 1 file(s) the vault lacks: snap-Ab.dat"
            ),
        }
    )

    assert alert.subject == "[VAULT COPY FAILED] search-prod: VaultIncompleteError"
    assert "while verifying: VaultIncompleteError" in alert.text
    assert "snap-Ab.dat" in alert.text
    assert "Vault:       s3://sentinel-vault (eu-central-1)" in alert.text
    assert "generation 12, 40 object(s) in 3 batch(es), 900 already in the vault" in alert.text
    assert "Start VaultCopyStateMachine again" in alert.text
    assert alert.error == "VaultIncompleteError"
    assert alert.cause.startswith("VaultIncompleteError: the vault's index-12 references")
    assert alert.cause.endswith(ALERTED_CAUSE_SUFFIX)
    assert alert.facts["kind"] == "vault_copy_failed" and alert.facts["outcome"] == "FAILED"
    assert alert.facts["execution"]["console_url"].startswith("https://eu-west-1.console.aws.amazon.com/states/")


@pytest.mark.parametrize(
    ("caught", "ended"),
    [
        ("States.ExceedToleratedFailureThreshold", "VaultBatchFailedError"),
        ("States.Timeout", "VaultCopyFailedError"),
        ("VaultSourceChangedError", "VaultSourceChangedError"),
        ("ClientError", "ClientError"),
    ],
)
def test_the_execution_never_ends_with_a_name_reserved_for_step_functions(caught: str, ended: str):
    alert = render({"copy_error": {"Error": caught, "Cause": "The specified tolerated failure threshold was exceeded"}})

    assert alert.error == ended
    assert not alert.error.startswith("States.")
    assert caught in alert.cause and caught in alert.text
    assert alert.subject == f"[VAULT COPY FAILED] search-prod: {ended}"
    if ended.startswith("Vault"):
        assert hasattr(vault_errors, ended), "an error name of ours is a class of ours"


def test_a_huge_message_keeps_the_cause_within_bounds_and_an_unknown_state_still_alerts():
    long = render({"plan_error": lambda_error("VaultUnreadableError", "x " * 50_000)})
    unknown = render({})

    assert len(long.cause) <= CAUSE_MAX_CHARS and long.cause.endswith(ALERTED_CAUSE_SUFFIX)
    assert len(long.text) < 5_000
    assert unknown.error == "UnknownError" and unknown.cause.endswith(ALERTED_CAUSE_SUFFIX)
