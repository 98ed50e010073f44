"""The emulator's SigV4 front end: accepts what Amazon accepts, refuses what it refuses, with its bodies."""

from __future__ import annotations

import json
from collections.abc import Iterator
from urllib.parse import quote, urlencode

import pytest
import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from requests_aws4auth import AWS4Auth

from tests.emulator import EmulatedDomain, EmulatorCredentials, EmulatorServer, serve

CREDS = EmulatorCredentials.testing()
REPO = "nightly-backups"
SIGNATURE_MISMATCH = "The request signature we calculated does not match the signature you provided."
INVALID_TOKEN = "The security token included in the request is invalid."

# (method, path as the client sends it, query, body): the shapes our client and users send.
SIGNED_REQUESTS = [
    ("GET", "/", {}, None),
    (
        "PUT",
        f"/_snapshot/{REPO}",
        {"verify": "true"},
        {"type": "s3", "settings": {"bucket": "b", "region": "us-east-1"}},
    ),
    ("PUT", f"/_snapshot/{REPO}/nightly-3", {"wait_for_completion": "false"}, {"indices": "logs-*,-.kibana*"}),
    ("GET", f"/_snapshot/{REPO}/nightly-1,nightly-2", {}, None),
    ("GET", f"/_snapshot/{REPO}/nightly-*", {}, None),
    (
        "GET",
        f"/_snapshot/{REPO}/_all",
        {
            "ignore_unavailable": "true",
            "filter_path": "snapshots.snapshot,snapshots.uuid,snapshots.state,snapshots.start_time_in_millis",
        },
        None,
    ),
    ("PUT", f"/_snapshot/{REPO}/%3Cnightly-%7Bnow%2Fd%7D%3E", {}, None),
    ("DELETE", f"/_snapshot/{REPO}/nightly-1,nightly-2", {}, None),
    ("POST", f"/_snapshot/{REPO}/_verify", {}, None),
]


@pytest.fixture
def server() -> Iterator[EmulatorServer]:
    domain = EmulatedDomain(credentials=CREDS)
    domain.register_repository(REPO, bucket="b")
    domain.add_snapshot(REPO, "nightly-1")
    domain.add_snapshot(REPO, "nightly-2")
    with serve(domain) as running:
        yield running


def aws4auth(
    access_key: str = CREDS.access_key,
    secret_key: str = CREDS.secret_key,
    region: str = "us-east-1",
    service: str = "es",
    session_token: str | None = CREDS.session_token,
) -> AWS4Auth:
    return AWS4Auth(access_key, secret_key, region, service, session_token=session_token)


def send_with_aws4auth(
    server: EmulatorServer, method: str, path: str, query: dict[str, str], body: object, auth: AWS4Auth | None
) -> requests.Response:
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Content-Type": "application/json"} if data else {}
    return requests.request(
        method, server.endpoint + path, params=query, data=data, headers=headers, auth=auth, timeout=5
    )


def send_with_botocore(
    server: EmulatorServer, method: str, path: str, raw_query: str, body: bytes, *, region: str = "us-east-1"
) -> requests.Response:
    url = server.endpoint + path + (f"?{raw_query}" if raw_query else "")
    headers = {"Content-Type": "application/json"} if body else {}
    request = AWSRequest(method=method, url=url, data=body, headers=headers)
    SigV4Auth(Credentials(CREDS.access_key, CREDS.secret_key, CREDS.session_token), "es", region).add_auth(request)
    return requests.request(method, url, data=body, headers=dict(request.headers.items()), timeout=5)


@pytest.mark.parametrize(("method", "path", "query", "body"), SIGNED_REQUESTS)
def test_requests_signed_by_aws4auth_with_a_session_token_are_accepted(
    server: EmulatorServer, method: str, path: str, query: dict[str, str], body: object
) -> None:
    # Given the signer our client uses (requests-aws4auth, session credentials)
    # When a request is signed and sent the way requests sends it
    response = send_with_aws4auth(server, method, path, query, body, aws4auth())
    # Then the front end lets it through to the engine
    assert response.status_code == 200, response.text


@pytest.mark.parametrize(("method", "path", "query", "body"), SIGNED_REQUESTS)
def test_requests_signed_by_botocore_are_accepted(
    server: EmulatorServer, method: str, path: str, query: dict[str, str], body: object
) -> None:
    # Given a URL whose query is properly percent-encoded, as botocore expects of the URLs it signs
    raw_query = urlencode(query, quote_via=quote)
    data = json.dumps(body).encode() if body is not None else b""
    # When botocore's SigV4Auth signs it
    response = send_with_botocore(server, method, path, raw_query, data)
    # Then it verifies as well: botocore and requests-aws4auth canonicalize our requests identically
    assert response.status_code == 200, response.text


