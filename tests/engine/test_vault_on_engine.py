"""The vault against the real engine: the repository the engine wrote (its fs location, as the source
bucket's keys) is copied by the copy plan, tier by tier, into another location; that location registers
read-only as a second repository and restores the documents. A copy interrupted after any batch leaves a
vault that registers and restores its previous generation."""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from snapshot_sentinel.vault.plan import Batch, StoredObject, Tier, plan_copy
from snapshot_sentinel.vault.verify import verify_vault
from tests.support.constants import BUCKET, REPOSITORY
from tests.support.stack import RehearsalStack


@pytest.fixture
def engine(domain):
    if domain.backend != "engine":
        pytest.skip("the emulator writes no repository files to copy")
    return domain


def listing(root: Path) -> list[StoredObject]:
    """The location's files as an S3 listing shows them (an ETag: index.latest is compared by content)."""
    return [
        StoredObject(str(p.relative_to(root)), p.stat().st_size, hashlib.md5(p.read_bytes()).hexdigest())
        for p in sorted(root.rglob("*"))
        if p.is_file()
    ]


def copy(source: Path, vault: Path, batches: tuple[Batch, ...]) -> None:
    for batch in batches:
        for key in batch.keys:
            (vault / key).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source / key, vault / key)


def plan(source: Path, vault: Path) -> tuple[Batch, ...]:
    return plan_copy(listing(source), {o.key: o for o in listing(vault)}, max_batch_objects=3).batches


def verified_generation(vault: Path) -> int:
    keys = {o.key for o in listing(vault)}
    return verify_vault(lambda key: (vault / key).read_bytes() if (vault / key).is_file() else None, keys).generation


@contextmanager
def registered_read_only(engine, name: str, bucket: str) -> Iterator[None]:
    engine.call(
        "PUT",
        f"/_snapshot/{name}",
        {"type": "s3", "settings": {"bucket": bucket, "readonly": True, "role_arn": "arn:aws:iam::1:role/r"}},
    )
    try:
        yield
    finally:
        engine.call("DELETE", f"/_snapshot/{name}")


def restored_count(engine, repository: str, snapshot: str, index: str) -> int:
    engine.call(
        "POST",
        f"/_snapshot/{repository}/{snapshot}/_restore?wait_for_completion=true",
        {"indices": index, "rename_pattern": "(.+)", "rename_replacement": "vaulted-$1", "include_global_state": False},
    )
    try:
        return engine.count(f"vaulted-{index}")
    finally:
        engine.delete_index(f"vaulted-{index}")


def snapshot_names(engine, repository: str) -> list[str]:
    return [s["snapshot"] for s in engine.call("GET", f"/_snapshot/{repository}/_all")["snapshots"]]


def test_a_vault_copied_from_real_snapshots_registers_read_only_and_restores_the_documents(stack, engine):
    engine.create_index("orders", shards=2, docs=120)
    run = stack.run({})
    assert run.status == "SUCCEEDED", run.cause
    source, vault = engine.front.proxy.location(BUCKET), engine.front.proxy.location("sentinel-vault")
    vault.mkdir(parents=True)

    copy(source, vault, plan(source, vault))

    assert verified_generation(vault) >= 0
    assert plan(source, vault) == ()
    with registered_read_only(engine, "vault", "sentinel-vault"):
        assert snapshot_names(engine, "vault") == [run.output["snapshot"]["name"]]
        assert restored_count(engine, "vault", run.output["snapshot"]["name"], "orders") == 120


def test_a_copy_interrupted_after_any_batch_restores_the_previous_generation(stack, engine):
    engine.create_index("orders", shards=2, docs=120)
    first = stack.run({}, name="first")
    assert first.status == "SUCCEEDED", first.cause
    source, vault = engine.front.proxy.location(BUCKET), engine.front.proxy.location("sentinel-vault")
    vault.mkdir(parents=True)
    copy(source, vault, plan(source, vault))
    previous = verified_generation(vault)
    stack.clock.advance(3600)
    engine.add_documents("orders", 30)
    engine.create_index("invoices", shards=1, docs=7)
    second = stack.run({}, name="second")
    assert second.status == "SUCCEEDED", second.cause
    batches = plan(source, vault)
    assert len(batches) > 3

    for done in range(len(batches) + 1):
        partial = engine.front.proxy.location(f"vault-after-{done}")
        shutil.copytree(vault, partial)
        copy(source, partial, batches[:done])

        # The engine restores from the highest index-N it lists: the new generation once tier 4 is in.
        moved_on = any(batch.tier >= Tier.REPOSITORY_GENERATION for batch in batches[:done])
        assert (verified_generation(partial) > previous) == moved_on, done
        with registered_read_only(engine, f"vault-after-{done}", f"vault-after-{done}"):
            newest = snapshot_names(engine, f"vault-after-{done}")[-1]
            expected = second if moved_on else first
            assert newest == expected.output["snapshot"]["name"], done
            assert restored_count(engine, f"vault-after-{done}", newest, "orders") == (150 if moved_on else 120)


def test_a_recovery_stack_drills_from_the_vault_read_only_and_the_drill_passes(engine, clock, credentials):
    # Given production backed up nightly by its stack (the catalog recorded in its region), copied into the vault
    engine.create_index("orders", shards=2, docs=120)
    engine.create_index("logs-2026.11.28", docs=30)
    with RehearsalStack(engine.endpoint, clock=clock, credentials=credentials) as production:
        backup = production.run({})
        assert backup.status == "SUCCEEDED", backup.cause
        nightly = backup.output["snapshot"]["name"]
    source, vault = engine.front.proxy.location(BUCKET), engine.front.proxy.location("sentinel-vault")
    vault.mkdir(parents=True)
    copy(source, vault, plan(source, vault))
    assert verified_generation(vault) >= 0

    # When production is lost (its indices and its repository gone: the vault is all that is left) and a
    # recovery stack on the domain is pointed at the vault, read-only, under the source's stack name
    for index in ("orders", "logs-2026.11.28"):
        engine.delete_index(index)
    engine.call("DELETE", f"/_snapshot/{REPOSITORY}")
    shutil.rmtree(source)
    parameters = {"RepositoryReadOnly": "true", "SnapshotBucketName": "sentinel-vault"}
    with RehearsalStack(engine.endpoint, parameters=parameters, clock=clock, credentials=credentials) as recovery:
        registered = recovery.create_custom_resource("SnapshotRepository")
        try:
            assert registered["Status"] == "SUCCESS", registered["Reason"]
            assert snapshot_names(engine, REPOSITORY) == [nightly]

            drill = recovery.run({}, state_machine="DrillStateMachine")
        finally:
            engine.call("DELETE", f"/_snapshot/{REPOSITORY}")  # the next test's reset deletes no read-only snapshot

    # Then the weekly drill restored the vault's newest backup with the engine, verified it and cleaned up
    assert drill.status == "SUCCEEDED", drill.cause
    assert drill.output["plan"]["snapshot_name"] == nightly
    assert drill.output["plan"]["catalog"] == "missing"
    verified = {i["index"]: i for i in drill.output["verify"]["indices"]}
    assert verified["orders"]["docs"] == 120 and verified["orders"]["search"] == "ok"
    assert verified["logs-2026.11.28"]["docs"] == 30
    assert not [name for name in engine.index_names() if name.startswith("drill-")]
    [alert] = drill.alerts
    assert alert["subject"].startswith("[DRILL OK]")
