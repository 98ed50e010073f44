"""The SnapshotRepository custom resource end to end: the real handler, signed with SigV4, against
the emulated domain, answering a local stand-in for CloudFormation's ResponseURL.

Each test reads as CloudFormation sees it: one request in, exactly one answer out, with the
repository's state on the domain checked behind it.
"""

from __future__ import annotations

import importlib.util
import json
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from unittest import mock

import pytest

from tests.emulator import EmulatedDomain, EmulatorCredentials, Fault, serve
from tests.support.cfn_inbox import CloudFormationInbox, cloudformation_inbox
from tests.support.lambda_runtime import FakeLambdaContext

ROOT = Path(__file__).resolve().parents[2]
EVENTS = ROOT / "events" / "register_repository"
ROLE_ARN = "arn:aws:iam::123456789012:role/snapshot-sentinel-SnapshotRole-Ab12Cd34"
BUCKET = "snapshot-sentinel-snapshotbucket-1a2b3c4d5e6f"
REPO = "nightly-backups"
REGISTERED = {"bucket": BUCKET, "region": "us-east-1", "role_arn": ROLE_ARN, "server_side_encryption": True}


def _load_handler() -> Callable[[dict[str, Any], Any], dict[str, Any]]:
    spec = importlib.util.spec_from_file_location(
        "register_repository_app", ROOT / "functions/register_repository/app.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    handler: Callable[[dict[str, Any], Any], dict[str, Any]] = module.lambda_handler
    return handler


lambda_handler = _load_handler()


def registration_context(seconds_left: float = 25.0) -> FakeLambdaContext:
    """The context of RegisterRepositoryFunction with ``seconds_left`` before its timeout."""
    return FakeLambdaContext("snapshot-sentinel-RegisterRepositoryFunction-Ab12Cd34", seconds_left=seconds_left)


@dataclass
class Stack:
    domain: EmulatedDomain
    endpoint: str
    inbox: CloudFormationInbox

    def event(self, kind: str, **properties: str) -> dict[str, Any]:
        """The sample event of ``events/register_repository/<kind>.json``, aimed at this test's
        domain and inbox, with ``properties`` overriding its ResourceProperties."""
        event: dict[str, Any] = json.loads((EVENTS / f"{kind}.json").read_text())
        event["ResponseURL"] = self.inbox.url
        event["ResourceProperties"].update({"DomainEndpoint": self.endpoint, **properties})
        return event

    def deploy(self, event: dict[str, Any], seconds_left: float = 25.0) -> dict[str, Any]:
        """Invoke the function as CloudFormation does and return the one answer it received."""
        lambda_handler(event, registration_context(seconds_left))
        return self.inbox.only_answer

    def domain_calls(self) -> list[tuple[str, str]]:
        return [(r.method, r.path) for r in self.domain.requests]


@pytest.fixture
def stack(handler_env: Callable[..., dict[str, str]]) -> Iterator[Stack]:
    credentials = EmulatorCredentials.testing()
    domain = EmulatedDomain(engine="opensearch", version="2.11.0", region="us-east-1", credentials=credentials)
    with serve(domain, port=0) as server, cloudformation_inbox() as inbox:
        handler_env(endpoint=server.endpoint, credentials=credentials, REPOSITORY_NAME=REPO)
        yield Stack(domain, server.endpoint, inbox)


def assert_answers_the_request(answer: dict[str, Any], event: dict[str, Any]) -> None:
    for key in ("StackId", "RequestId", "LogicalResourceId"):
        assert answer[key] == event[key]


# ------------------------------------------------------------------------------ Create / Update / Delete


def test_create_registers_and_verifies_the_repository_then_answers_success(stack: Stack) -> None:
    # Given a domain without the repository
    event = stack.event("create")
    # When CloudFormation creates the resource
    answer = stack.deploy(event)
    # Then the repository holds the settings of the AWS guide, SSE-S3 included
    assert stack.domain.repository(REPO) == {
        "type": "s3",
        "settings": {
            "bucket": BUCKET,
            "region": "us-east-1",
            "role_arn": ROLE_ARN,
            "server_side_encryption": "true",
        },
    }
    # And it was registered once and verified, after reading what was there
    assert stack.domain_calls() == [
        ("GET", f"/_snapshot/{REPO}"),
        ("PUT", f"/_snapshot/{REPO}"),
        ("POST", f"/_snapshot/{REPO}/_verify"),
    ]
    # And CloudFormation got SUCCESS with the repository name as physical ID and attribute
    assert answer["Status"] == "SUCCESS"
    assert answer["PhysicalResourceId"] == REPO
    # DomainName is the metrics' domain dimension (NoRecentBackupAlarm, dashboard): the ARN's name here.
    assert answer["Data"] == {"RepositoryName": REPO, "Changed": "true", "DomainName": "my-domain"}
    assert "verified on 2 node(s)" in answer["Reason"]  # the emulated domain has two data nodes
    assert_answers_the_request(answer, event)


def test_the_answer_is_put_without_a_content_type_as_the_presigned_url_requires(stack: Stack) -> None:
    stack.deploy(stack.event("create"))
    (answer,) = stack.inbox.answers
    assert answer.path.startswith("/cloudformation-response?X-Amz-Signature=")
    assert answer.headers.get("Content-Type", "") == ""


def test_update_with_a_base_path_and_read_only_re_registers_with_those_settings(stack: Stack) -> None:
    # Given the repository registered as the last deploy left it
    stack.deploy(stack.event("create"))
    with cloudformation_inbox() as inbox:
        stack.inbox = inbox
        # When an update moves it under a base path, read-only (a second domain reading the bucket)
        answer = stack.deploy(stack.event("update", BasePath="prod/logs", ReadOnly="true"))
    # Then the domain holds the new settings and CloudFormation learns it changed
    settings = stack.domain.repository(REPO)["settings"]  # type: ignore[index]
    assert settings["base_path"] == "prod/logs"
    assert settings["readonly"] == "true"
    assert answer["Status"] == "SUCCESS"
    assert answer["Data"]["Changed"] == "true"


def test_update_with_unchanged_settings_does_not_re_put_even_while_a_snapshot_runs(stack: Stack) -> None:
    # Given the repository registered with exactly the stack's settings, and a snapshot running in it
    stack.domain.register_repository(
        REPO, bucket=BUCKET, region="us-east-1", role_arn=ROLE_ARN, server_side_encryption=True
    )
    stack.domain.add_snapshot(REPO, "nightly-2026-11-28t02-00-00z", state="IN_PROGRESS")
    event = stack.event("update", BasePath="")
    # When CloudFormation updates the resource (say, a new function version changed its properties)
    answer = stack.deploy(event)
    # Then nothing was PUT (the domain would refuse it while the snapshot runs); it was verified
    assert ("PUT", f"/_snapshot/{REPO}") not in stack.domain_calls()
    assert ("POST", f"/_snapshot/{REPO}/_verify") in stack.domain_calls()
    assert answer["Status"] == "SUCCESS"
    assert answer["Data"] == {"RepositoryName": REPO, "Changed": "false", "DomainName": "my-domain"}
    assert stack.domain.snapshot(REPO, "nightly-2026-11-28t02-00-00z").state == "IN_PROGRESS"  # type: ignore[union-attr]


def test_update_with_new_settings_while_a_snapshot_runs_fails_with_what_to_do(stack: Stack) -> None:
    # Given a snapshot running in the registered repository
    stack.domain.register_repository(
        REPO, bucket=BUCKET, region="us-east-1", role_arn=ROLE_ARN, server_side_encryption=True
    )
    stack.domain.add_snapshot(REPO, "nightly-2026-11-28t02-00-00z", state="IN_PROGRESS")
    # When an update changes the settings with too little time left to wait for the snapshot
    answer = stack.deploy(stack.event("update", BasePath="prod"), seconds_left=25)
    # Then CloudFormation gets FAILED that names the cause and the way out, and the old settings stand
    assert answer["Status"] == "FAILED"
    assert f"running in {REPO}" in answer["Reason"]
    assert f"GET _snapshot/{REPO}/_current" in answer["Reason"]
    assert answer["PhysicalResourceId"] == REPO
    assert "base_path" not in stack.domain.repository(REPO)["settings"]  # type: ignore[index]


def test_delete_leaves_the_repository_and_its_snapshots_and_touches_nothing(stack: Stack) -> None:
    # Given a registered repository holding a snapshot
    stack.domain.register_repository(REPO, bucket=BUCKET, region="us-east-1", role_arn=ROLE_ARN)
    stack.domain.add_snapshot(REPO, "nightly-2026-11-27t02-00-00z")
    event = stack.event("delete")
    # When the stack is deleted
    answer = stack.deploy(event)
    # Then CloudFormation gets SUCCESS for the same physical ID, and the domain saw no request at all
    assert answer["Status"] == "SUCCESS"
    assert answer["PhysicalResourceId"] == event["PhysicalResourceId"]
    assert "untouched" in answer["Reason"]
    assert stack.domain.requests == []
    assert stack.domain.repository(REPO) is not None
    assert [s.name for s in stack.domain.snapshots(REPO)] == ["nightly-2026-11-27t02-00-00z"]


def test_delete_succeeds_even_when_the_function_cannot_reach_any_domain(stack: Stack) -> None:
    # A stack must always be deletable: Delete needs neither settings nor the domain.
    with mock.patch.dict("os.environ", {"DOMAIN_ENDPOINT": "not a url"}):
        answer = stack.deploy(stack.event("delete"))
    assert answer["Status"] == "SUCCESS"


# ------------------------------------------------------------------------------ failures, each answered


def test_a_reserved_cs_name_is_refused_before_any_request(stack: Stack) -> None:
    answer = stack.deploy(stack.event("create", RepositoryName="cs-backups"))
    assert answer["Status"] == "FAILED"
    assert "reserves" in answer["Reason"]
    assert "Nothing was sent to the domain" in answer["Reason"]
    assert stack.domain.requests == []


def test_fine_grained_access_control_refusal_says_to_map_the_role_to_manage_snapshots(stack: Stack) -> None:
    # Given FGAC on the domain without the function's role mapped
    caller = "arn:aws:iam::123456789012:role/snapshot-sentinel-RegisterRepositoryFunctionRole-Q1W2"
    stack.domain.inject(Fault(kind="forbidden_fgac", method="PUT", path=r"^/_snapshot/[^/]+$", message=caller))
    # When the resource is created
    answer = stack.deploy(stack.event("create"))
    # Then the reason names the role and the exact mapping to make
    assert answer["Status"] == "FAILED"
    assert "manage_snapshots" in answer["Reason"]
    assert f"Map {caller} as a backend role" in answer["Reason"]
    assert "cluster:admin/repository/put" in answer["Reason"]
    assert stack.domain.repository(REPO) is None


def test_a_missing_pass_role_permission_is_named(stack: Stack) -> None:
    # Given a front end that keeps refusing iam:PassRole (an SCP, say), with no time left to wait
    stack.domain.inject(Fault(kind="forbidden_passrole", method="PUT", path=r"^/_snapshot/[^/]+$", times=10))
    answer = stack.deploy(stack.event("create"), seconds_left=25)
    assert answer["Status"] == "FAILED"
    assert "iam:PassRole" in answer["Reason"]
    assert ROLE_ARN in answer["Reason"]


def test_a_bucket_the_role_cannot_reach_fails_with_the_s3_reason(stack: Stack) -> None:
    # Given a snapshot role S3 refuses
    stack.domain.fail_repository_verification(
        "Access Denied (Service: Amazon S3; Status Code: 403; Error Code: AccessDenied; Request ID: X1)"
    )
    answer = stack.deploy(stack.event("create"), seconds_left=25)
    # Then the reason is S3's, with the bucket and role to check
    assert answer["Status"] == "FAILED"
    assert "Access Denied" in answer["Reason"]
    assert f"bucket {BUCKET}" in answer["Reason"]
    assert ROLE_ARN in answer["Reason"]
    assert "es.amazonaws.com" in answer["Reason"]


def test_an_unreachable_domain_fails_with_the_vpc_hint(stack: Stack) -> None:
    # Given an endpoint where nothing listens
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}"
    with mock.patch.dict("os.environ", {"DOMAIN_ENDPOINT": closed}):
        answer = stack.deploy(stack.event("create", DomainEndpoint=closed), seconds_left=25)
    assert answer["Status"] == "FAILED"
    assert f"Could not reach the domain at {closed}" in answer["Reason"]
    assert "SubnetIds and SecurityGroupIds" in answer["Reason"]


