"""The repository heals itself: what a run registers again is exactly what the stack's custom
resource registers (backed-up domain, read-only stack, drill domain), the message that says so, and
the advice when it cannot."""

from __future__ import annotations

import json

import pytest

from snapshot_sentinel import errors
from snapshot_sentinel.alerts import render_alert
from snapshot_sentinel.alerts.facts import ENSURING_REPOSITORY
from snapshot_sentinel.alerts.notice import render_registered_again
from snapshot_sentinel.repository.input import RepositoryRegistration
from snapshot_sentinel.repository.settings import HealSettings

ROLE = "arn:aws:iam::123456789012:role/stack-SnapshotRole-X"
DRILL_ROLE = "arn:aws:iam::123456789012:role/stack-DrillSnapshotRole-X"
ENVIRON = {
    "DOMAIN_ENDPOINT": "https://search-logs-prod-abcdefghijklmnopqrstuvwxyz.us-east-1.es.amazonaws.com",
    "AWS_REGION": "us-east-1",
    "REPOSITORY_NAME": "nightly-backups",
    "REPOSITORY_READ_ONLY": "false",
    "SNAPSHOT_BUCKET": "stack-snapshotbucket-1a2b",
    "SNAPSHOT_BASE_PATH": "prod",
    "SNAPSHOT_ROLE_ARN": ROLE,
    "DRILL_DOMAIN_ENDPOINT": "",
    "DRILL_SNAPSHOT_ROLE_ARN": "",
}
DRILLS = {
    **ENVIRON,
    "DRILL_DOMAIN_ENDPOINT": "https://search-drills-abcdefghijklmnopqrstuvwxyz.us-east-1.es.amazonaws.com",
    "DRILL_SNAPSHOT_ROLE_ARN": DRILL_ROLE,
}
EXECUTION = "arn:aws:states:us-east-1:123456789012:execution:BackupStateMachine-Xq2Pz7cVb1Lk:run-1"


def custom_resource(**properties: str) -> RepositoryRegistration:
    """What the SnapshotRepository resource registers, from the properties template.yaml gives it."""
    return RepositoryRegistration.from_properties(
        {
            "RepositoryName": "nightly-backups",
            "Bucket": "stack-snapshotbucket-1a2b",
            "Region": "us-east-1",
            "RoleArn": ROLE,
            "BasePath": "prod",
            "ReadOnly": "false",
            **properties,
        }
    )


def test_the_backed_up_domain_gets_the_custom_resources_registration():
    settings = HealSettings.from_env(ENVIRON, target="backup")

    assert settings.domain.name == "logs-prod"
    assert settings.registration == custom_resource()
    assert settings.registration.body() == {
        "type": "s3",
        "settings": {
            "bucket": "stack-snapshotbucket-1a2b",
            "region": "us-east-1",
            "role_arn": ROLE,
            "server_side_encryption": True,
            "base_path": "prod",
        },
    }


def test_a_read_only_stack_registers_it_again_read_only():
    settings = HealSettings.from_env({**ENVIRON, "REPOSITORY_READ_ONLY": "true"}, target="backup")

    assert settings.registration == custom_resource(ReadOnly="true")
    assert settings.registration.settings()["readonly"] is True


def test_the_drill_domain_gets_the_repository_read_only_with_the_drill_role():
    settings = HealSettings.from_env(DRILLS, target="drill")

    assert settings.domain.name == "drills"
    assert settings.registration == custom_resource(RoleArn=DRILL_ROLE, ReadOnly="true")


def test_without_a_drill_domain_a_drill_makes_sure_of_the_backed_up_domains_repository():
    assert HealSettings.from_env(ENVIRON, target="drill") == HealSettings(
        "drill", HealSettings.from_env(ENVIRON, target="backup").domain, custom_resource()
    )


