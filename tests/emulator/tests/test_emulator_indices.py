"""Indices, aliases and documents over HTTP: bodies and errors of the engine's index APIs."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import quote

import pytest

from tests.emulator.rest import Emulated, emulated

REPO = "nightly-backups"


@pytest.fixture
def run() -> Iterator[Emulated]:
    with emulated(REPO, indices=()) as emulated_run:
        yield emulated_run


# ---------------------------------------------------------------- create, get, exists, delete


def test_creating_an_index_acknowledges_it_and_get_shows_its_settings(run: Emulated) -> None:
    answer = run.api.put("/logs-1", {"settings": {"index": {"number_of_shards": 3, "number_of_replicas": 0}}})
    assert (answer.status, answer.json) == (200, {"acknowledged": True, "shards_acknowledged": True, "index": "logs-1"})
    view = run.api.get("/logs-1").json["logs-1"]
    assert view["aliases"] == {} and view["mappings"] == {}
    settings = view["settings"]["index"]
    assert (settings["number_of_shards"], settings["number_of_replicas"], settings["provided_name"]) == (
        "3",
        "0",
        "logs-1",
    )
    flat = run.api.get("/logs-1", flat_settings="true").json["logs-1"]["settings"]
    assert flat["index.number_of_shards"] == "3"


def test_creating_an_existing_index_is_400_resource_already_exists(run: Emulated) -> None:
    run.api.put("/logs-1")
    uuid = run.domain.index("logs-1").uuid  # type: ignore[union-attr]
    answer = run.api.put("/logs-1")
    assert (answer.status, answer.error_type) == (400, "resource_already_exists_exception")
    assert answer.reason == f"index [logs-1/{uuid}] already exists"
    assert answer.json["error"]["index"] == "logs-1"


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("Logs", "must be lowercase"),
        ("_logs", "must not start with '_', '-', or '+'"),
        ("lo#gs", "must not contain '#'"),
        ("lo*gs", 'must not contain the following characters [ , ", *, \\, <, |, ,, >, /, ?]'),
    ],
)
def test_an_invalid_index_name_is_400_with_the_engines_rule(run: Emulated, name: str, why: str) -> None:
    answer = run.api.put("/" + quote(name))
    assert (answer.status, answer.error_type) == (400, "invalid_index_name_exception")
    assert answer.reason == f"Invalid index name [{name}], {why}"
    assert run.domain.index_names() == []


def test_head_answers_200_or_404_without_a_body(run: Emulated) -> None:
    run.domain.create_index("logs-1")
    assert (run.api.head("/logs-1").status, run.api.head("/logs-1").body) == (200, b"")
    assert run.api.head("/logs-2").status == 404


def test_a_missing_index_is_404_index_not_found_with_its_resource_fields(run: Emulated) -> None:
    answer = run.api.get("/nope")
    assert (answer.status, answer.error_type, answer.reason) == (
        404,
        "index_not_found_exception",
        "no such index [nope]",
    )
    error = answer.json["error"]
    assert (error["resource.type"], error["resource.id"], error["index_uuid"], error["index"]) == (
        "index_or_alias",
        "nope",
        "_na_",
        "nope",
    )
    assert run.api.delete("/nope").status == 404


def test_delete_takes_wildcards_and_refuses_an_alias(run: Emulated) -> None:
    run.domain.create_index("logs-1", aliases=["logs"])
    run.domain.create_index("logs-2")
    run.domain.create_index("metrics")
    answer = run.api.delete("/logs")
    assert (answer.status, answer.error_type) == (400, "illegal_argument_exception")
    assert answer.reason == (
        "The provided expression [logs] matches an alias, specify the corresponding concrete indices instead."
    )
    assert run.api.delete("/logs-*").json == {"acknowledged": True}
    assert run.domain.index_names() == ["metrics"]


def test_an_index_a_running_snapshot_copies_cannot_be_deleted(run: Emulated) -> None:
    run.domain.create_index("logs-1")
    run.domain.add_snapshot(REPO, "running", state="IN_PROGRESS", indices=["logs-1"])
    answer = run.api.delete("/logs-1")
    uuid = run.domain.index("logs-1").uuid  # type: ignore[union-attr]
    assert (answer.status, answer.error_type) == (400, "snapshot_in_progress_exception")
    assert answer.reason == (
        f"Cannot delete indices that are being snapshotted: [[logs-1/{uuid}]]. Try again after snapshot finishes "
        "or cancel the currently running snapshot."
    )


def test_a_closed_index_is_listed_closed_refuses_search_and_opens_again(run: Emulated) -> None:
    run.domain.create_index("logs-1", docs=5)
    closed = run.api.post("/logs-1/_close")
    assert closed.json == {"acknowledged": True, "shards_acknowledged": True, "indices": {"logs-1": {"closed": True}}}
    row = run.api.get("/_cat/indices", format="json").json[0]
    assert (row["status"], row["docs.count"]) == ("close", None)
    refused = run.api.get("/logs-1/_count")
    assert (refused.status, refused.error_type, refused.reason) == (400, "index_closed_exception", "closed")
    assert run.api.post("/logs-1/_open").json == {"acknowledged": True, "shards_acknowledged": True}
    assert run.api.get("/logs-1/_count").json["count"] == 5


def test_creating_an_index_over_the_shard_limit_is_400_validation_exception(run: Emulated) -> None:
    run.domain.set_cluster_setting("cluster.max_shards_per_node", 2)  # x 2 data nodes = 4
    run.domain.create_index("logs-1", shards=1, replicas=1)
    answer = run.api.put("/logs-2", {"settings": {"number_of_shards": 2, "number_of_replicas": 1}})
    assert (answer.status, answer.error_type) == (400, "validation_exception")
    assert answer.reason == (
        "Validation Failed: 1: this action would add [4] total shards, but this cluster currently has [2]/[4] "
        "maximum shards open;"
    )


# ---------------------------------------------------------------- _cat/indices


def test_cat_indices_lists_health_counts_and_sizes(run: Emulated) -> None:
    run.domain.create_index("logs-1", shards=2, replicas=1, docs=1000, doc_bytes=2048)
    run.domain.create_index(".kibana_1", replicas=0)
    rows = run.api.get("/_cat/indices", format="json", bytes="b", s="index").json
    assert [r["index"] for r in rows] == [".kibana_1", "logs-1"]
    logs = rows[1]
    assert (logs["health"], logs["status"], logs["pri"], logs["rep"], logs["docs.count"]) == (
        "green",
        "open",
        "2",
        "1",
        "1000",
    )
    assert (logs["pri.store.size"], logs["store.size"]) == (str(1000 * 2048), str(2 * 1000 * 2048))
    picked = run.api.get("/_cat/indices/logs-*", format="json", h="i,dc").json
    assert picked == [{"index": "logs-1", "docs.count": "1000"}]
    text = run.api.get("/_cat/indices", v="true", h="index,health").body.decode().splitlines()
    assert text[0].split() == ["index", "health"]


def test_replicas_stay_unassigned_without_a_free_data_node(run: Emulated) -> None:
    with emulated(REPO, indices=(), data_nodes=1) as single:
        single.domain.create_index("logs-1", replicas=1)
        row = single.api.get("/_cat/indices", format="json").json[0]
        assert row["health"] == "yellow"


# ---------------------------------------------------------------- aliases


def test_aliases_are_added_listed_and_removed(run: Emulated) -> None:
    run.domain.create_index("stories")
    run.domain.create_index("books")
    added = run.api.post("/_aliases", {"actions": [{"add": {"index": "stories", "alias": "tales"}}]})
    assert added.json == {"acknowledged": True}
    assert run.api.get("/_alias").json == {"books": {"aliases": {}}, "stories": {"aliases": {"tales": {}}}}
    assert run.api.get("/_alias/tales").json == {"stories": {"aliases": {"tales": {}}}}
    assert run.api.get("/stories/_alias").json == {"stories": {"aliases": {"tales": {}}}}
    assert run.api.put("/books/_alias/tales").json == {"acknowledged": True}
    assert sorted(run.api.get("/_alias/tales").json) == ["books", "stories"]
    assert run.api.get("/tales/_count").json["_shards"]["total"] == 2  # an alias reads every index it names
    assert run.api.delete("/books/_alias/tales").json == {"acknowledged": True}
    removed = run.api.post("/_aliases", {"actions": [{"remove": {"index": "stories", "alias": "tales"}}]})
    assert removed.status == 200
    assert run.domain.index("stories").aliases == {}  # type: ignore[union-attr]


def test_a_missing_alias_is_a_404_string_error_on_get_and_aliases_not_found_on_delete(run: Emulated) -> None:
    run.domain.create_index("stories")
    got = run.api.get("/_alias/nope")
    assert (got.status, got.json) == (404, {"error": "alias [nope] missing", "status": 404})
    assert run.api.head("/_alias/nope").status == 404
    deleted = run.api.delete("/stories/_alias/nope")
    assert (deleted.status, deleted.error_type, deleted.reason) == (
        404,
        "aliases_not_found_exception",
        "aliases [nope] missing",
    )
    removed = run.api.post("/_aliases", {"actions": [{"remove": {"index": "stories", "alias": "nope"}}]})
    assert (removed.status, removed.error_type) == (404, "aliases_not_found_exception")


def test_alias_actions_are_validated_before_anything_changes(run: Emulated) -> None:
    run.domain.create_index("stories")
    run.domain.create_index("books")
    answer = run.api.post(
        "/_aliases",
        {"actions": [{"add": {"index": "stories", "alias": "tales"}}, {"add": {"index": "stories", "alias": "books"}}]},
    )
    assert (answer.status, answer.error_type) == (400, "invalid_alias_name_exception")
    assert answer.reason == "Invalid alias name [books], an index or data stream exists with the same name as the alias"
    assert run.domain.index("stories").aliases == {}  # type: ignore[union-attr]
    empty = run.api.post("/_aliases", {"actions": []})
    assert (empty.status, empty.reason) == (400, "Validation Failed: 1: Must specify at least one alias action;")


# ---------------------------------------------------------------- documents


def test_documents_are_indexed_counted_and_searched(run: Emulated) -> None:
    created = run.api.post("/movies/_doc", {"title": "Alien", "year": 1979})
    assert created.status == 201
    assert (created.json["_index"], created.json["result"], created.json["_version"]) == ("movies", "created", 1)
    bulk = run.api.bulk(
        "/_bulk",
        [
            {"index": {"_index": "movies", "_id": "m2"}},
            {"title": "Heat", "year": 1995},
            {"create": {"_index": "movies"}},
            {"title": "Up"},
        ],
    )
    assert (bulk.status, bulk.json["errors"], [i[next(iter(i))]["status"] for i in bulk.json["items"]]) == (
        200,
        False,
        [201, 201],
    )
    assert run.api.get("/movies/_count").json == {
        "count": 3,
        "_shards": {"total": 1, "successful": 1, "skipped": 0, "failed": 0},
    }
    hits = run.api.post("/movies/_search", {"query": {"term": {"year": 1995}}}).json["hits"]
    assert (hits["total"], [h["_id"] for h in hits["hits"]]) == ({"value": 1, "relation": "eq"}, ["m2"])
    page = run.api.post("/movies/_search", {"size": 2, "query": {"match_all": {}}}).json["hits"]
    assert (page["total"]["value"], len(page["hits"])) == (3, 2)
    mapping = run.api.get("/movies/_mapping").json["movies"]["mappings"]["properties"]
    assert mapping["year"] == {"type": "long"}
    assert run.api.get("/movies/_doc/m2").json["_source"] == {"title": "Heat", "year": 1995}


def test_a_seeded_large_index_counts_everything_and_returns_a_sample(run: Emulated) -> None:
    run.domain.create_index("logs-1", shards=3, docs=250_000)
    assert run.api.get("/logs-1/_count").json["count"] == 250_000
    hits = run.api.get("/logs-1/_search", size="3").json["hits"]
    assert hits["total"] == {"value": 250_000, "relation": "eq"}
    assert [h["_id"] for h in hits["hits"]] == ["logs-1-1", "logs-1-2", "logs-1-3"]


def test_a_bulk_body_must_end_with_a_newline(run: Emulated) -> None:
    answer = run.api.call("POST", "/_bulk", body={"index": {"_index": "x"}})
    assert (answer.status, answer.reason) == (400, "The bulk request must be terminated by a newline [\\n]")


def test_destructive_requires_name_refuses_wildcard_deletes(run: Emulated) -> None:
    run.domain.create_index("drill-logs-1")
    run.domain.set_cluster_setting("action.destructive_requires_name", True)
    answer = run.api.delete("/drill-*")
    assert (answer.status, answer.reason) == (400, "Wildcard expressions or all indices are not allowed")
    assert run.api.delete("/drill-logs-1").status == 200
