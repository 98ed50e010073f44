"""The repository heals itself: a nightly run after someone unregistered the repository (DELETE
_snapshot/<repo>, or a replaced domain) registers it again exactly as the stack's SnapshotRepository
resource does, backs up, and says so; a registration that points elsewhere is never overwritten."""

from __future__ import annotations

import json

from tests.emulator import EmulatedDomain, Fault, SnapshotProgress
from tests.emulator.rest import RestCaller
from tests.support.constants import ACCOUNT, BUCKET, REPOSITORY

SNAPSHOT_ROLE = f"arn:aws:iam::{ACCOUNT}:role/snapshot-sentinel-SnapshotRole-Rehearsal"
STEP = "Make sure the repository is registered"


def unregister(stack, credentials) -> None:
    """What someone does by hand: DELETE _snapshot/<repo> on the domain, through its API."""
    answer = RestCaller(stack.parameters["DomainEndpoint"], credentials).call("DELETE", f"/_snapshot/{REPOSITORY}")
    assert answer.status == 200, answer.body


def test_a_nightly_run_after_the_repository_was_unregistered_registers_it_again_backs_up_and_says_so(
    stack, domain: EmulatedDomain, credentials
):
    # Given last night's backup, then someone unregistered the repository
    domain.progress = SnapshotProgress(polls=1, outcome="SUCCESS")
    assert stack.run({}).status == "SUCCEEDED"
    [last_night] = domain.snapshots(REPOSITORY)
    unregister(stack, credentials)
    assert domain.repository(REPOSITORY) is None
    stack.clock.advance(24 * 3600)

    run = stack.run({})

    # Then the repository is registered again as the custom resource registers it, and verified
    assert run.status == "SUCCEEDED", run.cause
    registered = domain.repository(REPOSITORY)
    assert registered == {
        "type": "s3",
        "settings": {
            "bucket": BUCKET,
            "region": "us-east-1",
            "role_arn": SNAPSHOT_ROLE,
            "server_side_encryption": "true",
        },
    }
    writes = [(r.method, r.path) for r in domain.requests if r.method != "GET"]
    assert ("PUT", f"/_snapshot/{REPOSITORY}") in writes
    assert ("POST", f"/_snapshot/{REPOSITORY}/_verify") in writes
    # And tonight's snapshot is taken, beside last night's (the bucket kept it)
    names = {s.name: s.state for s in domain.snapshots(REPOSITORY)}
    assert names[last_night.name] == "SUCCESS" and len(names) == 2
    assert set(names.values()) == {"SUCCESS"}
    # And one message names the repository and says it was registered again
    [notice] = run.alerts
    assert notice["subject"].startswith("[REGISTERED_AGAIN] ")
    assert notice["subject"].endswith(f": repository {REPOSITORY} registered again")
    assert notice["attributes"]["outcome"]["Value"] == "REGISTERED_AGAIN"
    facts = json.loads(notice["message"])
    assert facts["repository"] == REPOSITORY and facts["location"] == f"s3://{BUCKET}"
    assert facts["settings"]["role_arn"] == SNAPSHOT_ROLE
    assert f"DELETE _snapshot/{REPOSITORY}" in notice["email"]
    assert run.states_entered.index("Say the repository was registered again") < run.states_entered.index(
        "Take snapshot"
    )


def test_a_registered_repository_costs_one_get_and_no_message(stack, domain: EmulatedDomain):
    domain.progress = SnapshotProgress(polls=1, outcome="SUCCESS")

    run = stack.run({})

    assert run.status == "SUCCEEDED" and run.alerts == []
    repository_calls = [(r.method, r.path) for r in domain.requests if r.path == f"/_snapshot/{REPOSITORY}"]
    assert repository_calls == [("GET", f"/_snapshot/{REPOSITORY}")]


def test_a_registration_whose_answer_was_lost_is_still_reported_as_registered_again(
    stack, domain: EmulatedDomain, credentials
):
    # Given the repository is gone, and the gateway loses the answer to the PUT that registers it
    domain.progress = SnapshotProgress(polls=1, outcome="SUCCESS")
    unregister(stack, credentials)
    domain.inject(Fault(kind="gateway_timeout_after", method="PUT", path=rf"^/_snapshot/{REPOSITORY}$"))

    run = stack.run({})

    # Then the run looked, found its registration in place, said so, and backed up
    assert run.status == "SUCCEEDED", run.cause
    assert domain.repository(REPOSITORY)["settings"]["bucket"] == BUCKET
    [notice] = run.alerts
    assert notice["subject"].startswith("[REGISTERED_AGAIN] ")
    assert "not confirmed" in notice["email"]


def test_a_registration_that_points_elsewhere_is_never_overwritten_and_alerts(stack, domain: EmulatedDomain):
    # Given someone registered the repository's name on another bucket
    domain.delete_repository(REPOSITORY)
    domain.register_repository(REPOSITORY, bucket="someone-elses-backups", region="us-east-1")

    run = stack.run({})

    # Then the run stops before writing anything, and the registration is as it was
    assert run.status == "FAILED"
    assert run.error == "RepositoryElsewhereError"
    assert [r for r in domain.requests if r.method != "GET"] == []
    assert domain.repository(REPOSITORY)["settings"]["bucket"] == "someone-elses-backups"
    # And the alert names both places and what to do
    [alert] = run.alerts
    assert "RepositoryElsewhereError" in alert["subject"]
    text = alert["email"]
    assert "s3://someone-elses-backups" in text and f"s3://{BUCKET}" in text
    assert f"DELETE _snapshot/{REPOSITORY}" in text


def test_a_refused_registration_alerts_with_the_fix_that_registers_it(stack, domain: EmulatedDomain):
    # Given the repository is gone, and fine-grained access control refuses to register it
    domain.delete_repository(REPOSITORY)
    domain.inject(Fault(kind="forbidden_fgac", method="PUT", path=rf"^/_snapshot/{REPOSITORY}$"))

    run = stack.run({})

    assert run.status == "FAILED"
    assert run.error == "AuthorizationError"
    [alert] = run.alerts
    text = alert["email"]
    assert f"in state '{STEP}'" in text
    assert "EnsureRepositoryRoleArn" in text and "manage_snapshots" in text
    assert "sam deploy" not in text
