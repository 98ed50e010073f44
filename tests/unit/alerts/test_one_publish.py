"""Every message AlertTopic carries goes out through one ``Publish`` in one envelope, so a subscriber's
filter policy and email layout hold for the backup alert, the notice, the restore and drill reports and
the last-resort alert alike."""

from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import Any

from snapshot_sentinel.alerts import publish_alert, render_alert
from snapshot_sentinel.alerts.last_resort import Ending, render_ending, report_ending
from snapshot_sentinel.alerts.last_resort import sns_message as ending_message
from snapshot_sentinel.alerts.notice import publish_notice, render_registered_again
from snapshot_sentinel.drills.publish import report_drill
from snapshot_sentinel.restore.publish import report_restore
from snapshot_sentinel.vault.publish import alert_copy_failure
from snapshot_sentinel.vault.steps import Location

ROOT = Path(__file__).resolve().parents[3]
TOPIC = "arn:aws:sns:eu-west-1:123456789012:alerts"
REGION = "eu-west-1"
THE_ONE_PUBLISH = Path("layers/common/snapshot_sentinel/alerts/sns.py")


def _sns_publish_calls() -> set[Path]:
    found = set()
    for folder in ("layers", "functions", "cli"):
        for path in (ROOT / folder).rglob("*.py"):
            tree = ast.parse(path.read_text(), filename=str(path))
            for node in ast.walk(tree):
                calls_publish = (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Attribute)
                    and node.func.attr in ("publish", "publish_batch")
                )
                names_structure = isinstance(node, ast.keyword) and node.arg == "MessageStructure"
                if calls_publish or names_structure:
                    found.add(path.relative_to(ROOT))
    return found


def test_only_the_alerts_sns_module_calls_an_sns_publish():
    assert _sns_publish_calls() == {THE_ONE_PUBLISH}


class RecordingSns:
    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def publish(self, **call: Any) -> dict[str, str]:
        self.calls.append(call)
        return {"MessageId": f"m-{len(self.calls)}"}


def test_every_message_kind_reaches_email_sms_and_machines_in_the_one_envelope():
    sns = RecordingSns()
    ending = Ending.from_event({"detail": {"status": "TIMED_OUT"}})
    sent = {
        "alert": publish_alert(
            sns, TOPIC, render_alert({}, domain_name="d", endpoint="e", repository="r", region=REGION)
        ),
        "notice": publish_notice(
            sns, TOPIC, render_registered_again({"domain": "d", "repository": "r"}, execution_arn="", region=REGION)
        ),
        "restore": report_restore(sns, TOPIC, {"path": "failed"}, domain="d", region=REGION)[1],
        "drill": report_drill(sns, TOPIC, {}, domain="d", region=REGION)[1],
        "ending": report_ending(sns, TOPIC, ending, domain="d", endpoint="e", repository="r", region=REGION),
        "vault": alert_copy_failure(
            sns,
            TOPIC,
            {"run": {"verify_error": {"Error": "VaultIncompleteError", "Cause": "{}"}}},
            domain="d",
            region=REGION,
            source=Location("r", ""),
            vault=Location("v", ""),
            vault_region="us-west-2",
        )[1],
    }

    for (kind, result), call in zip(sent.items(), sns.calls, strict=True):
        message = json.loads(call["Message"])
        assert call["MessageStructure"] == "json", kind
        assert set(message) == {"default", "email", "sms"}, kind
        assert message["sms"] == call["Subject"] == result["subject"], kind
        facts = json.loads(message["default"])
        assert message["email"].endswith(json.dumps(facts, ensure_ascii=False, separators=(",", ":")) + "\n"), kind
        assert call["MessageAttributes"]["outcome"]["StringValue"] == facts["outcome"], kind
        assert call["MessageAttributes"]["domain"]["StringValue"] == "d", kind


def test_the_last_resort_alert_is_sent_in_that_envelope():
    alert = render_ending(
        Ending.from_event({"detail": {"status": "ABORTED", "cause": "stopped by José"}}),
        domain="d",
        endpoint="e",
        repository="r",
        region="eu-west-1",
    )

    message = json.loads(ending_message(alert))

    assert message["sms"] == alert.subject
    assert "stopped by José" in message["email"]
    assert "----- machine-readable facts (JSON, schema_version 1) -----" in message["email"]
