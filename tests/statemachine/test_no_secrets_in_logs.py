"""No credential, token or signature reaches a log line, even at DEBUG, even when a run fails."""

from __future__ import annotations

import logging

import pytest

from snapshot_sentinel.observability import logger as sentinel_logger
from tests.emulator import Fault, SnapshotProgress
from tests.support.constants import REPOSITORY


@pytest.fixture
def debug_logs(caplog):
    previous = sentinel_logger.log_level
    sentinel_logger.setLevel("DEBUG")
    caplog.set_level(logging.DEBUG)
    yield caplog
    sentinel_logger.setLevel(previous)


def test_a_failing_run_at_debug_logs_no_secret(stack, domain, credentials, debug_logs, capsys):
    domain.progress = SnapshotProgress(
        polls=2, outcome="PARTIAL", failures=({"index": "logs-2026.11.27", "shard_id": 0},)
    )
    domain.inject(Fault(method="PUT", path=rf"^/_snapshot/{REPOSITORY}/", kind="gateway_timeout_after", times=1))

    run = stack.run({})

    assert run.status == "FAILED"
    captured = capsys.readouterr()
    logged = captured.out + captured.err + "\n".join(r.getMessage() for r in debug_logs.records)
    assert "snapshot checked" in logged, "the DEBUG capture saw the handlers' logs"
    for secret in (credentials.secret_key, credentials.session_token, "Signature=", "X-Amz-Security-Token"):
        assert secret and secret not in logged
