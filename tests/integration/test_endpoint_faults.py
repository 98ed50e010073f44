"""An endpoint that is not the domain's API is named for what it is, over real sockets on 127.0.0.1:
an HTML page answered with 200, a name that does not resolve, a refused connection, a TLS failure.
Each is its own error class (the name Step Functions and the alert show); only the refused
connection is retried, because only it can be a restart in front of the domain."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import requests

from snapshot_sentinel import errors
from snapshot_sentinel.client import DomainClient
from tests.emulator import EmulatedDomain, Fault, serve
from tests.support.stack import RehearsalStack, VirtualClock

NOW = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)


def client(endpoint: str) -> DomainClient:
    """The client sends each request once; whether an error is retried is the state machine's
    business, by its name being in errors.TRANSIENT_ERRORS."""
    return DomainClient(endpoint, requests.Session(), connect_timeout=2, read_timeout=5)


@pytest.fixture
def domain() -> EmulatedDomain:
    emulated = EmulatedDomain(engine="opensearch", version="2.11.0", credentials=None, clock=lambda: NOW)
    emulated.register_repository("nightly-backups", bucket="b")
    return emulated


@pytest.fixture
def endpoint(domain: EmulatedDomain) -> Iterator[str]:
    with serve(domain, port=0) as server:
        yield server.endpoint


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_a_200_html_page_is_not_the_domains_api(domain: EmulatedDomain, endpoint: str) -> None:
    domain.inject(Fault(kind="html_page", times=5))

    with pytest.raises(errors.EndpointNotApiError) as raised:
        client(endpoint).get_snapshot("nightly-backups", "nightly-1")

    message = str(raised.value)
    assert message.startswith(
        "the endpoint answered HTML, not the domain's API: check DomainEndpoint and any proxy in front"
    )
    assert "GET /_snapshot/nightly-backups/nightly-1 returned 200 text/html titled 'Sign in - Corporate Proxy'" in (
        message
    )
    assert not isinstance(raised.value, errors.TRANSIENT_ERRORS), "a page instead of the API is not retried"
    assert "<form" not in message and "password" not in message


def test_a_200_body_that_is_not_json_names_its_content_type() -> None:
    class PlainText(requests.Session):
        def request(self, method, url, **kwargs):  # type: ignore[no-untyped-def, override]
            response = requests.Response()
            response.status_code = 200
            response._content = b"OK"
            response.headers["Content-Type"] = "text/plain; charset=utf-8"
            return response

    with pytest.raises(errors.EndpointNotApiError, match=r"answered text/plain \(not JSON\), not the domain's API"):
        DomainClient("https://proxy.example", PlainText()).engine_version()


def test_a_name_that_does_not_resolve() -> None:

    with pytest.raises(errors.EndpointNotResolvedError) as raised:
        client("https://nonexistent.invalid").engine_version()

    assert str(raised.value).startswith(
        "the name nonexistent.invalid does not resolve (DNS): check DomainEndpoint for a typo or a deleted domain"
    )
    assert not isinstance(raised.value, errors.TRANSIENT_ERRORS), "DNS failures are not transient"


def test_a_refused_connection_is_retried_then_named() -> None:
    port = closed_port()

    with pytest.raises(errors.EndpointRefusedError) as raised:
        client(f"http://127.0.0.1:{port}").engine_version()

    assert str(raised.value).startswith(f"127.0.0.1:{port} refused the connection during GET /: nothing listens there")
    assert isinstance(raised.value, errors.DomainConnectionError)
    assert isinstance(raised.value, errors.TRANSIENT_ERRORS), "retried like any lost connection"


def test_https_spoken_to_a_plain_http_port_is_a_tls_failure(endpoint: str) -> None:
    port = endpoint.rsplit(":", 1)[1]

    with pytest.raises(errors.EndpointTlsError) as raised:
        client(f"https://127.0.0.1:{port}").engine_version()

    message = str(raised.value)
    assert message.startswith(f"the TLS handshake with 127.0.0.1:{port} failed (")
    assert "check DomainEndpoint's scheme (https:// for Amazon OpenSearch Service)" in message
    assert not isinstance(raised.value, errors.TRANSIENT_ERRORS)


def test_a_run_against_an_unresolvable_endpoint_alerts_with_the_fault_once() -> None:
    with RehearsalStack("https://nonexistent.invalid", clock=VirtualClock(NOW)) as stack:
        run = stack.run({})

    assert run.status == "FAILED"
    # The run's first call to the domain makes sure of the repository
    assert [i.error for i in run.calls("EnsureRepositoryFunction")] == ["EndpointNotResolvedError"], "not retried"
    [alert] = run.alerts
    assert "EndpointNotResolvedError" in alert["email"]
    assert "the name nonexistent.invalid does not resolve (DNS)" in alert["email"]


def test_a_run_against_an_html_portal_alerts_with_the_fault(domain: EmulatedDomain, endpoint: str) -> None:
    domain.inject(Fault(kind="html_page", times=100))
    with RehearsalStack(endpoint, clock=VirtualClock(NOW)) as stack:
        run = stack.run({})

    assert run.status == "FAILED"
    assert [i.error for i in run.calls("EnsureRepositoryFunction")] == ["EndpointNotApiError"]
    [alert] = run.alerts
    assert (
        "the endpoint answered HTML, not the domain's API: check DomainEndpoint and any proxy in front"
        in (alert["email"])
    )
