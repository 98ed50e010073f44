"""The ApplyRetention Lambda handler, signed with the function's credentials, against the emulated domain."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from functions.apply_retention import app
from snapshot_sentinel.errors import InvalidInputError
from snapshot_sentinel.ownership import TAKEN_BY
from snapshot_sentinel.retention.apply import RESERVE_SECONDS
from tests.emulator import SUCCESS, EmulatedDomain, EmulatorCredentials, serve
from tests.support.constants import REGION
from tests.support.lambda_runtime import FakeLambdaContext
from tests.support.snapshots import names, nightly

REPO = "sentinel"
STACK = "prod-backups"
EVENTS = Path(__file__).resolve().parents[2] / "events" / "apply_retention"
TAKEN = "nightly-2026-11-28t02-00-00z"


@pytest.fixture
def lambda_context() -> FakeLambdaContext:
    """ApplyRetentionFunction's context as an invocation starts: its whole 900 s timeout ahead."""
    return FakeLambdaContext("ApplyRetentionFunction", seconds_left=900)


@pytest.fixture
def domain(handler_env: Callable[..., dict[str, str]]) -> Iterator[EmulatedDomain]:
    credentials = EmulatorCredentials.testing()
    emulated = EmulatedDomain(engine="opensearch", version="2.11.0", region=REGION, credentials=credentials)
    emulated.register_repository(REPO, bucket="sentinel-snapshots")
    now = datetime.now(UTC)
    metadata = {"taken_by": TAKEN_BY, "stack": STACK, "execution_id": "arn:aws:states:::execution:x"}
    for day in range(1, 31):
        emulated.add_snapshot(
            REPO,
            nightly(now, day, hour=3)[0],
            state=SUCCESS,
            start_time=now - timedelta(days=day, hours=-1),
            metadata=metadata,
        )
    emulated.add_snapshot(REPO, TAKEN, start_time=now - timedelta(days=400), metadata=metadata)
    with serve(emulated, port=0) as server:
        handler_env(
            endpoint=server.endpoint,
            credentials=credentials,
            REPOSITORY_NAME=REPO,
            SNAPSHOT_PREFIX="nightly",
            STACK_NAME=STACK,
            RETENTION_DAYS="14",
            RETENTION_MIN_COUNT="7",
            RETENTION_MAX_COUNT="0",
            RETENTION_TIME_BUDGET_SECONDS="600",
        )
        yield emulated


def sample(name: str) -> dict[str, Any]:
    event: dict[str, Any] = json.loads((EVENTS / f"{name}.json").read_text())
    return event


def test_after_a_snapshot_the_handler_prunes_and_returns_the_report(
    lambda_context: FakeLambdaContext, domain: EmulatedDomain
) -> None:
    # Given 30 daily snapshots and this run's snapshot (with an odd start time far in the past)
    # When the state machine invokes the handler with the sample event
    result = app.lambda_handler(sample("after_snapshot"), lambda_context)

    # Then the 16 snapshots older than 14 days are deleted, this run's snapshot is protected,
    # and the result is a plain JSON document
    assert TAKEN in names(domain, REPO)
    now = datetime.now(UTC)
    assert names(domain, REPO) - {TAKEN} == {nightly(now, d, hour=3)[0] for d in range(1, 15)}
    assert result["totals"]["deleted"] == 16
    assert result["protected"] == [TAKEN]
    assert json.loads(json.dumps(result)) == result


def test_a_retention_only_run_protects_nothing_but_the_rules(
    lambda_context: FakeLambdaContext, domain: EmulatedDomain
) -> None:
    result = app.lambda_handler(sample("retention_only"), lambda_context)

    assert result["protected"] == []
    assert TAKEN not in names(domain, REPO)
    assert result["totals"]["deleted"] == 17


def test_a_dry_run_event_deletes_nothing(lambda_context: FakeLambdaContext, domain: EmulatedDomain) -> None:
    before = names(domain, REPO)

    result = app.lambda_handler(sample("dry_run"), lambda_context)

    assert names(domain, REPO) == before
    assert result["dry_run"] is True
    assert len(result["would_delete"]) == 16
    assert not any(r.method == "DELETE" for r in domain.requests)


def test_a_lambda_nearly_out_of_time_deletes_nothing_and_reports_it(domain: EmulatedDomain) -> None:
    # Given less time left than the handler keeps in reserve for one more request and the report
    context = FakeLambdaContext(function_name="ApplyRetentionFunction", seconds_left=RESERVE_SECONDS - 1)

    result = app.lambda_handler(sample("after_snapshot"), context)

    assert not any(r.method == "DELETE" for r in domain.requests)
    assert result["totals"]["not_reached"] == 16
    assert "time budget" in result["stopped_because"]


@pytest.mark.parametrize(
    "event",
    [{"snapshot_name": 7, "dry_run": False}, {"snapshot_name": None, "dry_run": "yes"}],
    ids=["name-not-a-string", "dry-run-not-a-bool"],
)
def test_a_malformed_event_is_refused_before_touching_the_domain(
    lambda_context: FakeLambdaContext, domain: EmulatedDomain, event: dict[str, Any]
) -> None:
    with pytest.raises(InvalidInputError):
        app.lambda_handler(event, lambda_context)

    assert domain.requests == []
