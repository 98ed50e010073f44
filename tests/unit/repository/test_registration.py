"""The repository registration's pure parts: properties in, settings out, and the words a failed
deploy shows a person."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest
import requests
from hypothesis import given, settings
from hypothesis import strategies as st

from snapshot_sentinel import errors
from snapshot_sentinel.client import error_from_response
from snapshot_sentinel.repository.advice import explain
from snapshot_sentinel.repository.cfn_response import (
    MAX_RESPONSE_BYTES,
    CustomResourceRequest,
    Responder,
    response_body,
)
from snapshot_sentinel.repository.input import RepositoryRegistration, check_repository_name
from tests.support.cfn_inbox import cloudformation_inbox

ROLE = "arn:aws:iam::123456789012:role/stack-SnapshotRole-X"
PROPERTIES = {
    "ServiceToken": "arn:aws:lambda:us-east-1:123456789012:function:f",
    "RepositoryName": "nightly-backups",
    "Bucket": "backups",
    "Region": "us-east-1",
    "RoleArn": ROLE,
    "BasePath": "",
    "ReadOnly": "false",
}
REGISTRATION = RepositoryRegistration.from_properties(PROPERTIES)


def request(url: str = "http://127.0.0.1:9/x", **overrides: Any) -> CustomResourceRequest:
    event = {
        "RequestType": "Create",
        "ResponseURL": url,
        "StackId": "arn:aws:cloudformation:us-east-1:123456789012:stack/s/1",
        "RequestId": "r-1",
        "LogicalResourceId": "SnapshotRepository",
        "ResourceProperties": PROPERTIES,
        **overrides,
    }
    return CustomResourceRequest.from_event(event)


# ------------------------------------------------------------------------------ properties -> settings


def test_settings_follow_the_aws_guide_with_sse_s3() -> None:
    assert REGISTRATION.body() == {
        "type": "s3",
        "settings": {"bucket": "backups", "region": "us-east-1", "role_arn": ROLE, "server_side_encryption": True},
    }


def test_base_path_and_read_only_are_added_only_when_asked() -> None:
    registration = RepositoryRegistration.from_properties({**PROPERTIES, "BasePath": "/prod/", "ReadOnly": "true"})
    assert registration.settings()["base_path"] == "prod"
    assert registration.settings()["readonly"] is True


@pytest.mark.parametrize("missing", ["Bucket", "Region", "RoleArn"])
def test_a_registration_without_bucket_region_or_role_is_refused(missing: str) -> None:
    with pytest.raises(errors.InvalidRegistrationError, match=missing):
        RepositoryRegistration.from_properties({**PROPERTIES, missing: ""})


def test_read_only_must_be_true_or_false() -> None:
    with pytest.raises(errors.InvalidRegistrationError, match="ReadOnly"):
        RepositoryRegistration.from_properties({**PROPERTIES, "ReadOnly": "yes please"})


@pytest.mark.parametrize("name", ["cs-automated", "cs-anything", "CS-upper", "", "_all", "a b", "a,b", "a#b", "a/b"])
def test_reserved_and_invalid_repository_names_are_refused(name: str) -> None:
    with pytest.raises(errors.InvalidRegistrationError):
        check_repository_name(name)


@pytest.mark.parametrize("name", ["nightly-backups", "prod.snapshots_2", "css-backups", "cs"])
def test_ordinary_repository_names_pass(name: str) -> None:
    check_repository_name(name)


# ------------------------------------------------------------------------------ already registered?


def test_settings_echoed_as_strings_match_the_desired_ones() -> None:
    echoed = {
        "type": "s3",
        "settings": {"bucket": "backups", "region": "us-east-1", "role_arn": ROLE, "server_side_encryption": "true"},
    }
    assert REGISTRATION.matches(echoed)


def test_an_explicit_false_readonly_is_the_same_as_none() -> None:
    echoed = {"type": "s3", "settings": {**REGISTRATION.settings(), "readonly": "false"}}
    assert REGISTRATION.matches(echoed)


@pytest.mark.parametrize(
    "registered",
    [
        None,
        {"type": "fs", "settings": {"location": "/mnt"}},
        {"type": "s3", "settings": {**REGISTRATION.settings(), "bucket": "other"}},
        {"type": "s3", "settings": {**REGISTRATION.settings(), "readonly": "true"}},
        {"type": "s3", "settings": {**REGISTRATION.settings(), "compress": "true"}},
        {"type": "s3", "settings": {"bucket": "backups", "endpoint": "s3.amazonaws.com", "role_arn": ROLE}},
    ],
)
def test_any_other_registration_is_replaced(registered: dict[str, Any] | None) -> None:
    assert not REGISTRATION.matches(registered)


# ------------------------------------------------------------------------------ explanations


def domain_error(status: int, body: dict[str, Any]) -> errors.DomainError:
    return error_from_response(status, json.dumps(body).encode())


def test_an_expired_token_is_explained_as_a_refused_signed_request() -> None:
    error = domain_error(403, {"message": "The security token included in the request is expired"})
    reason = explain(error, REGISTRATION, "https://search-x.es.amazonaws.com")
    assert "refused this function's signed request" in reason
    assert "is expired" in reason


def test_a_domain_access_policy_denial_points_at_domain_arn_and_the_policy() -> None:
    error = domain_error(
        403, {"Message": "User: arn:aws:sts::1:assumed-role/r/s is not authorized to perform: es:ESHttpPut"}
    )
    reason = explain(error, REGISTRATION, "https://search-x.es.amazonaws.com")
    assert "DomainArn" in reason
    assert "access policy" in reason


def test_a_name_the_domain_refuses_suggests_another_name() -> None:
    error = domain_error(
        500,
        {
            "error": {
                "type": "repository_exception",
                "reason": '[a|b] must not contain the following characters [ , ", *, \\, <, |, ,, >, /, ?]',
            },
            "status": 500,
        },
    )
    assert "choose another RepositoryName" in explain(error, REGISTRATION, "e")


def test_a_busy_domain_says_to_deploy_again_later() -> None:
    error = domain_error(
        429, {"error": {"type": "rejected_execution_exception", "reason": "queue full"}, "status": 429}
    )
    assert "deploy again later" in explain(error, REGISTRATION, "https://e")


def test_domain_reasons_are_quoted_but_bounded() -> None:
    error = errors.DomainRequestError("x" * 5000, status=500)
    assert len(explain(error, REGISTRATION, "e")) < 1000


# ------------------------------------------------------------------------------ the cfn-response protocol


def test_a_non_cloudformation_event_is_refused() -> None:
    with pytest.raises(errors.InvalidRegistrationError, match="ResponseURL"):
        CustomResourceRequest.from_event({"RequestType": "Create"})


def test_an_unknown_request_type_is_refused() -> None:
    with pytest.raises(errors.InvalidRegistrationError, match="Rollback"):
        request(RequestType="Rollback")


def test_the_response_url_never_shows_in_the_requests_repr() -> None:
    assert "X-Amz-Signature" not in repr(request(url="https://s3/x?X-Amz-Signature=secret"))


@settings(max_examples=200, deadline=None)
@given(
    reason=st.text(max_size=3000) | st.text(alphabet="éü中😀 a", min_size=600, max_size=3000),
    data=st.dictionaries(st.sampled_from(["RepositoryName", "Changed", "DomainName"]), st.text(max_size=300)),
    physical_id=st.text(max_size=200),
)
def test_the_answer_fits_4_kb_in_bytes_whatever_the_reason_holds(
    reason: str, data: dict[str, str], physical_id: str
) -> None:
    """Non-ASCII is escaped to 6 bytes a character (12 outside the BMP): clipping counts bytes."""
    body = response_body(request(), "FAILED", reason, physical_id, data)

    sent = json.dumps(body).encode()
    assert len(sent) <= MAX_RESPONSE_BYTES
    if body["Reason"] != reason:
        assert body["Reason"].endswith("…")
        assert reason.startswith(body["Reason"][:-1])
        assert len(sent) > MAX_RESPONSE_BYTES - 12 - len(json.dumps("…"))  # nothing more would have fitted
    if body["Data"] != data:
        assert body["Data"] == {}


def test_a_reason_of_1500_non_ascii_characters_is_clipped_to_fit() -> None:
    # Given a domain's reason in Chinese (what the old 1,500-character cut let through at 9 KB)
    body = response_body(request(), "FAILED", "仓库无法访问" * 250, "nightly-backups", {"RepositoryName": "x"})

    assert len(json.dumps(body).encode()) <= MAX_RESPONSE_BYTES
    assert body["Data"] == {"RepositoryName": "x"}
    assert body["Reason"].startswith("仓库无法访问") and body["Reason"].endswith("…")


def test_a_huge_reason_is_clipped_so_cloudformation_accepts_the_answer() -> None:
    body = response_body(request(), "FAILED", "why " * 5000, "nightly-backups", {"RepositoryName": "n" * 5000})
    assert len(json.dumps(body).encode()) <= MAX_RESPONSE_BYTES
    assert body["Reason"].endswith("…")


def test_only_the_first_answer_is_sent_however_many_threads_answer() -> None:
    with cloudformation_inbox() as inbox:
        responder = Responder(request(url=inbox.url), requests.Session())
        threads = [
            threading.Thread(target=responder.answer, args=("FAILED" if i % 2 else "SUCCESS", f"answer {i}", "p"))
            for i in range(8)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert inbox.only_answer == responder.sent


def test_an_answer_refused_once_is_sent_again() -> None:
    with cloudformation_inbox() as inbox:
        inbox.refuse_next = 1
        waits: list[float] = []
        Responder(request(url=inbox.url), requests.Session(), sleep=waits.append).answer("SUCCESS", "ok", "p")
        assert inbox.only_answer["Status"] == "SUCCESS"
        assert waits == [1.0]