def test_a_misconfigured_function_still_answers(stack: Stack) -> None:
    with mock.patch.dict("os.environ", {"AWS_ACCESS_KEY_ID": ""}):
        answer = stack.deploy(stack.event("create"))
    assert answer["Status"] == "FAILED"
    assert "misconfigured" in answer["Reason"]
    assert "AWS_ACCESS_KEY_ID" in answer["Reason"]


def test_every_failure_points_to_the_functions_logs(stack: Stack) -> None:
    answer = stack.deploy(stack.event("create", RepositoryName="cs-x"))
    context = registration_context()
    assert context.log_group_name in answer["Reason"]
    assert context.log_stream_name in answer["Reason"]


def test_a_domain_that_never_answers_gets_failed_before_the_lambda_timeout(stack: Stack) -> None:
    # Given an endpoint that accepts connections and never answers
    listener = socket.create_server(("127.0.0.1", 0))
    accepted: list[socket.socket] = []
    threading.Thread(target=lambda: accepted.append(listener.accept()[0]), daemon=True).start()
    silent = f"http://127.0.0.1:{listener.getsockname()[1]}"
    event = stack.event("create", DomainEndpoint=silent)
    # When the function runs with 6 s left before its timeout
    with mock.patch.dict("os.environ", {"DOMAIN_ENDPOINT": silent}):
        invocation = threading.Thread(target=lambda: lambda_handler(event, registration_context(6.0)))
        invocation.start()
        answer = stack.inbox.wait_for_answer(timeout=15).body
        # Then CloudFormation already has FAILED while the request still hangs
        assert invocation.is_alive()
        for connection in accepted:
            connection.close()
        listener.close()
        invocation.join(timeout=30)
    assert answer["Status"] == "FAILED"
    assert "did not answer before the registration function's timeout" in answer["Reason"]
    # And the late failure of the hanging request was not sent as a second answer
    assert stack.inbox.only_answer == answer


