"""Restore over HTTP: indices recreated from the snapshot, RestoreService's checks and texts, faults."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.emulator import EmulatedDomain, Fault, S3Store, SnapshotProgress, serve
from tests.emulator.actions.restore_names import filter_indices, rename
from tests.emulator.rest import Emulated, RestCaller, emulated

REPO = "nightly-backups"
RESTORE = f"/_snapshot/{REPO}/snap-1/_restore"


@pytest.fixture
def run() -> Iterator[Emulated]:
    with emulated(REPO, indices=()) as emulated_run:
        domain = emulated_run.domain
        domain.create_index(
            "logs-1", shards=2, docs=120, mapping={"properties": {"n": {"type": "long"}}}, aliases=["logs"]
        )
        domain.create_index("logs-2", docs=30)
        domain.create_index(".kibana_1", replicas=0, docs=3)
        domain.add_snapshot(REPO, "snap-1", indices=["logs-1", "logs-2", ".kibana_1"])
        yield emulated_run


def prefix(run: Emulated) -> str:
    """The ``[repo:snapshot/uuid]`` that starts RestoreService's reasons."""
    record = run.domain.snapshot(REPO, "snap-1")
    assert record is not None
    return f"[{REPO}:snap-1/{record.uuid}]"


def test_a_deleted_index_comes_back_with_its_documents_mapping_and_aliases(run: Emulated) -> None:
    run.domain.delete_index("logs-1")
    answer = run.api.post(RESTORE, {"indices": "logs-1"}, wait_for_completion="true")
    assert answer.json == {
        "snapshot": {"snapshot": "snap-1", "indices": ["logs-1"], "shards": {"total": 2, "failed": 0, "successful": 2}}
    }
    assert run.api.get("/logs-1/_count").json["count"] == 120
    assert run.api.get("/logs-1/_mapping").json["logs-1"]["mappings"]["properties"]["n"] == {"type": "long"}
    assert run.api.get("/_alias/logs").json == {"logs-1": {"aliases": {"logs": {}}}}
    assert run.api.get("/logs-1/_search", size="1").json["hits"]["hits"][0]["_id"] == "logs-1-1"


def test_restoring_over_an_open_index_is_the_engines_conflict_error_and_changes_nothing(run: Emulated) -> None:
    run.domain.delete_index("logs-2")
    answer = run.api.post(RESTORE, {"indices": "logs-*"})
    assert (answer.status, answer.error_type) == (500, "snapshot_restore_exception")
    assert answer.reason == (
        f"{prefix(run)} cannot restore index [logs-1] because an open index with same name "
        "already exists in the cluster. Either close or delete the existing index or restore the index under a "
        "different name by providing a rename pattern and replacement name"
    )
    assert run.domain.index("logs-2") is None


def test_a_rename_restores_next_to_the_live_index_and_aliases_follow_unless_excluded(run: Emulated) -> None:
    renamed = {"indices": "logs-1", "rename_pattern": "(.+)", "rename_replacement": "restored-$1"}
    answer = run.api.post(RESTORE, {**renamed, "include_aliases": False}, wait_for_completion="true")
    assert answer.json["snapshot"]["indices"] == ["restored-logs-1"]
    assert run.api.get("/_alias/logs").json == {"logs-1": {"aliases": {"logs": {}}}}
    assert run.domain.index("logs-1").doc_count == 120  # type: ignore[union-attr]
    # the engine's default include_aliases=true puts a renamed copy into the live alias
    second = {**renamed, "rename_replacement": "again-$1"}
    run.api.post(RESTORE, second, wait_for_completion="true")
    assert sorted(run.api.get("/_alias/logs").json) == ["again-logs-1", "logs-1"]


def test_index_settings_apply_and_the_shard_count_cannot_change(run: Emulated) -> None:
    run.domain.delete_index("logs-1")
    body = {"indices": "logs-1", "index_settings": {"index.number_of_replicas": 0}}
    run.api.post(RESTORE, body, wait_for_completion="true")
    assert run.domain.index("logs-1").replicas == 0  # type: ignore[union-attr]
    run.domain.delete_index("logs-1")
    refused = run.api.post(RESTORE, {"indices": "logs-1", "index_settings": {"index.number_of_shards": 5}})
    assert refused.reason == f"{prefix(run)} cannot modify setting [index.number_of_shards] on restore"
    kept = run.api.post(RESTORE, {"indices": "logs-1", "ignore_index_settings": ["index.number_of_replicas"]})
    assert kept.reason == f"{prefix(run)} cannot remove setting [index.number_of_replicas] on restore"


