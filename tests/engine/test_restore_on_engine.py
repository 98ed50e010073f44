"""Restores against the domain itself: the real BackupStateMachine takes the snapshot, the real
RestoreStateMachine brings indices back, and each test reads from the domain what it then holds
(documents, aliases, health), not what the product reports."""

from __future__ import annotations

import threading

import pytest

from tests.support.constants import REPOSITORY

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


def test_an_alias_moved_since_the_backup_stays_where_it_is_now(stack, domain):
    # Given orders_v1 behind "orders" (and "orders-read") at backup time
    domain.create_index("orders_v1", docs=50, aliases=["orders", "orders-read"])
    domain.create_index("orders_v2", docs=10)
    run = stack.run({})
    assert run.status == "SUCCEEDED", run.cause
    # then "orders" swapped to orders_v2, and orders_v1 lost
    domain.update_aliases(
        [{"remove": {"index": "orders_v1", "alias": "orders"}}, {"add": {"index": "orders_v2", "alias": "orders"}}]
    )
    domain.delete_index("orders_v1")

    restored = restore(stack, {"indices": "orders_v1"})

    assert restored.status == "SUCCEEDED", restored.cause
    assert domain.count("orders_v1") == 50
    assert domain.aliases("orders_v1") == {"orders-read"}, "the moved alias is not brought back"
    assert domain.aliases("orders_v2") == {"orders"}
    assert domain.write("orders", "through-the-alias") in (200, 201), "writes through the alias still work"
    assert domain.count("orders_v2") == 11


def test_a_live_writer_during_a_replace_loses_nothing_acknowledged_after_the_restore(stack, domain, backed_up):
    domain.add_documents("orders", 7)
    writes = []  # (status, sent after the restore was answered, answered after it)
    restore_answered = threading.Event()
    stop = threading.Event()

    def writer():
        for n in range(3_000):  # bounded: about a minute at most
            if stop.is_set():
                return
            sent_after = restore_answered.is_set()
            status = domain.write("orders-live", f"live-{n}")
            writes.append((status, sent_after, restore_answered.is_set()))

    domain.after("POST", rf"^/_snapshot/{REPOSITORY}/[^/]+/_restore$", restore_answered.set)
    thread = threading.Thread(target=writer, name="live-writer")
    thread.start()
    try:
        run = restore(stack, {"indices": "orders", "on_conflict": "delete"})
    finally:
        stop.set()
        thread.join(60)

    assert run.status == "SUCCEEDED", run.cause
    assert not domain.is_closed("orders")
    assert domain.aliases("orders") == {"orders-live"}
    assert domain.health("orders") == "green"
    accepted = [(sent_after, answered_after) for status, sent_after, answered_after in writes if status in (200, 201)]
    surely_after = sum(1 for sent_after, _ in accepted if sent_after)
    straddling = sum(1 for sent_after, answered_after in accepted if answered_after and not sent_after)
    # every write acknowledged after the restore was answered is in the index; none from before it
    assert 120 + surely_after <= domain.count("orders") <= 120 + surely_after + straddling
    # refused meanwhile: 403 cluster_block_exception while the engine prepares to close the index
    # ("index preparing to close"), 400 index_closed_exception once closed, 503 while the restored
    # primary is not active yet; the emulator's close is instant (no 403)
    refused = {status for status, _, _ in writes if status not in (200, 201)}
    assert refused <= {400, 403, 503}, getattr(domain, "write_refusals", refused)
