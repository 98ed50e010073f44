"""Cluster health, recovery, settings and nodes over HTTP: what a restore watcher reads."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.emulator import Fault, RecoveryProgress
from tests.emulator.rest import Emulated, emulated

REPO = "nightly-backups"


@pytest.fixture
def run() -> Iterator[Emulated]:
    with emulated(REPO, indices=()) as emulated_run:
        yield emulated_run


def restore_lost_index(run: Emulated, index: str = "logs-1", **options: object) -> None:
    """Seed ``index``, snapshot it, delete it, restore it (wait_for_completion=false)."""
    run.domain.create_index(index, shards=2, replicas=1, docs=100)
    run.domain.add_snapshot(REPO, "snap-1", indices=[index])
    run.domain.delete_index(index)
    answer = run.api.post(f"/_snapshot/{REPO}/snap-1/_restore", {"indices": index, **options})
    assert answer.json == {"accepted": True}


# ---------------------------------------------------------------- health


def test_cluster_health_has_the_engines_fields_per_version(run: Emulated) -> None:
    run.domain.create_index("logs-1", shards=2)
    body = run.api.get("/_cluster/health").json
    assert list(body)[:7] == [
        "cluster_name",
        "status",
        "timed_out",
        "number_of_nodes",
        "number_of_data_nodes",
        "discovered_master",
        "discovered_cluster_manager",
    ]
    assert (body["status"], body["active_primary_shards"], body["active_shards"], body["unassigned_shards"]) == (
        "green",
        2,
        4,
        0,
    )
    assert body["active_shards_percent_as_number"] == 100.0
    with emulated(REPO, engine="elasticsearch", version="7.10.2") as es:
        assert "discovered_master" not in es.api.get("/_cluster/health").json


def test_a_restored_index_is_yellow_while_it_recovers_then_green_as_it_is_polled(run: Emulated) -> None:
    # As the engine (ClusterShardHealth.getInactivePrimaryHealth, and the real engine in tests/engine):
    # a primary recovering from a snapshot is yellow, not red; red is for data that is unavailable.
    # Given restores that take two polls for primaries and one for replicas
    run.domain.recovery = RecoveryProgress(polls=2, replica_polls=1)
    restore_lost_index(run)
    seen = []
    for _ in range(6):
        index = run.api.get("/_cluster/health/logs-1", level="indices").json["indices"]["logs-1"]
        seen.append((index["status"], index["active_primary_shards"], index["initializing_shards"]))
    assert seen == [
        ("yellow", 0, 2),
        ("yellow", 0, 2),
        ("yellow", 2, 2),
        ("yellow", 2, 2),
        ("green", 2, 0),
        ("green", 2, 0),
    ]


def test_an_allocation_filter_no_node_matches_leaves_the_index_red_and_its_snapshot_refused(run: Emulated) -> None:
    # As the real engine answers (tests/engine): the primary stays unassigned (deciders say no), and a
    # snapshot without "partial" is refused whole
    answer = run.api.put("/stuck", {"settings": {"index.routing.allocation.require._name": "no-such-node"}})
    assert answer.status == 200
    assert run.api.get("/_cluster/health/stuck", timeout="1s").json["status"] == "red"
    refused = run.api.put(f"/_snapshot/{REPO}/snap-1", {"indices": "stuck"}, wait_for_completion="false")
    assert refused.status == 500
    assert refused.json["error"]["type"] == "snapshot_exception"
    assert refused.json["error"]["reason"].endswith("Indices don't have primary shards [stuck]")


def test_health_of_a_missing_index_is_red_and_408_timed_out(run: Emulated) -> None:
    run.domain.create_index("logs-1")
    answer = run.api.get("/_cluster/health/logs-2")
    assert answer.status == 408
    assert (answer.json["status"], answer.json["timed_out"], answer.json["active_shards"]) == ("red", True, 0)


def test_wait_for_status_not_reached_is_408_with_the_current_status(run: Emulated) -> None:
    run.domain.recovery = RecoveryProgress(polls=5)
    restore_lost_index(run)
    answer = run.api.get("/_cluster/health/logs-1", wait_for_status="green", timeout="1s")
    assert (answer.status, answer.json["status"], answer.json["timed_out"]) == (408, "yellow", True)
    for _ in range(6):  # the primaries recover as the index is polled
        answer = run.api.get("/_cluster/health/logs-1", wait_for_status="green")
    assert (answer.status, answer.json["status"], answer.json["timed_out"]) == (200, "green", False)


def test_level_shards_reports_each_shard(run: Emulated) -> None:
    run.domain.create_index("logs-1", shards=2, replicas=0)
    shards = run.api.get("/_cluster/health/logs-1", level="shards").json["indices"]["logs-1"]["shards"]
    assert shards["1"] == {
        "status": "green",
        "primary_active": True,
        "active_shards": 1,
        "relocating_shards": 0,
        "initializing_shards": 0,
        "unassigned_shards": 0,
    }


# ---------------------------------------------------------------- recovery


def test_recovery_moves_through_the_stages_to_done_with_the_snapshot_as_source(run: Emulated) -> None:
    run.domain.recovery = RecoveryProgress(polls=5, replica_polls=0)
    restore_lost_index(run)
    stages = []
    for _ in range(6):
        shards = run.api.get("/logs-1/_recovery").json["logs-1"]["shards"]
        primary = next(s for s in shards if s["primary"] and s["id"] == 0)
        stages.append(primary["stage"])
    assert stages == ["INDEX", "VERIFY_INDEX", "TRANSLOG", "FINALIZE", "FINALIZE", "DONE"]
    assert primary["type"] == "SNAPSHOT"
    assert primary["source"]["repository"] == REPO
    assert primary["source"]["snapshot"] == "snap-1"
    assert primary["source"]["index"] == "logs-1"
    assert primary["index"]["size"]["percent"] == "100.0%"
    replica = next(s for s in shards if not s["primary"] and s["id"] == 0)
    assert (replica["type"], replica["stage"], replica["source"]["id"]) == ("PEER", "DONE", primary["target"]["id"])


def test_a_bare_recovery_is_refused_by_amazons_front_end(run: Emulated) -> None:
    answer = run.api.get("/_recovery")
    assert (answer.status, answer.json) == (401, {"Message": "Your request: '/_recovery' is not allowed."})


def test_recovery_of_a_missing_index_is_404(run: Emulated) -> None:
    assert run.api.get("/nope/_recovery").error_type == "index_not_found_exception"


def test_a_shard_that_never_recovers_drops_out_of_recovery_and_stays_unassigned(run: Emulated) -> None:
    run.domain.recovery = RecoveryProgress(polls=1)
    run.domain.fail_shard_recovery("logs-1", shard=1)
    restore_lost_index(run)
    first = run.api.get("/logs-1/_recovery").json["logs-1"]["shards"]
    assert sorted((s["id"], s["primary"]) for s in first) == [(0, True), (1, True)]
    for _ in range(3):
        later = run.api.get("/logs-1/_recovery").json["logs-1"]["shards"]
    assert 1 not in {s["id"] for s in later}
    assert all(s["stage"] == "DONE" for s in later)  # every listed shard is DONE, yet the index is red
    health = run.api.get("/_cluster/health/logs-1", level="indices").json["indices"]["logs-1"]
    assert (health["status"], health["unassigned_shards"]) == ("red", 2)
    shards = run.api.get("/_cat/shards/logs-1", format="json", h="shard,prirep,state,ur,ud").json
    failed = next(s for s in shards if s["shard"] == "1" and s["prirep"] == "p")
    assert (failed["state"], failed["unassigned.reason"]) == ("UNASSIGNED", "ALLOCATION_FAILED")
    assert "failed recovery" in failed["unassigned.details"]
    explained = run.api.post("/_cluster/allocation/explain", {"index": "logs-1", "shard": 1, "primary": True}).json
    assert (explained["current_state"], explained["unassigned_info"]["reason"]) == ("unassigned", "ALLOCATION_FAILED")
    assert run.api.get("/logs-1/_count").json["_shards"] == {"total": 2, "successful": 1, "skipped": 0, "failed": 1}


def test_cat_recovery_shows_lowercase_type_and_stage(run: Emulated) -> None:
    restore_lost_index(run)
    rows = run.api.get("/_cat/recovery/logs-1", format="json", h="index,shard,type,stage,repository,snapshot").json
    assert {
        "index": "logs-1",
        "shard": "0",
        "type": "snapshot",
        "stage": "done",
        "repository": REPO,
        "snapshot": "snap-1",
    } in rows


# ---------------------------------------------------------------- settings and nodes


def test_cluster_settings_show_the_shard_limit_default_and_take_a_flat_update(run: Emulated) -> None:
    assert run.api.get("/_cluster/settings").json == {"persistent": {}, "transient": {}}
    defaults = run.api.get("/_cluster/settings", include_defaults="true").json["defaults"]
    assert defaults["cluster"]["max_shards_per_node"] == "1000"
    answer = run.api.put("/_cluster/settings", {"persistent": {"cluster.max_shards_per_node": 50}})
    assert answer.json == {
        "acknowledged": True,
        "persistent": {"cluster": {"max_shards_per_node": "50"}},
        "transient": {},
    }
    flat = run.api.get("/_cluster/settings", flat_settings="true").json
    assert flat["persistent"] == {"cluster.max_shards_per_node": "50"}


def test_amazon_refuses_the_expanded_settings_form(run: Emulated) -> None:
    answer = run.api.put("/_cluster/settings", {"persistent": {"cluster": {"max_shards_per_node": 50}}})
    assert (answer.status, answer.json) == (
        401,
        {"Message": "Your request: '/_cluster/settings' payload is not allowed."},
    )


def test_nodes_list_the_data_nodes(run: Emulated) -> None:
    nodes = run.api.get("/_nodes").json
    assert nodes["_nodes"] == {"total": 2, "successful": 2, "failed": 0}
    assert all("data" in n["roles"] for n in nodes["nodes"].values())
    rows = run.api.get("/_cat/nodes", format="json", h="name,node.role,cluster_manager").json
    assert len(rows) == 2 and sorted(r["cluster_manager"] for r in rows) == ["*", "-"]


@pytest.mark.parametrize(
    ("method", "path", "action"),
    [
        ("POST", f"/_snapshot/{REPO}/snap-1/_restore", "cluster:admin/snapshot/restore"),
        ("GET", "/_cluster/health/logs-1", "cluster:monitor/health"),
        ("GET", "/logs-1/_recovery", "indices:monitor/recovery"),
        ("PUT", "/logs-1", "indices:admin/create"),
        ("DELETE", "/logs-1", "indices:admin/delete"),
        ("POST", "/_aliases", "indices:admin/aliases"),
        ("PUT", "/_cluster/settings", "cluster:admin/settings/update"),
    ],
)
def test_an_fgac_refusal_names_the_requests_action(run: Emulated, method: str, path: str, action: str) -> None:
    run.domain.inject(Fault(kind="forbidden_fgac", message="arn:aws:iam::123456789012:role/r"))
    answer = run.api.call(method, path)
    assert (answer.status, answer.error_type) == (403, "security_exception")
    assert (answer.reason or "").startswith(
        f"no permissions for [{action}] and User [name=arn:aws:iam::123456789012:role/r"
    )


def test_cat_shards_seq_no_max_counts_every_write_operation_and_survives_a_restore(run: Emulated) -> None:
    # RestShardsAction's hidden column seq_no.max (alias sqm) is SeqNoStats.getMaxSeqNo of each copy:
    # -1 before any operation; every index, overwrite and delete takes the next number of its shard.
    run.domain.create_index("queue", shards=2, replicas=1)

    def max_seq_nos() -> dict[tuple[str, str], int]:
        rows = run.api.get("/_cat/shards/queue", format="json", h="shard,prirep,sqm").json
        return {(r["shard"], r["prirep"]): int(r["seq_no.max"]) for r in rows}

    assert set(max_seq_nos().values()) == {-1}
    assert "seq_no.max" not in run.api.get("/_cat/shards/queue", format="json").json[0], "hidden by default"
    run.domain.add_documents("queue", 10)
    run.api.put("/queue/_doc/queue-1", {"message": "overwritten"})
    run.domain.delete_documents("queue", 4)
    seq = max_seq_nos()
    assert sum(seq[(s, "p")] + 1 for s in ("0", "1")) == 15
    assert seq[("0", "p")] == seq[("0", "r")] and seq[("1", "p")] == seq[("1", "r")]
    assert run.api.get("/queue/_count").json["count"] == 6
    run.domain.add_snapshot(REPO, "snap-1", indices=["queue"])
    run.domain.delete_index("queue")
    run.api.post(f"/_snapshot/{REPO}/snap-1/_restore", {"indices": "queue"})
    while run.api.get("/_cluster/health/queue").json["status"] != "green":
        pass  # each look is a poll: the restored shards recover in a few
    restored = run.api.get("/_cat/shards/queue", format="json", h="shard,prirep,sqm").json
    assert sum(int(r["seq_no.max"]) + 1 for r in restored if r["prirep"] == "p") == 15, "the snapshot's commit"