def test_a_restore_over_the_shard_limit_is_refused_and_creates_nothing(run: Emulated) -> None:
    run.domain.delete_index("logs-1")
    run.domain.set_cluster_setting("cluster.max_shards_per_node", 2)  # 2 data nodes: 4; open now: 2 + 1
    answer = run.api.post(RESTORE, {"indices": "logs-1"})
    assert (answer.status, answer.error_type) == (400, "validation_exception")
    assert answer.reason == (
        "Validation Failed: 1: this action would add [4] total shards, but this cluster currently has [3]/[4] "
        "maximum shards open;"
    )
    assert run.domain.index("logs-1") is None


@pytest.mark.parametrize("state", ["missing", "IN_PROGRESS"])
def test_a_missing_or_running_snapshot_does_not_exist(run: Emulated, state: str) -> None:
    name = "snap-2"
    if state == "IN_PROGRESS":
        run.domain.add_snapshot(REPO, name, state="IN_PROGRESS")
    answer = run.api.post(f"/_snapshot/{REPO}/{name}/_restore")
    assert (answer.status, answer.error_type, answer.reason) == (
        500,
        "snapshot_restore_exception",
        f"[{REPO}:{name}] snapshot does not exist",
    )


def test_a_failed_snapshot_is_not_restorable(run: Emulated) -> None:
    record = run.domain.add_snapshot(REPO, "broken", state="FAILED", indices=["logs-2"])
    answer = run.api.post(f"/_snapshot/{REPO}/broken/_restore")
    assert answer.reason == f"[{REPO}:broken/{record.uuid}] unsupported snapshot state [FAILED]"


def test_a_partial_snapshot_needs_partial_and_then_restores_what_it_has(run: Emulated) -> None:
    record = run.domain.add_snapshot(
        REPO, "half", state="PARTIAL", indices=["logs-1"], failures=[{"index": "logs-1", "shard_id": 1}]
    )
    run.domain.delete_index("logs-1")
    refused = run.api.post(f"/_snapshot/{REPO}/half/_restore", {"indices": "logs-1"})
    assert refused.reason == f"[{REPO}:half/{record.uuid}] index [logs-1] wasn't fully snapshotted - cannot restore"
    answer = run.api.post(
        f"/_snapshot/{REPO}/half/_restore", {"indices": "logs-1", "partial": True}, wait_for_completion="true"
    )
    assert answer.json["snapshot"]["shards"] == {"total": 2, "failed": 1, "successful": 1}
    assert run.api.get("/logs-1/_count").json["count"] == 60


def test_indices_take_patterns_and_exclusions_and_a_missing_name_is_404(run: Emulated) -> None:
    for name in ("logs-1", "logs-2", ".kibana_1"):
        run.domain.delete_index(name)
    answer = run.api.post(RESTORE, {"indices": "*,-.kibana*,-logs-2"}, wait_for_completion="true")
    assert answer.json["snapshot"]["indices"] == ["logs-1"]
    missing = run.api.post(RESTORE, {"indices": "metrics"})
    assert (missing.status, missing.error_type, missing.reason) == (
        404,
        "index_not_found_exception",
        "no such index [metrics]",
    )
    ignored = run.api.post(
        RESTORE, {"indices": "metrics,logs-2", "ignore_unavailable": True}, wait_for_completion="true"
    )
    assert ignored.json["snapshot"]["indices"] == ["logs-2"]


def test_unknown_body_keys_and_colliding_renames_are_refused(run: Emulated) -> None:
    unknown = run.api.post(RESTORE, {"indice": "logs-1"})
    assert (unknown.status, unknown.error_type, unknown.reason) == (
        400,
        "illegal_argument_exception",
        "Unknown parameter indice",
    )
    collide = run.api.post(RESTORE, {"indices": "logs-*", "rename_pattern": ".+", "rename_replacement": "same"})
    assert collide.reason == f"[{REPO}:snap-1] indices [logs-2] and [logs-1] are renamed into the same index [same]"


def test_renaming_into_a_restored_alias_name_is_refused(run: Emulated) -> None:
    run.domain.delete_index("logs-1")
    answer = run.api.post(RESTORE, {"indices": "logs-1", "rename_pattern": "logs-1", "rename_replacement": "logs"})
    assert answer.reason == (
        f"{prefix(run)} cannot rename index [logs-1] into [logs] because of conflict with an alias with the same name"
    )


