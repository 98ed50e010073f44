"""Every module logs through the one Powertools logger: INFO lines survive and carry the keys a
handler appended (domain, snapshot, execution), whichever module wrote them."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import requests

from snapshot_sentinel.client import DomainClient
from snapshot_sentinel.observability import logger
from snapshot_sentinel.repository.cfn_response import CustomResourceRequest, Responder
from snapshot_sentinel.retention.apply import apply_retention
from snapshot_sentinel.retention.plan import RetentionPolicy
from tests.emulator import EmulatedDomain, serve

NOW = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)
EXECUTION = "arn:aws:states:us-east-1:123456789012:execution:BackupStateMachine:nightly"


@pytest.fixture
def log_lines() -> Iterator[list[dict[str, Any]]]:
    """The JSON lines the shared logger writes (as CloudWatch Logs would receive them), at DEBUG."""
    stream = io.StringIO()
    handler = logger.registered_handler
    previous_stream, previous_level = handler.stream, logger.log_level
    handler.setStream(stream)
    logger.setLevel("DEBUG")
    logger.append_keys(domain="prod-search", snapshot="nightly-2026-11-28t02-00-00z", execution=EXECUTION)
    lines: list[dict[str, Any]] = []
    yield lines
    handler.setStream(previous_stream)
    logger.setLevel(previous_level)
    logger.remove_keys(["domain", "snapshot", "execution"])


def _read(lines: list[dict[str, Any]]) -> None:
    stream = logger.registered_handler.stream
    lines.extend(json.loads(line) for line in stream.getvalue().splitlines() if line.strip())


def test_client_and_retention_lines_carry_the_appended_keys(log_lines: list[dict[str, Any]]) -> None:
    domain = EmulatedDomain(engine="opensearch", version="2.11.0", credentials=None, clock=lambda: NOW)
    domain.register_repository("sentinel", bucket="b")
    with serve(domain, port=0) as server:
        client = DomainClient(server.endpoint, requests.Session())
        apply_retention(
            client,
            "sentinel",
            RetentionPolicy(prefix="nightly", stack_name="prod", days=14, min_count=7),
            now=NOW,
            protect=frozenset(),
            dry_run=False,
            budget_seconds=60,
        )
    _read(log_lines)

    by_message = {line["message"]: line for line in log_lines}
    assert "domain answered" in by_message, "the client's DEBUG line reached the shared handler"
    assert "retention planned" in by_message, "retention's INFO line reached the shared handler"
    for message in ("domain answered", "retention planned"):
        line = by_message[message]
        assert line["domain"] == "prod-search"
        assert line["snapshot"] == "nightly-2026-11-28t02-00-00z"
        assert line["execution"] == EXECUTION
        assert line["service"] == "snapshot-sentinel"


def test_a_custom_resource_answer_is_logged_with_the_keys_and_without_its_url(
    log_lines: list[dict[str, Any]],
) -> None:
    class Accepting(requests.Session):
        def put(self, url: Any, data: Any = None, **kwargs: Any) -> requests.Response:  # type: ignore[override]
            response = requests.Response()
            response.status_code = 200
            return response

    request = CustomResourceRequest.from_event(
        {
            "RequestType": "Create",
            "ResponseURL": "https://cloudformation-custom-resource-response.example/presigned?X-Amz-Signature=abc",
            "StackId": "arn:aws:cloudformation:us-east-1:123456789012:stack/s/1",
            "RequestId": "r-1",
            "LogicalResourceId": "SnapshotRepository",
            "ResourceProperties": {},
        }
    )
    Responder(request, Accepting(), sleep=lambda _: None).answer("SUCCESS", "ok", "sentinel")
    _read(log_lines)

    answered = [line for line in log_lines if line["message"] == "answered CloudFormation"]
    assert answered and answered[0]["domain"] == "prod-search" and answered[0]["status"] == "SUCCESS"
    assert "X-Amz-Signature" not in json.dumps(log_lines)


def test_the_modules_hold_no_logger_of_their_own() -> None:
    # The stdlib loggers the modules used had no handler and the root logger's WARNING level: the
    # shared logger is what sets INFO, so the modules must not hold loggers of their own.
    import snapshot_sentinel.client as client
    import snapshot_sentinel.repository.cfn_response as cfn_response
    import snapshot_sentinel.retention.apply as retention_apply

    for module in (client, retention_apply, cfn_response):
        assert module.logger is logger, module.__name__
