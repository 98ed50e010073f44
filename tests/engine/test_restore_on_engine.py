"""Restores against the domain itself: the real BackupStateMachine takes the snapshot, the real
RestoreStateMachine brings indices back, and each test reads from the domain what it then holds
(documents, aliases, health), not what the product reports."""

from __future__ import annotations

import pytest

from tests.engine.conftest import REPOSITORY

RESTORE = "RestoreStateMachine"


def restore(stack, run_input):
    return stack.run(run_input, state_machine=RESTORE)


@pytest.fixture
def backed_up(stack, domain):
    """Live indices with documents and an alias, a system index, and a nightly snapshot of them."""
    domain.create_index("orders", shards=2, docs=120, aliases=["orders-live"])
    domain.create_index("logs-2026.11.27", docs=40)
    domain.create_index(".kibana_1", docs=3)
    run = stack.run({})
    assert run.status == "SUCCEEDED", run.cause
    domain.clear_requests()
    return run.output["snapshot"]["name"]


def test_a_deleted_index_comes_back_with_its_documents_and_aliases(stack, domain, backed_up):
    domain.delete_index("orders")

    run = restore(stack, {"indices": "orders"})

    assert run.status == "SUCCEEDED", run.cause
    assert domain.count("orders") == 120
    assert domain.aliases("orders") == {"orders-live"}
    assert domain.health("orders") == "green"
    assert run.output["plan"]["snapshot_name"] == backed_up


def test_an_existing_index_refuses_the_restore_and_nothing_changes(stack, domain, backed_up):
    domain.add_documents("orders", 5)

    run = restore(stack, {"indices": "orders"})

    assert run.status == "FAILED"
    assert run.error == "RestoreBlockedError"
    assert domain.count("orders") == 125
    assert domain.aliases("orders") == {"orders-live"}
    assert {r.method for r in domain.requests} == {"GET"}


def test_a_renamed_restore_sits_next_to_live_indices_and_leaves_their_aliases_alone(stack, domain, backed_up):
    domain.add_documents("orders", 5)

    run = restore(stack, {"rename_prefix": "restored-"})

    assert run.status == "SUCCEEDED", run.cause
    assert domain.count("orders") == 125
    assert domain.aliases("orders") == {"orders-live"}
    assert domain.count("restored-orders") == 120
    assert domain.count("restored-logs-2026.11.27") == 40
    assert domain.aliases("restored-orders") == set()
    assert "restored-.kibana_1" not in domain.index_names()
    assert domain.health("restored-orders") == "green"


def test_system_indices_are_left_out_unless_named_exactly(stack, domain, backed_up):
    domain.delete_index(".kibana_1")
    domain.delete_index("orders")

    run = restore(stack, {"indices": "*,-logs-*"})

    assert run.status == "SUCCEEDED", run.cause
    assert ".kibana_1" not in domain.index_names()
    assert domain.count("orders") == 120

    named = restore(stack, {"indices": ".kibana_1"})

    assert named.status == "SUCCEEDED", named.cause
    assert domain.count(".kibana_1") == 3


def test_replacing_an_index_brings_back_the_snapshot_and_keeps_a_safety_copy(stack, domain, backed_up):
    domain.add_documents("orders", 7)

    run = restore(stack, {"indices": "orders", "on_conflict": "delete"})

    assert run.status == "SUCCEEDED", run.cause
    assert domain.count("orders") == 120
    assert domain.aliases("orders") == {"orders-live"}
    assert domain.health("orders") == "green"
    safety = run.output["plan"].get("safety_snapshot") or next(
        name for name in domain.snapshot_states(REPOSITORY) if name.startswith("pre-restore-")
    )
    assert domain.snapshot_states(REPOSITORY)[safety] == "SUCCESS"

    # the safety copy holds the 127 documents the restore replaced
    domain.delete_index("orders")
    back = restore(stack, {"snapshot_name": safety, "indices": "orders"})
    assert back.status == "SUCCEEDED", back.cause
    assert domain.count("orders") == 127