def test_a_closed_index_is_restored_over_unless_its_shard_count_differs(run: Emulated) -> None:
    run.api.post("/logs-2/_close")
    assert run.api.post(RESTORE, {"indices": "logs-2"}, wait_for_completion="true").status == 200
    assert run.domain.index("logs-2").state == "open"  # type: ignore[union-attr]
    run.domain.create_index("logs-1", shards=3, closed=True)
    answer = run.api.post(RESTORE, {"indices": "logs-1"})
    assert answer.reason == (
        f"{prefix(run)} cannot restore index [logs-1] with [3] shards from a snapshot of index [logs-1] with [2] shards"
    )


@pytest.mark.parametrize(("kind", "applied"), [("gateway_timeout_after", True), ("gateway_timeout_before", False)])
def test_a_504_on_restore_may_or_may_not_have_restored(run: Emulated, kind: str, applied: bool) -> None:
    run.domain.delete_index("logs-1")
    run.domain.inject(Fault(kind=kind, method="POST", path=r"/_restore$"))
    answer = run.api.post(RESTORE, {"indices": "logs-1"})
    assert (answer.status, answer.content_type.startswith("text/html")) == (504, True)
    assert (run.domain.index("logs-1") is not None) is applied
    again = run.api.post(RESTORE, {"indices": "logs-1"})
    assert again.status == (500 if applied else 200)


def test_a_snapshot_that_lost_documents_restores_fewer(run: Emulated) -> None:
    run.domain.lose_documents(REPO, "snap-1", "logs-2", docs=7)
    run.domain.delete_index("logs-2")
    run.api.post(RESTORE, {"indices": "logs-2"}, wait_for_completion="true")
    assert run.api.get("/logs-2/_count").json["count"] == 7


def test_documents_written_during_a_snapshot_are_counted_after_it_not_in_it(run: Emulated) -> None:
    # Given a snapshot that runs for two polls while logs-2 takes 10 documents per poll
    run.domain.progress = SnapshotProgress(polls=2, writes_per_poll={"logs-2": 10})
    before = run.api.get("/logs-2/_count").json["count"]
    run.api.put(f"/_snapshot/{REPO}/snap-2", {"indices": "logs-2"})
    states = [run.api.get(f"/_snapshot/{REPO}/snap-2").json["snapshots"][0]["state"] for _ in range(3)]
    after = run.api.get("/logs-2/_count").json["count"]
    assert states == ["IN_PROGRESS", "IN_PROGRESS", "SUCCESS"]
    assert (before, after) == (30, 60)
    # Then the snapshot holds the count it started with, between the two
    assert run.domain.snapshot_contents(REPO, "snap-2")["logs-2"].doc_count == before


def test_snapshot_status_sizes_each_index_by_what_the_snapshot_holds(run: Emulated) -> None:
    status = run.api.get(f"/_snapshot/{REPO}/snap-1/_status").json["snapshots"][0]
    logs = status["indices"]["logs-1"]
    assert logs["shards_stats"]["total"] == 2
    assert logs["stats"]["total"]["size_in_bytes"] == 120 * 1024  # 120 documents of 1 KiB
    assert status["stats"]["total"]["size_in_bytes"] == (120 + 30 + 3) * 1024


def test_a_second_domain_on_the_same_bucket_reads_the_snapshots_and_restores_them() -> None:
    # Given production and a scratch domain sharing the S3 store
    store = S3Store()
    production = EmulatedDomain(indices=(), s3=store)
    production.register_repository(REPO, bucket="backups", base_path="prod")
    production.create_index("logs-1", docs=42)
    production.add_snapshot(REPO, "snap-1", indices=["logs-1"])
    scratch = EmulatedDomain(indices=(), s3=store)
    with serve(scratch) as server:
        api = RestCaller(server.endpoint)
        # When the scratch domain registers the same bucket and prefix read-only, over HTTP
        settings = {"bucket": "backups", "base_path": "prod", "readonly": True}
        assert api.put(f"/_snapshot/{REPO}", {"type": "s3", "settings": settings}).status == 200
        # Then it lists production's snapshot and restores it there, not on production
        assert [s["snapshot"] for s in api.get(f"/_snapshot/{REPO}/_all").json["snapshots"]] == ["snap-1"]
        restored = api.post(RESTORE, {"indices": "logs-1", "rename_pattern": "(.+)", "rename_replacement": "drill-$1"})
        assert restored.json == {"accepted": True}
        assert api.get("/drill-logs-1/_count").json["count"] == 42
        # And a different prefix is another repository
        other = {"bucket": "backups", "base_path": "staging"}
        api.put("/_snapshot/staging", {"type": "s3", "settings": other})
        assert api.get("/_snapshot/staging/_all").json["snapshots"] == []
        api.close()
    assert production.index_names() == ["logs-1"]