# ------------------------------------------------------------------------------ a name already taken


@pytest.mark.parametrize(
    ("registered", "where"),
    [
        ({"bucket": "someone-elses-backups"}, "s3://someone-elses-backups"),
        ({"bucket": BUCKET, "base_path": "team-a"}, f"s3://{BUCKET}/team-a"),
    ],
    ids=["another-bucket", "another-base-path"],
)
def test_create_refuses_a_repository_name_registered_elsewhere_and_changes_nothing(
    stack: Stack, registered: dict[str, str], where: str
) -> None:
    # Given the domain already holds RepositoryName, keeping its snapshots somewhere else
    stack.domain.register_repository(REPO, region="us-east-1", **registered)
    stack.domain.add_snapshot(REPO, "their-snapshot")
    before = stack.domain.repository(REPO)

    # When CloudFormation creates the stack's repository under that name
    answer = stack.deploy(stack.event("create"))

    # Then it fails saying where the existing one points and what to do, and re-points nothing
    assert answer["Status"] == "FAILED"
    assert f"already registered on the domain with {where}" in answer["Reason"]
    assert f"this stack would point it at s3://{BUCKET}" in answer["Reason"]
    assert "Choose another RepositoryName" in answer["Reason"]
    assert stack.domain_calls() == [("GET", f"/_snapshot/{REPO}")]
    assert stack.domain.repository(REPO) == before
    assert stack.domain.snapshot(REPO, "their-snapshot") is not None


