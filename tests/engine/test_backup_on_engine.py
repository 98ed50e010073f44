"""Nightly backups against the domain itself: the real BackupStateMachine in moto, the real handlers,
and a real OpenSearch 2.19 behind Amazon's front (or the emulator). Each test asserts what the
domain then holds."""

from __future__ import annotations

import pytest

from tests.support.constants import REPOSITORY

DAY = 24 * 3600


def managed(domain):
    return {name: state for name, state in domain.snapshot_states(REPOSITORY).items() if name.startswith("nightly-")}


@pytest.mark.parametrize("parameters", [{"RetentionDays": 14, "RetentionMinCount": 2}])
def test_nightly_runs_snapshot_every_index_and_retention_prunes_the_oldest(stack, domain, clock):
    domain.create_index("orders", shards=2, docs=120, aliases=["orders-live"])
    domain.create_index("logs-2026.11.28", docs=40)

    first = stack.run({})
    clock.advance(DAY)
    second = stack.run({})
    clock.advance(15 * DAY)  # every snapshot is now older than RetentionDays
    third = stack.run({})

    for run in (first, second, third):
        assert run.status == "SUCCEEDED", run.cause
        assert run.alerts == []
    names = [run.output["snapshot"]["name"] for run in (first, second, third)]
    assert managed(domain) == {names[1]: "SUCCESS", names[2]: "SUCCESS"}, "the two newest stay, the oldest went"
    assert third.output["retention"]["totals"]["deleted"] == 1
    assert domain.count("orders") == 120 and domain.aliases("orders") == {"orders-live"}
    assert domain.health("orders") == "green"


def test_an_index_whose_primary_cannot_be_allocated_leaves_the_others_backed_up_and_says_which(stack, domain):
    domain.create_index("orders", docs=50)
    domain.create_index("stuck", settings={"index.routing.allocation.require._name": "no-such-node"})
    assert domain.health("stuck") == "red"

    run = stack.run({})

    # The engine refuses the whole snapshot (partial is false: 500 snapshot_exception, nothing written);
    # the take step asks again with partial: true, so every other index is backed up and the run pages
    assert run.status == "FAILED"
    assert run.error == "PartialSnapshotError"
    [alert] = run.alerts
    assert "stuck" in alert["message"] and "primary shard is not allocated" in alert["message"]
    assert list(managed(domain).values()) == ["PARTIAL"]
    assert domain.count("orders") == 50 and domain.health("stuck") == "red"