def test_elasticsearch_6_names_an_open_conflict_briefly_and_amazon_offers_no_close_before_7_4() -> None:
    with emulated(REPO, engine="elasticsearch", version="6.8.0", indices=()) as old:
        old.domain.create_index("logs-1")
        record = old.domain.add_snapshot(REPO, "snap-1", indices=["logs-1"])
        answer = old.api.post(RESTORE, {"indices": "logs-1"})
        assert answer.reason == f"[{REPO}:snap-1/{record.uuid}] cannot restore index [logs-1] because it's open"
        closed = old.api.post("/logs-1/_close")
        assert (closed.status, closed.json) == (401, {"Message": "Your request: '/logs-1/_close' is not allowed."})


def test_a_cluster_event_timeout_on_restore_is_503_and_restores_nothing(run: Emulated) -> None:
    run.domain.delete_index("logs-1")
    run.domain.inject(Fault(kind="cluster_event_timeout", path=r"/_restore$"))
    answer = run.api.post(RESTORE, {"indices": "logs-1"})
    assert (answer.status, answer.error_type, answer.reason) == (
        503,
        "process_cluster_event_timeout_exception",
        "failed to process cluster event (restore_snapshot[snap-1]) within 30s",
    )
    assert run.domain.index("logs-1") is None


@pytest.mark.parametrize(
    ("name", "pattern", "replacement", "expected"),
    [
        ("logs-1", "(.+)", "restored-$1", "restored-logs-1"),
        ("logs-1", "^(.*)$", "$1_restored", "logs-1_restored"),
        ("logs-1", "logs", "old", "old-1"),
        ("logs-1-logs", "logs", "x", "x-1-x"),  # replaceAll: every match
        ("logs-1", "(?<base>logs)-(\\d)", "${base}_$2", "logs_1"),
        ("logs-1", "logs", "\\$1", "$1-1"),  # an escaped dollar is literal
        ("logs-1", "nomatch", "x", "logs-1"),
    ],
)
def test_rename_is_javas_replace_all(name: str, pattern: str, replacement: str, expected: str) -> None:
    assert rename(name, pattern, replacement) == expected


@pytest.mark.parametrize(
    ("selected", "expected"),
    [
        ([], ["a1", "a2", "b1", ".k"]),
        (["_all"], ["a1", "a2", "b1", ".k"]),
        (["-a1"], ["a2", "b1", ".k"]),  # a lone exclusion starts from every index
        (["a*", "-a2"], ["a1"]),
        (["-a2", "a*"], ["a1"]),  # exclusions apply last whatever their place
        (["*", "-.*"], ["a1", "a2", "b1"]),
        (["b1", "a1"], ["a1", "b1"]),  # the snapshot's order
    ],
)
def test_index_selection_is_snapshot_utils_filter_indices(selected: list[str], expected: list[str]) -> None:
    available = ["a1", "a2", "b1", ".k"]
    assert filter_indices(available, selected, ignore_unavailable=False, allow_no_indices=True) == expected


def test_a_snapshot_of_a_red_index_fails_unless_partial(run: Emulated) -> None:
    # Given an index whose restore left a primary unassigned
    run.domain.delete_index("logs-1")
    run.domain.fail_shard_recovery("logs-1", shard=0)
    run.api.post(RESTORE, {"indices": "logs-1"}, wait_for_completion="true")
    # When the nightly snapshot includes it
    refused = run.api.put(f"/_snapshot/{REPO}/nightly", {"indices": "logs-*"})
    # Then the engine refuses the whole snapshot, unless partial: then that shard fails
    assert (refused.status, refused.error_type) == (500, "snapshot_exception")
    assert (refused.reason or "").endswith("Indices don't have primary shards [logs-1]")
    assert run.domain.snapshot(REPO, "nightly") is None
    taken = run.api.put(
        f"/_snapshot/{REPO}/nightly", {"indices": "logs-*", "partial": True}, wait_for_completion="true"
    )
    info = taken.json["snapshot"]
    assert (info["state"], info["failures"][0]["index"], info["failures"][0]["reason"]) == (
        "PARTIAL",
        "logs-1",
        "primary shard is not allocated",
    )