def test_create_over_the_same_bucket_and_path_takes_the_repository_over(stack: Stack) -> None:
    # Given the repository a deleted stack left registered: same bucket and path, an older role
    stack.domain.register_repository(REPO, bucket=BUCKET, region="us-east-1", role_arn=ROLE_ARN + "-old")

    answer = stack.deploy(stack.event("create"))

    assert answer["Status"] == "SUCCESS"
    assert stack.domain.repository(REPO)["settings"]["role_arn"] == ROLE_ARN  # type: ignore[index]


def test_an_update_to_a_name_registered_elsewhere_is_refused_too(stack: Stack) -> None:
    stack.domain.register_repository("archive", bucket="someone-elses-backups", region="us-east-1")
    event = stack.event("update", RepositoryName="archive")

    answer = stack.deploy(event)

    assert answer["Status"] == "FAILED"
    assert "already registered on the domain with s3://someone-elses-backups" in answer["Reason"]
    assert stack.domain.repository("archive")["settings"]["bucket"] == "someone-elses-backups"  # type: ignore[index]


# ------------------------------------------------------------------------- the drill domain (DrillSnapshotRepository)

DRILL_ROLE_ARN = "arn:aws:iam::123456789012:role/snapshot-sentinel-DrillSnapshotRole-Ef56Gh78"