def test_a_comma_left_raw_in_a_query_signed_by_botocore_is_refused_as_amazon_refuses_it(
    server: EmulatorServer,
) -> None:
    # Given botocore fed a URL whose query holds a literal comma (botocore signs a URL's query verbatim)
    # When it is sent
    response = send_with_botocore(
        server, "GET", f"/_snapshot/{REPO}/_all", "filter_path=snapshots.snapshot,snapshots.uuid", b""
    )
    # Then the front end, which canonicalizes the comma as %2C, computes another signature
    assert response.status_code == 403
    assert response.json()["message"].startswith(SIGNATURE_MISMATCH)
    assert "filter_path=snapshots.snapshot%2Csnapshots.uuid" in response.json()["message"]


@pytest.mark.parametrize(
    ("auth", "message"),
    [
        (aws4auth(secret_key="not-the-secret"), SIGNATURE_MISMATCH),
        (aws4auth(session_token=None), INVALID_TOKEN),
        (aws4auth(session_token="a-stale-token"), INVALID_TOKEN),
        (aws4auth(access_key="ASIAUNKNOWNKEY000000"), INVALID_TOKEN),
        (aws4auth(region="us-west-2"), "Credential should be scoped to a valid region, not 'us-west-2'. "),
        (aws4auth(service="aoss"), "Credential should be scoped to correct service: 'es'. "),
    ],
    ids=["wrong-secret", "missing-token", "wrong-token", "unknown-key", "wrong-region", "wrong-service"],
)
def test_badly_signed_requests_get_amazons_403_and_do_nothing(
    server: EmulatorServer, auth: AWS4Auth, message: str
) -> None:
    # Given a request signed with something the domain does not trust
    # When it asks to take a snapshot
    response = send_with_aws4auth(server, "PUT", f"/_snapshot/{REPO}/nightly-3", {}, {"indices": "*"}, auth)
    # Then Amazon's front end answers 403 {"message": ...} and the engine never sees it
    assert response.status_code == 403
    assert response.json()["message"].startswith(message)
    assert server.domain.snapshot(REPO, "nightly-3") is None


@pytest.mark.parametrize(("method", "action"), [("GET", "es:ESHttpGet"), ("DELETE", "es:ESHttpDelete")])
def test_unsigned_requests_are_anonymous_and_denied(server: EmulatorServer, method: str, action: str) -> None:
    # When a request arrives without any signature
    response = requests.request(method, f"{server.endpoint}/_snapshot/{REPO}/nightly-1", timeout=5)
    # Then the IAM denial names the anonymous user and the action, with Amazon's capital M
    assert response.status_code == 403
    assert response.json() == {"Message": f"User: anonymous is not authorized to perform: {action}"}
    assert server.domain.snapshot(REPO, "nightly-1") is not None


def test_a_body_changed_after_signing_breaks_the_signature(server: EmulatorServer) -> None:
    # Given a request signed over one body
    url = f"{server.endpoint}/_snapshot/{REPO}/nightly-3"
    signed = AWSRequest(
        method="PUT", url=url, data=b'{"indices":"logs-*"}', headers={"Content-Type": "application/json"}
    )
    SigV4Auth(Credentials(CREDS.access_key, CREDS.secret_key, CREDS.session_token), "es", "us-east-1").add_auth(signed)
    headers = {k: v for k, v in signed.headers.items() if k.lower() != "x-amz-content-sha256"}
    # When another body is sent under that signature
    response = requests.put(url, data=b'{"indices":"*"}', headers=headers, timeout=5)
    # Then the signature no longer matches
    assert response.status_code == 403
    assert response.json()["message"].startswith(SIGNATURE_MISMATCH)


def test_an_old_signature_has_expired(server: EmulatorServer) -> None:
    # Given a request signed (correctly) for a date long past
    response = requests.get(
        f"{server.endpoint}/", headers={"x-amz-date": "20200101T000000Z"}, auth=aws4auth(), timeout=5
    )
    # Then the front end refuses it as expired
    assert response.status_code == 403
    assert response.json()["message"].startswith("Signature expired: 20200101T000000Z is now earlier than")


def test_the_signature_is_checked_against_the_real_time_not_the_domains_clock() -> None:
    # Given a domain whose clock says it is years ago (as retention and state machine tests set it)
    from datetime import UTC, datetime

    domain = EmulatedDomain(credentials=CREDS, clock=lambda: datetime(2020, 1, 1, tzinfo=UTC))
    with serve(domain) as running:
        # When a freshly signed request arrives
        response = requests.get(f"{running.endpoint}/", auth=aws4auth(), timeout=5)
    # Then it is accepted
    assert response.status_code == 200