def test_a_domain_refuses_to_restore_a_snapshot_of_a_newer_version_and_reads_an_older_one() -> None:
    # Given production on 2.11.0 and two scratch domains on the same bucket, one older, one newer
    store = S3Store()
    production = EmulatedDomain(version="2.11.0", indices=(), s3=store)
    production.register_repository(REPO, bucket="backups")
    production.create_index("logs-1", docs=5)
    production.add_snapshot(REPO, "snap-1", indices=["logs-1"])
    older = EmulatedDomain(version="2.9.0", indices=(), s3=store)
    newer = EmulatedDomain(version="2.13.0", indices=(), s3=store)
    body = {"indices": "logs-1", "rename_pattern": "(.+)", "rename_replacement": "drill-$1"}
    with serve(older) as old_server, serve(newer) as new_server:
        for server in (old_server, new_server):
            settings = {"bucket": "backups", "readonly": True}
            RestCaller(server.endpoint).put(f"/_snapshot/{REPO}", {"type": "s3", "settings": settings})
        # Then the older one answers RestoreService's refusal, and the newer one restores
        refused = RestCaller(old_server.endpoint).post(RESTORE, body)
        assert refused.status == 500
        assert refused.json["error"]["type"] == "snapshot_restore_exception"
        uuid = production.snapshot(REPO, "snap-1").uuid  # type: ignore[union-attr]
        assert refused.json["error"]["reason"] == (
            f"[{REPO}:snap-1/{uuid}] the snapshot was created with OpenSearch version [2.11.0] which is higher "
            "than the version of this node [2.9.0]"
        )
        assert RestCaller(new_server.endpoint).post(RESTORE, body).json == {"accepted": True}


# ---------------------------------------------------------------- replacing an index without freeing its name


def test_a_write_to_a_closed_index_is_refused_and_a_write_to_a_missing_one_creates_it(run: Emulated) -> None:
    # Given logs-2 closed (set aside) and no index named fresh
    run.api.post("/logs-2/_close")
    # When a live writer indexes into both names
    refused = run.api.put("/logs-2/_doc/1", {"message": "late"})
    created = run.api.put("/fresh/_doc/1", {"message": "new"})
    # Then the closed index refuses (TransportBulkAction: IndexClosedException, 400) and the missing one is
    # auto-created by dynamic mapping (action.auto_create_index, true by default)
    assert (refused.status, refused.error_type, refused.reason) == (400, "index_closed_exception", "closed")
    assert run.domain.index("logs-2").doc_count == 30  # type: ignore[union-attr]
    assert created.status == 201
    assert run.domain.index("fresh").doc_count == 1  # type: ignore[union-attr]
    assert run.domain.index("fresh").mapping["properties"]["message"]["type"] == "text"  # type: ignore[union-attr]


def test_restoring_over_a_closed_index_keeps_its_own_aliases_unless_the_snapshots_are_included(run: Emulated) -> None:
    # RestoreService: over an existing closed index, include_aliases false keeps the index's current aliases;
    # include_aliases true takes the snapshot's (and only those)
    run.api.post("/_aliases", {"actions": [{"remove": {"index": "logs-1", "alias": "logs"}}]})
    run.api.post("/_aliases", {"actions": [{"add": {"index": "logs-1", "alias": "logs-now"}}]})
    run.api.post("/logs-1/_close")
    run.api.post(RESTORE, {"indices": "logs-1", "include_aliases": False}, wait_for_completion="true")
    assert set(run.domain.index("logs-1").aliases) == {"logs-now"}  # type: ignore[union-attr]
    run.api.post("/logs-1/_close")
    run.api.post(RESTORE, {"indices": "logs-1"}, wait_for_completion="true")
    assert set(run.domain.index("logs-1").aliases) == {"logs"}  # type: ignore[union-attr]


def test_an_index_being_snapshotted_cannot_be_closed(run: Emulated) -> None:
    run.domain.progress = SnapshotProgress(polls=2)
    run.api.put(f"/_snapshot/{REPO}/snap-2", {"indices": "logs-2"})
    refused = run.api.post("/logs-2/_close")
    uuid = run.domain.index("logs-2").uuid  # type: ignore[union-attr]
    assert (refused.status, refused.error_type) == (400, "snapshot_in_progress_exception")
    assert refused.reason == (
        f"Cannot close indices that are being snapshotted: [[logs-2/{uuid}]]. Try again after snapshot finishes "
        "or cancel the currently running snapshot."
    )
    assert run.domain.index("logs-2").state == "open"  # type: ignore[union-attr]


def test_an_alias_on_two_indices_without_a_write_index_refuses_writes(run: Emulated) -> None:
    run.api.post("/_aliases", {"actions": [{"add": {"index": "logs-2", "alias": "logs"}}]})
    refused = run.api.put("/logs/_doc/1", {"message": "x"})
    assert (refused.status, refused.error_type) == (400, "illegal_argument_exception")
    assert refused.reason.startswith("no write index is defined for alias [logs].")
    assert run.api.get("/_alias/logs").json == {
        "logs-1": {"aliases": {"logs": {}}},
        "logs-2": {"aliases": {"logs": {}}},
    }
