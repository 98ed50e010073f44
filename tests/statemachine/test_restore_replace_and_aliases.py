"""RestoreStateMachine where production keeps moving: an alias swapped to a new index since the
backup, and a live application writing to an index while the restore replaces it. The real
definitions in moto, the real handlers, the emulated domain over HTTP."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from tests.emulator import EmulatedDomain, Fault
from tests.emulator.rest import RestCaller
from tests.support.constants import NIGHTLY_START, REPOSITORY

RESTORE = "RestoreStateMachine"
FULL = {"taken_by": "snapshot-sentinel", "stack": "snapshot-sentinel", "execution_id": "arn:x", "scope": "full"}
NEWEST = "nightly-2026-11-28t02-00-00z"


def restore(stack, run_input):
    return stack.run(run_input, state_machine=RESTORE)


def nightly_backup(stack, domain: EmulatedDomain) -> str:
    """A real BackupStateMachine run (it records counts and aliases in the catalog); its snapshot."""
    run = stack.run({})
    assert run.status == "SUCCEEDED", run.cause
    [name] = [s.name for s in domain.snapshots(REPOSITORY)]
    return name


def facts(alert):
    return json.loads(alert["message"])


@pytest.fixture
def api(stack, credentials):
    """A signed caller of the emulated domain: the live application."""
    caller = RestCaller(stack.parameters["DomainEndpoint"], credentials)
    yield caller
    caller.close()


# ------------------------------------------------------------------------------------ aliases


def test_an_alias_moved_since_the_backup_is_left_where_it_is_and_the_report_says_so(stack, domain, clock, api):
    # Given orders_v1 behind alias orders (and orders-archive) in a nightly backup
    domain.create_index("orders_v1", shards=2, docs=50, aliases=["orders", "orders-archive"])
    snapshot = nightly_backup(stack, domain)
    # ... then a reindex swapped orders to orders_v2, and orders_v1 was deleted
    domain.create_index("orders_v2", shards=2, docs=70)
    swapped = api.post(
        "/_aliases",
        {
            "actions": [
                {"remove": {"index": "orders_v1", "alias": "orders"}},
                {"add": {"index": "orders_v2", "alias": "orders"}},
            ]
        },
    )
    assert swapped.status == 200
    domain.delete_index("orders_v1")
    clock.advance(3600)

    # When orders_v1 is restored by its name
    run = restore(stack, {"snapshot_name": snapshot, "indices": "orders_v1"})

    # Then it comes back with its documents, orders still points only at orders_v2, writes through it
    # still work, the alias that never moved is back, and the report names what was left out
    assert run.status == "SUCCEEDED", run.cause
    assert domain.index("orders_v1").doc_count == 50
    assert set(domain.index("orders_v1").aliases) == {"orders-archive"}
    assert set(domain.index("orders_v2").aliases) == {"orders"}
    assert api.put("/orders/_doc/after-restore", {"n": 1}).status == 201
    assert domain.index("orders_v2").doc_count == 71
    [restores] = [r for r in domain.requests if r.path.endswith("/_restore")]
    assert restores.body["include_aliases"] is False
    [alert] = run.alerts
    assert "alias [orders] now points at [orders_v2]: restored [orders_v1] without it" in alert["message"]
    assert facts(alert)["aliases"]["left_out"] == 1 and facts(alert)["aliases"]["re_added"] == 1


def test_aliases_that_did_not_move_are_restored_whole(stack, domain, clock):
    # Given logs-a and logs-b behind alias logs in a nightly backup, then logs-a lost
    domain.create_index("logs-a", docs=5, aliases=["logs"])
    domain.create_index("logs-b", docs=6, aliases=["logs"])
    snapshot = nightly_backup(stack, domain)
    domain.delete_index("logs-a")
    clock.advance(3600)

    run = restore(stack, {"snapshot_name": snapshot, "indices": "logs-a"})

    # Then logs points at both again, as it did in the snapshot: logs-b held it then too
    assert run.status == "SUCCEEDED", run.cause
    assert set(domain.index("logs-a").aliases) == {"logs"}
    [restores] = [r for r in domain.requests if r.path.endswith("/_restore")]
    assert restores.body["include_aliases"] is True


def test_without_a_record_of_the_snapshots_aliases_none_is_restored_while_others_could_be_joined(stack, domain, clock):
    # Given a snapshot the backup never recorded (an older one), and orders now on orders_v2
    domain.create_index("orders_v1", shards=2, docs=50, aliases=["orders"])
    domain.add_snapshot(REPOSITORY, NEWEST, start_time=NIGHTLY_START, metadata=FULL)
    domain.delete_index("orders_v1")
    domain.create_index("orders_v2", shards=2, docs=70, aliases=["orders"])
    clock.advance(7 * 3600)

    run = restore(stack, {"snapshot_name": NEWEST, "indices": "orders_v1"})

    assert run.status == "SUCCEEDED", run.cause
    assert domain.index("orders_v1").aliases == {}
    assert set(domain.index("orders_v2").aliases) == {"orders"}
    assert "no record of the aliases of 1 restored index (first: " in run.alerts[0]["message"]


# ------------------------------------------------------------------------------ replacing


@pytest.fixture
def backed_up(domain, clock):
    """orders (2 shards, 120 documents) in a full snapshot; time moves on and orders takes 7 more."""
    domain.create_index("orders", shards=2, replicas=1, docs=120, aliases=["orders-live"])
    domain.add_snapshot(REPOSITORY, NEWEST, start_time=NIGHTLY_START, metadata=FULL)
    domain.add_documents("orders", 7)
    clock.advance(7 * 3600)
    domain.clear_requests()
    return domain


def test_a_live_writer_between_set_aside_and_restore_cannot_recreate_the_index(stack, backed_up, api):
    # Given a live application that writes to orders right after the step that puts it aside
    set_aside = stack.handler("DeleteConflictingIndicesFunction")
    answers = []

    def then_a_live_write(event, context):
        result = set_aside(event, context)
        answers.append(api.put("/orders/_doc/late-1", {"message": "written during the restore"}))
        return result

    stack.replace_handler("DeleteConflictingIndicesFunction", then_a_live_write)

    # When orders is replaced from the snapshot
    run = restore(stack, {"indices": "orders", "on_conflict": "delete"})

    # Then the write was refused (the name stayed taken by the closed index), nothing was auto-created,
    # and orders holds exactly the snapshot's documents
    assert run.status == "SUCCEEDED", run.cause
    [answer] = answers
    assert (answer.status, answer.error_type) == (400, "index_closed_exception")
    orders = backed_up.index("orders")
    assert orders.doc_count == 120 and orders.is_open
    assert orders.shards == 2 and "late-1" not in {d["_id"] for d in orders.documents}
    assert [r.method for r in backed_up.requests if r.method == "DELETE"] == []
    safety = facts(run.alerts[0])["safety_snapshot"]
    assert backed_up.snapshot_contents(REPOSITORY, safety)["orders"].doc_count == 127


def test_another_shard_count_is_refused_by_the_engine_and_the_original_comes_back_open(stack, backed_up):
    # Given orders rebuilt with 3 shards since the snapshot (2 shards), and no record of the snapshot's count
    backed_up.delete_index("orders")
    backed_up.create_index("orders", shards=3, docs=9, aliases=["orders-live"])
    backed_up.clear_requests()

    run = restore(stack, {"indices": "orders", "on_conflict": "delete"})

    # Then the run fails naming the index and both shard counts, and orders is open with its documents
    assert run.status == "FAILED"
    assert run.error == "RestoreRefusedError"
    assert "cannot restore index [orders] with [3] shards from a snapshot of index [orders] with [2] shards" in (
        run.cause
    )
    assert "opened again as before" in run.cause
    orders = backed_up.index("orders")
    assert orders.is_open and orders.doc_count == 9 and orders.shards == 3 and set(orders.aliases) == {"orders-live"}
    writes = [(r.method, r.path) for r in backed_up.requests if r.method != "GET"]
    assert [p.rsplit("/", 1)[-1] for _, p in writes[1:]] == ["_close", "_restore", "_open"]


def test_a_shard_count_the_backup_recorded_blocks_the_plan_before_anything_is_touched(stack, domain, clock):
    # Given orders (2 shards) in a recorded nightly backup, since rebuilt with 3 shards
    domain.create_index("orders", shards=2, docs=40)
    snapshot = nightly_backup(stack, domain)
    domain.delete_index("orders")
    domain.create_index("orders", shards=3, docs=9)
    clock.advance(timedelta(hours=1).total_seconds())
    domain.clear_requests()

    run = restore(stack, {"snapshot_name": snapshot, "indices": "orders", "on_conflict": "delete"})

    assert run.status == "FAILED" and run.error == "RestoreBlockedError"
    assert "[orders] has 3 primary shards and [orders] had 2 in snapshot" in run.alerts[0]["message"]
    assert {r.method for r in domain.requests} == {"GET"}
    assert domain.index("orders").is_open and domain.index("orders").doc_count == 9


def test_a_restore_that_never_starts_after_the_set_aside_opens_the_original_again(stack, backed_up):
    # Given a domain that times out on every restore request without applying it
    backed_up.inject(Fault(method="POST", path=r"/_restore$", kind="gateway_timeout_before", times=100))

    run = restore(stack, {"indices": "orders", "on_conflict": "delete"})

    # Then the run fails with the real error, and orders is open again with everything it held
    assert run.status == "FAILED"
    assert run.error == "RestoreStartUnconfirmedError"
    assert "Open set-aside indices again" in run.states_entered
    orders = backed_up.index("orders")
    assert orders.is_open and orders.doc_count == 127 and set(orders.aliases) == {"orders-live"}
    [alert] = run.alerts
    assert facts(alert)["reopened"] == {"count": 1, "sample": ["orders"]}
