"""The take step on a red cluster: what it asks the engine for when a primary shard is not allocated."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from snapshot_sentinel import errors
from snapshot_sentinel.backup.steps import TakeRequest, take_snapshot

NOW = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)


class RedDomain:
    """Refuses a whole snapshot as OpenSearch does when an index has no allocated primary."""

    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []

    def create_snapshot(self, repository: str, name: str, body: dict[str, Any]) -> None:
        self.bodies.append(body)
        if not body.get("partial"):
            raise errors.PrimaryShardsUnallocatedError(
                f"[{repository}:{name}/u] Indices don't have primary shards [stuck]", status=500
            )


def request(*, partial_allowed: bool) -> TakeRequest:
    return TakeRequest(
        repository="nightly-backups",
        name="nightly-2026-11-28t02-00-00z",
        indices=None,
        stack_name="prod",
        execution_id="arn:aws:states:us-east-1:1:execution:BackupStateMachine:run-1",
        execution_start=NOW,
        partial_allowed=partial_allowed,
    )


def test_a_backup_asks_again_for_what_there_is_when_a_primary_is_not_allocated() -> None:
    domain = RedDomain()

    facts = take_snapshot(domain, request(partial_allowed=True), now=NOW, max_wait=timedelta(hours=8))  # type: ignore[arg-type]

    assert [body.get("partial") for body in domain.bodies] == [None, True]
    assert domain.bodies[1]["metadata"]["execution_id"].endswith("run-1")
    assert facts["duplicate_of"] is None and facts["state"] == "IN_PROGRESS"


def test_a_safety_snapshot_is_never_taken_in_part() -> None:
    domain = RedDomain()

    with pytest.raises(errors.PrimaryShardsUnallocatedError, match=r"primary shards \[stuck\]"):
        take_snapshot(domain, request(partial_allowed=False), now=NOW, max_wait=timedelta(hours=8))  # type: ignore[arg-type]

    assert len(domain.bodies) == 1
