"""DomainClient against the emulated domain: every error dialect lands on the right exception class."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
import requests

from snapshot_sentinel import errors
from snapshot_sentinel.client import Credentials, DomainClient, signed_session
from tests.emulator import EmulatedDomain, EmulatorCredentials, Fault, SnapshotProgress, serve

REPO = "nightly-backups"
CREDS = EmulatorCredentials.testing()
NOW = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)
REGISTRATION = {"type": "s3", "settings": {"bucket": "b", "region": "us-east-1", "server_side_encryption": True}}


@dataclass
class Run:
    domain: EmulatedDomain
    client: DomainClient


@contextmanager
def running(engine: str = "opensearch", version: str = "2.11.0", *, signed: bool = True) -> Iterator[Run]:
    domain = EmulatedDomain(engine=engine, version=version, credentials=CREDS if signed else None, clock=lambda: NOW)
    domain.register_repository(REPO, bucket="b")
    with serve(domain) as server:
        session = signed_session("us-east-1", Credentials(CREDS.access_key, CREDS.secret_key, CREDS.session_token))
        client = DomainClient(server.endpoint, session, read_timeout=5)
        try:
            yield Run(domain, client)
        finally:
            session.close()


@pytest.fixture
def run() -> Iterator[Run]:
    with running() as emulated:
        yield emulated


# ---------------------------------------------------------------- what works


def test_the_signed_client_takes_polls_lists_and_deletes_snapshots(run: Run) -> None:
    # Given a domain where snapshots take two polls
    run.domain.progress = SnapshotProgress(polls=2)
    run.domain.add_snapshot(REPO, "nightly-old", start_time=NOW - timedelta(days=3), metadata={"taken_by": "x"})
    # When the client takes one, polls it, lists and deletes with a comma list
    run.client.create_snapshot(REPO, "nightly-new", {"indices": "*", "metadata": {"taken_by": "y"}})
    states = [run.client.get_snapshot(REPO, "nightly-new").state for _ in range(3)]
    listed = run.client.list_snapshots(REPO, "nightly-*")
    run.client.delete_snapshots(REPO, ["nightly-old", "nightly-new"])
    # Then every signed request went through and did what it said
    assert states == ["IN_PROGRESS", "IN_PROGRESS", "SUCCESS"]
    assert [(s.name, s.metadata) for s in listed] == [
        ("nightly-old", {"taken_by": "x"}),
        ("nightly-new", {"taken_by": "y"}),
    ]
    assert listed[0].start_time == NOW - timedelta(days=3)
    assert run.domain.snapshots(REPO) == []
    assert [r.status for r in run.domain.requests] == [200] * 6


def test_listing_an_unmatched_pattern_is_empty(run: Run) -> None:
    assert run.client.list_snapshots(REPO, "nightly-*") == []


def test_repository_registration_round_trip(run: Run) -> None:
    assert run.client.get_repository("new-repo") is None
    run.client.put_repository("new-repo", REGISTRATION)
    assert run.client.get_repository("new-repo") == {
        "type": "s3",
        "settings": {"bucket": "b", "region": "us-east-1", "server_side_encryption": "true"},
    }
    assert run.client.verify_repository("new-repo")["nodes"]


@pytest.mark.parametrize(
    ("engine", "version", "multi_delete"),
    [("opensearch", "1.3.0", True), ("elasticsearch", "7.10.2", True), ("elasticsearch", "7.4.2", False)],
)
def test_engine_version_tells_whether_comma_deletes_work(engine: str, version: str, multi_delete: bool) -> None:
    with running(engine, version) as emulated:
        assert emulated.client.engine_version().supports_multi_delete is multi_delete


def test_a_date_math_name_is_percent_encoded_and_signed_as_sent(run: Run) -> None:
    run.client.create_snapshot(REPO, "<nightly-{now/d}>", {})
    assert run.domain.snapshot(REPO, "nightly-2026.11.28") is not None


# ---------------------------------------------------------------- error dialects -> exception classes


@pytest.mark.parametrize(
    ("arrange", "act", "expected", "status"),
    [
        (None, lambda c: c.get_snapshot("nope", "s"), errors.RepositoryMissingError, 404),
        (None, lambda c: c.get_snapshot(REPO, "nope"), errors.SnapshotMissingError, 404),
        (None, lambda c: c.create_snapshot(REPO, "Nightly", {}), errors.InvalidSnapshotNameError, 400),
        (
            lambda d: d.add_snapshot(REPO, "taken"),
            lambda c: c.create_snapshot(REPO, "taken", {}),
            errors.SnapshotAlreadyExistsError,
            400,
        ),
        (
            lambda d: d.add_snapshot(REPO, "taken", state="IN_PROGRESS"),
            lambda c: c.create_snapshot(REPO, "taken", {}),
            errors.SnapshotAlreadyExistsError,
            400,
        ),
        (
            lambda d: d.inject(Fault(method="PUT", kind="concurrent")),
            lambda c: c.create_snapshot(REPO, "s", {}),
            errors.ConcurrentSnapshotError,
            503,
        ),
        (
            lambda d: d.add_snapshot(REPO, "running", state="IN_PROGRESS"),
            lambda c: c.put_repository(REPO, REGISTRATION),
            errors.RepositoryInUseError,
            500,
        ),
        (
            lambda d: d.fail_repository_verification("Access Denied (Service: Amazon S3; Status Code: 403)"),
            lambda c: c.verify_repository(REPO),
            errors.RepositoryVerificationError,
            500,
        ),
        (
            lambda d: d.inject(Fault(method="PUT", kind="forbidden_fgac")),
            lambda c: c.put_repository(REPO, REGISTRATION),
            errors.AuthorizationError,
            403,
        ),
        (
            lambda d: d.inject(Fault(method="PUT", kind="forbidden_passrole")),
            lambda c: c.put_repository(REPO, REGISTRATION),
            errors.AuthorizationError,
            403,
        ),
        (
            lambda d: d.inject(Fault(method="PUT", kind="gateway_timeout_after")),
            lambda c: c.create_snapshot(REPO, "s", {}),
            errors.GatewayTimeoutError,
            504,
        ),
        (
            lambda d: d.inject(Fault(method="PUT", kind="unavailable")),
            lambda c: c.create_snapshot(REPO, "s", {}),
            errors.DomainUnavailableError,
            503,
        ),
        (
            lambda d: d.inject(Fault(method="PUT", kind="throttle")),
            lambda c: c.create_snapshot(REPO, "s", {}),
            errors.ThrottledError,
            429,
        ),
        (
            lambda d: d.inject(Fault(method="PUT", kind="reset")),
            lambda c: c.create_snapshot(REPO, "s", {}),
            errors.DomainConnectionError,
            0,
        ),
        (None, lambda c: c.request("GET", "/_snapshots/a/b"), errors.DomainRequestError, 400),
        (None, lambda c: c.request("GET", f"/_snapshot/{REPO}/s/_restore"), errors.DomainRequestError, 405),
        (
            None,
            lambda c: c.request("GET", f"/_snapshot/{REPO}/_all", params={"verbos": "false"}),
            errors.DomainRequestError,
            400,
        ),
    ],
    ids=[
        "repository-missing", "snapshot-missing", "invalid-name", "already-exists", "already-in-progress",
        "concurrent", "repository-in-use", "verification", "fgac", "passrole", "gateway-504", "gateway-503",
        "throttled", "reset", "no-handler-string", "wrong-method-string", "unknown-parameter",
    ],
)  # fmt: skip
def test_each_error_answer_becomes_its_exception(arrange, act, expected, status) -> None:  # type: ignore[no-untyped-def]
    with running() as emulated:
        if arrange is not None:
            arrange(emulated.domain)
        with pytest.raises(expected) as caught:
            act(emulated.client)
    assert type(caught.value) is expected
    assert caught.value.status == status


def test_the_concurrency_error_is_recognised_by_type_whatever_the_status() -> None:
    with running("opensearch", "3.1.0") as emulated:
        emulated.domain.inject(Fault(method="PUT", kind="concurrent"))
        with pytest.raises(errors.ConcurrentSnapshotError) as caught:
            emulated.client.create_snapshot(REPO, "s", {})
    assert caught.value.status == 409


def test_the_automated_snapshot_on_es_7_4_is_a_concurrency_error_with_its_reason() -> None:
    with running("elasticsearch", "7.4.2") as emulated:
        emulated.domain.start_automated_snapshot()
        with pytest.raises(errors.ConcurrentSnapshotError) as caught:
            emulated.client.create_snapshot(REPO, "s", {})
    assert caught.value.reason == f"[{REPO}:s]  a snapshot is already running"
    assert caught.value.error_type == "concurrent_snapshot_execution_exception"


def test_a_verification_error_names_the_s3_cause(run: Run) -> None:
    run.domain.fail_repository_verification("Access Denied (Service: Amazon S3; Status Code: 403)")
    with pytest.raises(errors.RepositoryVerificationError) as caught:
        run.client.verify_repository(REPO)
    assert "is not accessible on cluster-manager node" in caught.value.reason
    assert "amazon_s3_exception: Access Denied (Service: Amazon S3; Status Code: 403)" in caught.value.reason


def test_a_passrole_denial_keeps_amazons_message(run: Run) -> None:
    run.domain.inject(Fault(method="PUT", kind="forbidden_passrole"))
    with pytest.raises(errors.AuthorizationError) as caught:
        run.client.put_repository(REPO, REGISTRATION)
    assert "iam:PassRole" in caught.value.reason


@pytest.mark.parametrize(
    ("credentials", "message"),
    [
        (Credentials(CREDS.access_key, "wrong-secret", CREDS.session_token), "signature we calculated does not match"),
        (Credentials(CREDS.access_key, CREDS.secret_key, None), "security token included in the request is invalid"),
    ],
    ids=["wrong-secret", "missing-token"],
)
def test_signing_failures_are_authorization_errors(run: Run, credentials: Credentials, message: str) -> None:
    client = DomainClient(run.client.endpoint, signed_session("us-east-1", credentials))
    with pytest.raises(errors.AuthorizationError) as caught:
        client.engine_version()
    assert message in caught.value.reason
    assert caught.value.status == 403


def test_unsigned_requests_are_authorization_errors(run: Run) -> None:
    client = DomainClient(run.client.endpoint, requests.Session())
    with pytest.raises(errors.AuthorizationError, match="anonymous is not authorized"):
        client.engine_version()


# ---------------------------------------------------------------- retries


@pytest.mark.parametrize(
    ("kind", "error"),
    [
        ("throttle", errors.ThrottledError),
        ("unavailable", errors.DomainUnavailableError),
        ("gateway_timeout_before", errors.GatewayTimeoutError),
        ("reset", errors.DomainConnectionError),
    ],
)
def test_a_transient_read_error_reaches_the_caller_at_once(run: Run, kind: str, error: type[Exception]) -> None:
    """The state machine's Retry owns retries: the client sends each request once and never sleeps."""
    run.domain.add_snapshot(REPO, "s")
    run.domain.inject(Fault(method="GET", kind=kind, times=5))

    with pytest.raises(error):
        run.client.get_snapshot(REPO, "s")

    assert len(run.domain.requests) == 1
    assert isinstance(error(""), errors.TRANSIENT_ERRORS)


def test_a_create_is_never_retried_by_the_client(run: Run) -> None:
    run.domain.inject(Fault(method="PUT", kind="gateway_timeout_after"))
    with pytest.raises(errors.GatewayTimeoutError):
        run.client.create_snapshot(REPO, "s", {})
    assert [(r.method, r.status) for r in run.domain.requests] == [("PUT", 504)]
    assert run.domain.snapshot(REPO, "s") is not None