@pytest.fixture
def drill_domain(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[EmulatedDomain, str]]:
    """A scratch domain the stack's DrillDomainEndpoint names (DrillDomainArn .../domain/drills)."""
    domain = EmulatedDomain(
        engine="opensearch", version="2.11.0", region="us-east-1", credentials=EmulatorCredentials.testing()
    )
    with serve(domain, port=0) as server:
        monkeypatch.setenv("DRILL_DOMAIN_ENDPOINT", server.endpoint)
        monkeypatch.setenv("DRILL_DOMAIN_ARN", "arn:aws:es:us-east-1:123456789012:domain/drills")
        yield domain, server.endpoint


def drill_event(stack: Stack, endpoint: str, **properties: str) -> dict[str, Any]:
    drill = {"DomainEndpoint": endpoint, "ReadOnly": "true", "RoleArn": DRILL_ROLE_ARN, **properties}
    event = stack.event("create", **drill)
    event["LogicalResourceId"] = "DrillSnapshotRepository"
    return event


def test_the_drill_domain_gets_the_repository_read_only_and_the_backed_up_domain_is_not_touched(
    stack: Stack, drill_domain: tuple[EmulatedDomain, str]
) -> None:
    domain, endpoint = drill_domain
    # When CloudFormation creates DrillSnapshotRepository
    answer = stack.deploy(drill_event(stack, endpoint))
    # Then the drill domain holds the same bucket read-only, with the read-only role
    assert answer["Status"] == "SUCCESS", answer["Reason"]
    assert domain.repository(REPO) == {
        "type": "s3",
        "settings": {**REGISTERED, "server_side_encryption": "true", "role_arn": DRILL_ROLE_ARN, "readonly": "true"},
    }
    assert "(readonly)" in answer["Reason"]
    # And its DomainName is the drill domain's (the drill functions' metrics and IAM name it)
    assert answer["Data"]["DomainName"] == "drills"
    # And not one request reached the backed-up domain
    assert stack.domain_calls() == []


def test_a_writable_registration_on_the_drill_domain_is_refused_before_any_request(
    stack: Stack, drill_domain: tuple[EmulatedDomain, str]
) -> None:
    domain, endpoint = drill_domain
    answer = stack.deploy(drill_event(stack, endpoint, ReadOnly="false"))
    assert answer["Status"] == "FAILED"
    assert "must hold the repository read-only" in answer["Reason"]
    assert "two writers corrupt a repository" in answer["Reason"]
    assert domain.requests == [] and stack.domain_calls() == []


def test_an_endpoint_that_is_neither_the_domain_nor_the_drill_domain_is_refused(stack: Stack) -> None:
    other = EmulatedDomain(engine="opensearch", version="2.11.0", credentials=EmulatorCredentials.testing())
    with serve(other, port=0) as server:
        answer = stack.deploy(drill_event(stack, server.endpoint))
    assert answer["Status"] == "FAILED"
    assert "is neither the stack's domain nor its drill domain" in answer["Reason"]
    assert other.requests == [] and stack.domain_calls() == []


def test_a_drill_domain_that_cannot_read_the_bucket_points_to_the_drill_domains_names(
    stack: Stack, drill_domain: tuple[EmulatedDomain, str]
) -> None:
    domain, endpoint = drill_domain
    domain.fail_repository_verification("Access Denied (Service: S3, Status Code: 403)")
    answer = stack.deploy(drill_event(stack, endpoint))
    assert answer["Status"] == "FAILED"
    assert "DrillDomainArn parameter" in answer["Reason"] and "s3:GetObject" in answer["Reason"]
    assert "the DomainArn parameter" not in answer["Reason"]
