"""Every error dialect the service speaks maps to the one exception the workflow acts on."""

import json

import pytest

from snapshot_sentinel import errors
from snapshot_sentinel.client import error_from_response


def envelope(error_type, reason, status, caused_by=None):
    error = {"root_cause": [{"type": error_type, "reason": reason}], "type": error_type, "reason": reason}
    if caused_by:
        error["caused_by"] = caused_by
    return status, json.dumps({"error": error, "status": status}).encode()


@pytest.mark.parametrize(
    ("response", "expected"),
    [
        (envelope("repository_missing_exception", "[nightly-backups] missing", 404), errors.RepositoryMissingError),
        (envelope("snapshot_missing_exception", "[r:s] is missing", 404), errors.SnapshotMissingError),
        (
            envelope("invalid_snapshot_name_exception", "[r:S] Invalid snapshot name [S], must be lowercase", 400),
            errors.InvalidSnapshotNameError,
        ),
        (
            envelope(
                "invalid_snapshot_name_exception",
                "[r:s] Invalid snapshot name [s], snapshot with the same name already exists",
                400,
            ),
            errors.SnapshotAlreadyExistsError,
        ),
        (
            envelope(
                "invalid_snapshot_name_exception",
                "[r:s] Invalid snapshot name [s], snapshot with the same name is already in-progress",
                400,
            ),
            errors.SnapshotAlreadyExistsError,
        ),
        (
            envelope("concurrent_snapshot_execution_exception", "[r:s]  a snapshot is already running", 503),
            errors.ConcurrentSnapshotError,
        ),
        (
            envelope(
                "concurrent_snapshot_execution_exception", "[r:s] cannot snapshot while a repository cleanup", 409
            ),
            errors.ConcurrentSnapshotError,
        ),
        (
            envelope("concurrent_snapshot_execution_exception", "[r:s]  a snapshot is already running", 429),
            errors.ConcurrentSnapshotError,
        ),
        (
            envelope("snapshot_exception", "[r:s/u] Indices don't have primary shards [stuck, red]", 500),
            errors.PrimaryShardsUnallocatedError,
        ),
        (envelope("snapshot_exception", "[r:s/u] some other snapshot failure", 500), errors.DomainRequestError),
        (envelope("rejected_execution_exception", "rejected execution", 429), errors.ThrottledError),
        (envelope("es_rejected_execution_exception", "rejected execution", 429), errors.ThrottledError),
        (envelope("process_cluster_event_timeout_exception", "failed to process", 503), errors.DomainUnavailableError),
        (
            envelope("security_exception", "no permissions for [cluster:admin/repository/put] and User [name=x]", 403),
            errors.AuthorizationError,
        ),
        (
            envelope(
                "illegal_state_exception", "trying to modify or unregister repository that is currently used", 500
            ),
            errors.RepositoryInUseError,
        ),
        (
            envelope(
                "repository_verification_exception",
                "[r] path [] is not accessible on master node",
                500,
                caused_by={"type": "amazon_s3_exception", "reason": "Access Denied (Service: Amazon S3)"},
            ),
            errors.RepositoryVerificationError,
        ),
        (
            envelope("illegal_argument_exception", "request contains unrecognized parameter", 400),
            errors.DomainRequestError,
        ),
        (
            (405, b'{"error":"Incorrect HTTP method for uri [/x] and method [GET], allowed: [POST]","status":405}'),
            errors.DomainRequestError,
        ),
        ((403, b'{"Message":"User: anonymous is not authorized to perform: es:ESHttpGet"}'), errors.AuthorizationError),
        ((403, b'{"message":"The security token included in the request is invalid."}'), errors.AuthorizationError),
        ((429, b'{"message":"Too Many Requests"}'), errors.ThrottledError),
        ((403, b"403 Request throttled due to too many requests"), errors.ThrottledError),
        ((504, b"<html><body><h1>504 Gateway Time-out</h1></body></html>"), errors.GatewayTimeoutError),
        ((504, b""), errors.GatewayTimeoutError),
        ((502, b"<html>Bad Gateway</html>"), errors.DomainUnavailableError),
        ((503, b""), errors.DomainUnavailableError),
        ((401, b"Unauthorized"), errors.AuthorizationError),
    ],
)
def test_each_dialect_maps_to_its_exception(response, expected):
    status, body = response

    error = error_from_response(status, body)

    assert type(error) is expected
    assert error.status == status


def test_the_innermost_cause_is_kept_in_the_reason():
    status, body = envelope(
        "repository_verification_exception",
        "[r] path [] is not accessible on master node",
        500,
        caused_by={"type": "amazon_s3_exception", "reason": "Access Denied (Service: Amazon S3; Status Code: 403)"},
    )

    error = error_from_response(status, body)

    assert "Access Denied" in error.reason
    assert error.error_type == "repository_verification_exception"


def test_an_html_gateway_page_is_not_quoted_back():
    error = error_from_response(504, b"<html><body>" + b"x" * 5000 + b"</body></html>")

    assert "<html>" not in str(error)
    assert "504" in str(error)
