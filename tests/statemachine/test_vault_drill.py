"""Disaster recovery, rehearsed: production's nightly backups are copied by the real VaultCopyStateMachine into
the vault; then, with production gone, a recovery stack on a fresh domain (``RepositoryReadOnly=true``,
``SnapshotBucketName`` the vault, the source's stack name and ``SnapshotPrefix``) registers the vault read-only,
and its weekly drill picks the newest backup from the vault and passes.

The emulator keeps a repository as snapshot records, not files. So production's repository is mirrored into
moto's S3 as the engine lays it out (tests/support/repository.py), the real copy copies those files into the
vault bucket, and the recovery domain's S3 holds under the vault bucket exactly the snapshots the vault's
verified generation lists: what a copy that did not bring a snapshot leaves out, the recovery region never
sees. The real engine restores the vault's own files (tests/engine/test_vault_on_engine.py).

Each stack is its own moto world, as two regions (or accounts) share nothing: the recovery region has no
drill catalog (its counts were recorded in the source region).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from contextlib import contextmanager

import boto3

from snapshot_sentinel.vault.steps import read_blob
from snapshot_sentinel.vault.verify import verify_vault
from tests.emulator import EmulatedDomain, EmulatorCredentials, S3Store, SnapshotProgress, serve
from tests.support.constants import BUCKET, REPOSITORY
from tests.support.repository import RepositoryWriter
from tests.support.stack import RehearsalStack, VirtualClock

VAULT = "sentinel-vault"
VAULT_REGION = "us-west-2"
DRILL = "DrillStateMachine"
COPY = "VaultCopyStateMachine"
RESTORE = "RestoreStateMachine"


def copied_into_the_vault(stack: RehearsalStack, production: EmulatedDomain, store: S3Store) -> tuple[str, ...]:
    """Mirror production's repository into moto's S3, run the real copy, and give the recovery region's S3
    the snapshots the vault's verified generation lists; their names."""
    source = boto3.client("s3", region_name="us-east-1")
    vault = boto3.client("s3", region_name=VAULT_REGION)
    vault.create_bucket(Bucket=VAULT, CreateBucketConfiguration={"LocationConstraint": VAULT_REGION})
    source.create_bucket(Bucket=BUCKET)
    writer = RepositoryWriter(source, BUCKET)
    records = production.snapshots(REPOSITORY)
    for record in records:
        contents = production.snapshot_contents(REPOSITORY, record.name)
        shards = {index: contents[index].shards for index in record.indices}
        writer.snapshot(record.name, shards, started_millis=int(record.start_time.timestamp() * 1000))

    run = stack.run({}, state_machine=COPY)

    assert run.status == "SUCCEEDED", run.cause
    pages = vault.get_paginator("list_objects_v2").paginate(Bucket=VAULT)
    keys = {item["Key"] for page in pages for item in page.get("Contents", [])}
    in_vault = verify_vault(lambda key: read_blob(vault, VAULT, "", key), keys).snapshots
    vaulted = store.snapshots("s3", VAULT, "")
    for record in records:
        if record.name in in_vault:
            vaulted[record.name] = copy.deepcopy(record)
    return in_vault


@contextmanager
def recovery_from_the_vault(
    clock: VirtualClock, credentials: EmulatorCredentials, store: S3Store
) -> Iterator[tuple[EmulatedDomain, RehearsalStack, str]]:
    """Production backed up by its stack and copied into the vault; then, production lost, a recovery stack on
    a fresh domain pointed at the vault, read-only, under the source's stack name (and default prefix), its
    repository registered as CloudFormation would. Yields the recovery domain, its stack and the backup."""
    production = EmulatedDomain(region="us-east-1", credentials=credentials, indices=(), clock=clock.now, s3=store)
    production.register_repository(REPOSITORY, bucket=BUCKET)
    production.create_index("orders", shards=2, docs=1_000, mapping={"properties": {"total": {"type": "double"}}})
    production.create_index("logs-2026.11.28", docs=300)
    with (
        serve(production, port=0) as server,
        RehearsalStack(
            server.endpoint,
            parameters={"VaultBucketName": VAULT, "VaultRegion": VAULT_REGION},
            clock=clock,
            credentials=credentials,
        ) as source_stack,
    ):
        production.progress = SnapshotProgress(polls=1, outcome="SUCCESS")
        backup = source_stack.run({})
        assert backup.status == "SUCCEEDED", backup.cause
        [nightly] = production.snapshots(REPOSITORY)
        assert copied_into_the_vault(source_stack, production, store) == (nightly.name,)
    clock.advance(3 * 86_400)

    recovery = EmulatedDomain(region="us-east-1", credentials=credentials, indices=(), clock=clock.now, s3=store)
    with (
        serve(recovery, port=0) as server,
        RehearsalStack(
            server.endpoint,
            parameters={"RepositoryReadOnly": "true", "SnapshotBucketName": VAULT},
            clock=clock,
            credentials=credentials,
            stack_name=source_stack.stack_name,
        ) as recovery_stack,
    ):
        registered = recovery_stack.create_custom_resource("SnapshotRepository")
        assert registered["Status"] == "SUCCESS", registered["Reason"]
        repository = recovery.repository(REPOSITORY)
        assert repository is not None
        assert repository["settings"]["bucket"] == VAULT and repository["settings"]["readonly"] == "true"
        yield recovery, recovery_stack, nightly.name


def test_a_drill_in_the_recovery_region_picks_the_newest_backup_from_the_vault_and_passes(
    clock: VirtualClock, credentials: EmulatorCredentials, store: S3Store
):
    with recovery_from_the_vault(clock, credentials, store) as (recovery, stack, nightly):
        run = stack.run({}, state_machine=DRILL)

    # The drill restored the newest backup from the vault, verified it and cleaned up
    assert run.status == "SUCCEEDED", run.cause
    plan = run.output["plan"]
    assert plan["snapshot_name"] == nightly
    assert plan["catalog"] == "missing", "the recovery region has no counts: they were recorded in the source region"
    verified = {i["index"]: i for i in run.output["verify"]["indices"]}
    assert set(verified) == {"orders", "logs-2026.11.28"}
    assert verified["orders"]["docs"] == 1_000
    assert verified["orders"]["search"] == "ok"
    assert [n for n in recovery.index_names() if n.startswith("drill-")] == []
    [alert] = run.alerts
    assert alert["subject"].startswith("[DRILL OK]")
    assert json.loads(alert["message"])["snapshot"] == nightly


def test_a_restore_in_the_recovery_region_brings_the_newest_backup_back_from_the_vault(
    clock: VirtualClock, credentials: EmulatorCredentials, store: S3Store
):
    with recovery_from_the_vault(clock, credentials, store) as (recovery, stack, nightly):
        planned = stack.run({"dry_run": True}, state_machine=RESTORE)
        restored = stack.run({}, state_machine=RESTORE)

    assert planned.status == "SUCCEEDED", planned.cause
    assert restored.status == "SUCCEEDED", restored.cause
    assert {"orders", "logs-2026.11.28"} <= set(recovery.index_names())
    orders = recovery.index("orders")
    assert orders is not None and orders.doc_count == 1_000
    restores = [r for r in recovery.requests if r.method == "POST" and r.path.endswith("/_restore")]
    assert [r.path for r in restores] == [f"/_snapshot/{REPOSITORY}/{nightly}/_restore"]
