"""The drill catalog through the real BackupStateMachine: each full snapshot's per-index document
counts before it started and after it ended land in DrillCatalogTable; a subset snapshot records
nothing; and a catalog that cannot be written never costs the night its backup."""

from __future__ import annotations

import boto3
import pytest

from snapshot_sentinel.drills.catalog import Catalog
from tests.emulator import Fault, SnapshotProgress
from tests.support.constants import REGION


@pytest.fixture
def catalog(stack) -> Catalog:
    return Catalog(boto3.client("dynamodb", region_name=REGION), "DrillCatalogTable")


def test_a_full_nightly_snapshot_records_each_index_before_and_after(stack, domain, catalog):
    domain.create_index("orders", shards=2, docs=1_000)
    domain.create_index("logs-live", docs=500)
    domain.progress = SnapshotProgress(polls=3, outcome="SUCCESS", writes_per_poll={"logs-live": 10})

    run = stack.run({})

    assert run.status == "SUCCEEDED"
    [name] = [s.name for s in domain.snapshots("nightly-backups")]
    recorded = catalog.read(name)
    assert (recorded["orders"].docs_before, recorded["orders"].docs_after) == (1_000, 1_000)
    assert recorded["orders"].primaries == 2
    before, after = recorded["logs-live"].docs_before, recorded["logs-live"].docs_after
    assert before == 500 and after is not None and after > before
    # and the write operations numbered around the snapshot: none on orders, one per document on logs-live
    assert (recorded["orders"].ops_before, recorded["orders"].ops_after) == (1_000, 1_000)
    assert recorded["logs-live"].ops_after - recorded["logs-live"].ops_before == after - before
    assert not [index for index in recorded if index.startswith(".")], "system indices are never drilled"
    assert run.output["counts_before"]["indices"] == len(recorded)


def test_a_subset_snapshot_records_nothing(stack, domain, catalog):
    domain.create_index("orders", docs=10)
    domain.progress = SnapshotProgress(polls=1, outcome="SUCCESS")

    run = stack.run({"indices": "orders", "skip_retention": True})

    assert run.status == "SUCCEEDED"
    [name] = [s.name for s in domain.snapshots("nightly-backups")]
    assert catalog.read(name) == {}
    assert run.output["counts_before"]["skipped"].startswith("a subset snapshot")


def test_a_catalog_that_cannot_be_read_never_costs_the_backup(stack, domain, catalog):
    domain.create_index("orders", docs=10)
    domain.progress = SnapshotProgress(polls=1, outcome="SUCCESS")
    domain.inject(Fault(kind="forbidden_fgac", method="GET", path=r"^/_cat/indices", times=100))

    run = stack.run({})

    assert run.status == "SUCCEEDED"
    assert run.alerts == []
    assert [s.state for s in domain.snapshots("nightly-backups")] == ["SUCCESS"]
    assert run.output["counts_before_error"]["Error"] == "AuthorizationError"
    assert run.output["counts_after_error"]["Error"] == "AuthorizationError"
