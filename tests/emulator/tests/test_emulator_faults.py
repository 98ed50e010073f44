"""Injected faults: what each one answers, whether the request was applied, and when it is spent."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager

import pytest
import requests

from tests.emulator import EmulatedDomain, Fault, serve
from tests.emulator.rest import Emulated, RestCaller
from tests.emulator.rest import emulated as emulated_domain

REPO = "nightly-backups"
SNAPSHOT_PATH = r"^/_snapshot/[^/]+/[^/]+$"


def emulated(engine: str, version: str) -> AbstractContextManager[Emulated]:
    return emulated_domain(REPO, bucket="b", engine=engine, version=version)


@pytest.fixture
def opensearch() -> Iterator[Emulated]:
    with emulated("opensearch", "2.11.0") as run:
        yield run


def take(api: RestCaller, name: str = "nightly-1") -> int:
    return api.put(f"/_snapshot/{REPO}/{name}", {"indices": "*"}, wait_for_completion="false").status


def test_gateway_timeout_after_applies_the_request_then_answers_a_non_json_504(opensearch: Emulated) -> None:
    # Given a 504 that hits the next create after the domain accepted it
    opensearch.domain.inject(Fault(method="PUT", path=SNAPSHOT_PATH, kind="gateway_timeout_after"))
    # When a snapshot is taken
    answer = opensearch.api.put(f"/_snapshot/{REPO}/nightly-1", {"indices": "*"})
    # Then the caller sees a gateway page, yet the snapshot exists
    assert answer.status == 504
    assert answer.content_type.startswith("text/html")
    assert answer.body.lstrip().startswith(b"<html>")
    assert opensearch.domain.snapshot(REPO, "nightly-1") is not None


def test_gateway_timeout_before_does_not_apply_the_request(opensearch: Emulated) -> None:
    opensearch.domain.inject(Fault(method="PUT", path=SNAPSHOT_PATH, kind="gateway_timeout_before"))
    assert take(opensearch.api) == 504
    assert opensearch.domain.snapshot(REPO, "nightly-1") is None


@pytest.mark.parametrize(
    ("engine", "version", "error_type"),
    [
        ("opensearch", "2.11.0", "rejected_execution_exception"),
        ("elasticsearch", "7.10.2", "es_rejected_execution_exception"),
    ],
)
def test_throttle_answers_429_with_the_engines_rejected_execution_type(
    engine: str, version: str, error_type: str
) -> None:
    with emulated(engine, version) as run:
        run.domain.inject(Fault(method="GET", kind="throttle"))
        answer = run.api.get(f"/_snapshot/{REPO}/_all")
        assert answer.status == 429
        assert answer.json["status"] == 429
        assert answer.error_type == error_type
        assert answer.reason is not None and answer.reason.startswith("rejected execution of ")


def test_unavailable_answers_a_non_json_503(opensearch: Emulated) -> None:
    opensearch.domain.inject(Fault(kind="unavailable"))
    answer = opensearch.api.get("/")
    assert answer.status == 503
    assert b"503 Service Temporarily Unavailable" in answer.body


def test_reset_closes_the_connection_without_a_response_and_does_nothing(opensearch: Emulated) -> None:
    opensearch.domain.inject(Fault(method="PUT", path=SNAPSHOT_PATH, kind="reset"))
    with pytest.raises(requests.ConnectionError):
        take(opensearch.api)
    assert opensearch.domain.snapshot(REPO, "nightly-1") is None
    assert opensearch.domain.requests[-1].status == 0


def test_reset_after_applies_the_request_before_dropping_the_connection(opensearch: Emulated) -> None:
    opensearch.domain.inject(Fault(method="PUT", path=SNAPSHOT_PATH, kind="reset_after"))
    with pytest.raises(requests.ConnectionError):
        take(opensearch.api)
    assert opensearch.domain.snapshot(REPO, "nightly-1") is not None


@pytest.mark.parametrize(
    ("engine", "version", "status", "reason"),
    [
        ("elasticsearch", "7.4.2", 503, f"[{REPO}:nightly-1]  a snapshot is already running"),
        (
            "opensearch",
            "2.11.0",
            503,
            (
                f"[{REPO}:nightly-1] Cannot start another operation, already running [1000] operations and the current "
                "limit for concurrent snapshot operations is set to [1000]"
            ),
        ),
        (
            "opensearch",
            "3.1.0",
            409,
            (
                f"[{REPO}:nightly-1] Cannot start another operation, already running [1000] operations and the current "
                "limit for concurrent snapshot operations is set to [1000]"
            ),
        ),
    ],
)
def test_concurrent_answers_the_versions_status_and_reason(engine: str, version: str, status: int, reason: str) -> None:
    with emulated(engine, version) as run:
        run.domain.inject(Fault(method="PUT", path=SNAPSHOT_PATH, kind="concurrent"))
        answer = run.api.put(f"/_snapshot/{REPO}/nightly-1", {})
        assert (answer.status, answer.error_type, answer.reason) == (
            status,
            "concurrent_snapshot_execution_exception",
            reason,
        )
        assert answer.json["status"] == status
        assert run.domain.snapshot(REPO, "nightly-1") is None


def test_forbidden_fgac_names_the_action_of_the_request(opensearch: Emulated) -> None:
    opensearch.domain.inject(Fault(method="PUT", kind="forbidden_fgac"))
    answer = opensearch.api.put(f"/_snapshot/{REPO}", {"type": "s3", "settings": {"bucket": "b"}})
    assert answer.status == 403
    assert answer.error_type == "security_exception"
    assert answer.reason is not None
    assert answer.reason.startswith("no permissions for [cluster:admin/repository/put] and User [name=arn:aws:iam::")


def test_forbidden_passrole_is_amazons_message_naming_the_role_of_the_body(opensearch: Emulated) -> None:
    opensearch.domain.inject(Fault(method="PUT", kind="forbidden_passrole"))
    role = "arn:aws:iam::123456789012:role/TheSnapshotRole"
    answer = opensearch.api.put(f"/_snapshot/{REPO}", {"type": "s3", "settings": {"bucket": "b", "role_arn": role}})
    assert answer.status == 403
    message = answer.json["Message"]
    assert "is not authorized to perform: iam:PassRole on resource: " + role in message


def test_a_fault_hits_only_matching_requests_and_is_spent_after_times(opensearch: Emulated) -> None:
    # Given a throttle for the next two GETs of one snapshot
    opensearch.domain.add_snapshot(REPO, "nightly-1")
    opensearch.domain.inject(Fault(method="GET", path=SNAPSHOT_PATH, kind="throttle", times=2))
    # When other requests come first, then three GETs of the snapshot
    assert opensearch.api.get("/").status == 200
    assert opensearch.api.delete(f"/_snapshot/{REPO}/nope-*").status == 200
    statuses = [opensearch.api.get(f"/_snapshot/{REPO}/nightly-1").status for _ in range(3)]
    # Then only the two matching GETs were throttled
    assert statuses == [429, 429, 200]
    assert opensearch.domain.pending_faults == []


def test_faults_hit_after_the_signature_check() -> None:
    # An unsigned request is refused by the front end and does not consume a fault meant for the client
    from tests.emulator import EmulatorCredentials

    domain = EmulatedDomain(credentials=EmulatorCredentials.testing())
    domain.inject(Fault(kind="gateway_timeout_before"))
    with serve(domain) as server:
        assert requests.get(server.endpoint + "/", timeout=5).status_code == 403
    assert len(domain.pending_faults) == 1


def test_unknown_fault_kinds_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown fault kind"):
        Fault(kind="slow")