@pytest.mark.parametrize("missing", ["SNAPSHOT_BUCKET", "SNAPSHOT_ROLE_ARN"])
def test_a_missing_setting_names_its_variable(missing):
    with pytest.raises(errors.ConfigurationError, match=missing):
        HealSettings.from_env({**ENVIRON, missing: ""}, target="backup")


def test_a_drill_domain_without_its_role_names_the_variable():
    with pytest.raises(errors.ConfigurationError, match="DRILL_SNAPSHOT_ROLE_ARN"):
        HealSettings.from_env({**DRILLS, "DRILL_SNAPSHOT_ROLE_ARN": ""}, target="drill")


def test_the_registered_again_message_names_the_repository_the_settings_and_why_to_look():
    ensured = {
        "target": "backup",
        "domain": "logs-prod",
        "endpoint": ENVIRON["DOMAIN_ENDPOINT"],
        "repository": "nightly-backups",
        "location": "s3://stack-snapshotbucket-1a2b/prod",
        "registered_again": True,
        "settings": {"type": "s3", **custom_resource().settings()},
        "verified_nodes": 3,
    }

    notice = render_registered_again(ensured, execution_arn=EXECUTION, region="us-east-1")

    assert notice.subject == "[REGISTERED_AGAIN] logs-prod: repository nightly-backups registered again"
    assert notice.text.startswith(
        "The repository nightly-backups was not registered on logs-prod; this run registered it again"
    )
    assert "s3://stack-snapshotbucket-1a2b/prod (region us-east-1, role " + ROLE in notice.text
    assert "DELETE _snapshot/nightly-backups" in notice.text
    assert notice.facts["kind"] == "repository_registered_again"
    assert notice.attributes()["outcome"] == {"DataType": "String", "StringValue": "REGISTERED_AGAIN"}
    json.dumps(notice.facts)


def alert_text(error: str, message: str, *, failed_state: str | None = ENSURING_REPOSITORY) -> str:
    run = {
        "config": {"snapshot_name": "nightly-2026-11-28t02-00-00z", "execution_id": EXECUTION},
        "error": {"Error": error, "Cause": json.dumps({"errorType": error, "errorMessage": message})},
    }
    if failed_state:
        run["failed_state"] = failed_state
    alert = render_alert(
        {"run": run}, domain_name="logs-prod", endpoint="https://x", repository="nightly-backups", region="us-east-1"
    )
    return alert.text


def test_a_missing_repository_is_not_fixed_by_a_redeploy_but_by_a_run():
    text = alert_text("RepositoryMissingError", "[nightly-backups] missing", failed_state=None)

    assert "sam deploy" not in text
    assert "registers a missing repository again" in text
    assert "Run again by" in text


def test_a_refused_registration_names_the_role_to_map_and_the_passrole_fix():
    text = alert_text("AuthorizationError", "no permissions for [cluster:admin/repository/put]")

    assert f"in state '{ENSURING_REPOSITORY}'" in text
    assert "EnsureRepositoryRoleArn" in text and "manage_snapshots" in text
    assert "iam:PassRole" in text
    assert "sam deploy" not in text


def test_a_refusal_elsewhere_keeps_the_usual_advice():
    text = alert_text("AuthorizationError", "no permissions", failed_state=None)

    assert "EnsureRepositoryRoleArn" not in text


def test_a_registration_elsewhere_says_how_to_point_it_back():
    text = alert_text("RepositoryElsewhereError", "registered with s3://other")

    assert "DELETE _snapshot/nightly-backups" in text and "never re-pointed" in text


def test_the_step_event_names_the_domain_to_heal_and_the_backed_up_one_is_the_default():
    assert HealSettings.for_event(ENVIRON, {}) == HealSettings.from_env(ENVIRON, target="backup")
    assert HealSettings.for_event(ENVIRON, {"domain": None}).target == "backup"
    assert HealSettings.for_event(DRILLS, {"domain": "drill"}) == HealSettings.from_env(DRILLS, target="drill")
