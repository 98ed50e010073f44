"""Restore drills against the domain itself: a nightly run records the catalog and takes the snapshot,
the real DrillStateMachine restores a sample under drill- names, verifies it and deletes exactly its
own indices. Each test reads from the domain what it then holds."""

from __future__ import annotations

from tests.support.constants import REPOSITORY

DRILL = "DrillStateMachine"


def drill_indices(domain):
    return sorted(name for name in domain.index_names() if name.startswith("drill-"))


def backed_up(stack, domain):
    run = stack.run({})
    assert run.status == "SUCCEEDED", run.cause
    domain.clear_requests()
    return run.output["snapshot"]["name"]


def test_a_passing_drill_restores_verifies_and_leaves_the_domain_as_it_was(stack, domain):
    domain.create_index("orders", shards=2, docs=1_000, aliases=["orders-live"])
    domain.create_index("logs-2026.11.28", docs=300)
    backed_up(stack, domain)
    before = domain.index_names()

    run = stack.run({}, state_machine=DRILL)

    assert run.status == "SUCCEEDED", run.cause
    verified = {i["index"]: i for i in run.output["verify"]["indices"]}
    assert verified["orders"]["count"] == "ok: 1000 within [1000, 1000]"
    assert verified["orders"]["search"] == "ok"
    restores = [r for r in domain.requests if r.method == "POST" and r.path.endswith("/_restore")]
    assert len(restores) == 1, "the drill restored once"
    assert drill_indices(domain) == [], "the drill deleted its own indices"
    assert domain.index_names() == before
    assert domain.count("orders") == 1_000 and domain.aliases("orders") == {"orders-live"}
    assert domain.health("orders") == "green"
    [alert] = run.alerts
    assert alert["subject"].startswith("[DRILL OK]")


def test_a_drill_whose_restored_sample_lost_documents_fails_and_still_cleans_up(stack, domain):
    domain.create_index("orders", docs=1_000)
    backed_up(stack, domain)
    domain.drill_copy_loses(REPOSITORY, "orders", docs=100)

    run = stack.run({}, state_machine=DRILL)

    assert run.status == "FAILED"
    assert run.error == "DrillVerificationError"
    assert "restored 900 documents; the catalog recorded 1000..1000" in run.cause
    assert drill_indices(domain) == []
    assert domain.count("orders") == 1_000
    [alert] = run.alerts
    assert alert["subject"].startswith("[DRILL FAILED]")


def test_a_queue_written_and_consumed_during_the_snapshot_passes_and_its_write_operations_are_counted(stack, domain):
    # Given a queue of 1,000 documents that gets 300 new ones and loses 600 between the catalog's
    # first reading and the snapshot's start, then 500 new and 100 consumed before its last reading
    domain.create_index("queue", shards=2, docs=1_000)
    take = stack.handler("TakeSnapshotFunction")

    def take_while_the_queue_churns(event, context):
        domain.add_documents("queue", 300)
        assert domain.delete_documents("queue", 600) == 600
        result = take(event, context)
        domain.add_documents("queue", 500)
        assert domain.delete_documents("queue", 100) == 100
        return result

    stack.replace_handler("TakeSnapshotFunction", take_while_the_queue_churns)
    backed_up(stack, domain)

    # When the drill restores it
    run = stack.run({"indices": "queue"}, state_machine=DRILL)

    # Then the engine numbered exactly those 1,500 writes (seq_no.max), and whatever the snapshot
    # caught of them passes
    assert run.status == "SUCCEEDED", run.cause
    [checked] = run.output["verify"]["indices"]
    assert checked["count"].startswith("ok: ") and checked["count"].endswith(" within [300, 1800]")
    assert drill_indices(domain) == []
