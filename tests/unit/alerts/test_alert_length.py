"""An alert says what helps with this failure: the restore primer comes with a snapshot a person may
restore from (PARTIAL, FAILED, INCOMPATIBLE), never with a mistyped input key; the JSON facts follow
the text as one compact line after the separator, every key kept for the machine consumers."""

from __future__ import annotations

import json

from snapshot_sentinel.alerts import FACTS_SEPARATOR, render_alert, sns_message

EXECUTION = "arn:aws:states:us-east-1:123456789012:execution:BackupStateMachine-Xq2Pz7cVb1Lk:run-1"
CONFIG = {"snapshot_name": "nightly-2026-11-28t02-00-00z", "execution_id": EXECUTION, "poll_interval_seconds": 60}
PRIMER = "Restoring on Amazon OpenSearch Service, whatever the snapshot:"


def render(run):
    return render_alert(
        {"run": run}, domain_name="my-domain", endpoint="https://x", repository="nightly-backups", region="us-east-1"
    )


def error(name, message):
    return {"Error": name, "Cause": json.dumps({"errorType": name, "errorMessage": message})}


def test_a_mistyped_input_key_gets_no_restore_section():
    alert = render({"input": {"skip_retenton": True}, "error": error("InvalidInputError", "unknown input field(s)")})

    assert "What this means for restore" not in alert.text
    assert PRIMER not in alert.text
    assert "skip_retenton" in alert.text


def test_a_step_that_failed_before_any_snapshot_says_where_the_good_backup_is_without_the_primer():
    alert = render({"config": CONFIG, "error": error("ConcurrentSnapshotError", "another snapshot runs")})

    assert "What this means for restore" in alert.text
    assert "Your latest good backup is" in alert.text
    assert PRIMER not in alert.text and "_restore" not in alert.text


def test_a_failed_snapshot_keeps_the_primer_and_an_example():
    snapshot = {"name": CONFIG["snapshot_name"], "state": "FAILED", "reason": "Indices don't have primary shards"}
    alert = render({"config": CONFIG, "snapshot": snapshot})

    assert PRIMER in alert.text
    assert "POST _snapshot/nightly-backups/<snapshot>/_restore" in alert.text


def test_the_facts_follow_the_text_as_one_compact_line_with_every_key():
    alert = render({"config": CONFIG, "error": error("ConcurrentSnapshotError", "another snapshot runs")})

    email = json.loads(sns_message(alert))["email"]
    text, facts = email.split(f"\n{FACTS_SEPARATOR}\n")

    assert facts.count("\n") == 1 and facts.endswith("\n")
    assert json.loads(facts) == alert.facts
    assert text.rstrip() == alert.text.rstrip()


def test_the_restore_drill_and_last_resort_messages_end_with_one_compact_line_of_facts_too():
    from snapshot_sentinel.alerts.last_resort import EndingAlert
    from snapshot_sentinel.alerts.last_resort import sns_message as ending_message
    from snapshot_sentinel.restore.outcome import RestoreReport

    facts = {"schema_version": 1, "kind": "x", "outcome": "FAILED", "indices": [{"index": "a"}, {"index": "b"}]}
    for message in (
        RestoreReport("FAILED", "[RESTORE FAILED] d", "text\n", facts).sns_message(),
        ending_message(EndingAlert("[FAILED] d", "text", facts)),
    ):
        email = json.loads(message)["email"]
        assert email.endswith("\n" + json.dumps(facts, separators=(",", ":")) + "\n")
        assert json.loads(json.loads(message)["default"]) == facts
