"""The emulated snapshot API over real HTTP: bodies, error types and statuses of SNAPSHOT_API.md."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest

from tests.emulator import EmulatedDomain, SnapshotProgress
from tests.emulator.rest import Emulated
from tests.emulator.rest import emulated as emulated_domain

REPO = "nightly-backups"
NOW = datetime(2026, 11, 28, 2, 0, 0, 123000, tzinfo=UTC)
INDICES = {"logs-2026.11.27": 2, "logs-2026.11.28": 2, "metrics-app": 1, ".kibana_1": 1}


@contextmanager
def emulated(engine: str = "opensearch", version: str = "2.11.0", **options: object) -> Iterator[Emulated]:
    with emulated_domain(REPO, engine=engine, version=version, indices=INDICES, clock=lambda: NOW, **options) as run:
        yield run


@pytest.fixture
def run() -> Iterator[Emulated]:
    with emulated() as emulated_run:
        yield emulated_run


def seed(domain: EmulatedDomain, name: str, days_ago: float, **options: object) -> None:
    domain.add_snapshot(REPO, name, start_time=NOW - timedelta(days=days_ago), **options)  # type: ignore[arg-type]


# ---------------------------------------------------------------- GET /


def test_root_describes_an_opensearch_domain() -> None:
    with emulated("opensearch", "2.11.0") as run:
        info = run.api.get("/").json
    assert info["version"]["distribution"] == "opensearch"
    assert info["version"]["number"] == "2.11.0"
    assert info["tagline"] == "The OpenSearch Project: https://opensearch.org/"


def test_root_describes_an_elasticsearch_domain_without_distribution() -> None:
    with emulated("elasticsearch", "7.10.2") as run:
        info = run.api.get("/").json
    assert "distribution" not in info["version"]
    assert info["version"]["number"] == "7.10.2"
    assert info["tagline"] == "You Know, for Search"


# ---------------------------------------------------------------- repositories


def test_a_registered_repository_echoes_its_settings_as_strings(run: Emulated) -> None:
    settings = {"bucket": "b", "region": "us-west-2", "role_arn": "arn:aws:iam::123456789012:role/R",
                "server_side_encryption": True, "base_path": "prod"}  # fmt: skip
    assert run.api.put("/_snapshot/other", {"type": "s3", "settings": settings}).json == {"acknowledged": True}
    shown = run.api.get("/_snapshot/other").json
    assert shown == {"other": {"type": "s3", "settings": {**settings, "server_side_encryption": "true"}}}


def test_all_repositories_include_amazons_service_repository_without_settings(run: Emulated) -> None:
    listing = run.api.get("/_snapshot").json
    assert listing["cs-automated-enc"] == {"type": "s3"}
    assert listing[REPO] == {"type": "s3", "settings": {"bucket": "my-bucket"}}
    assert run.api.get("/_snapshot/_all").json == listing


def test_an_unknown_repository_is_404_missing(run: Emulated) -> None:
    answer = run.api.get("/_snapshot/nope")
    assert (answer.status, answer.error_type, answer.reason) == (404, "repository_missing_exception", "[nope] missing")
    assert answer.json["error"]["root_cause"] == [{"type": "repository_missing_exception", "reason": "[nope] missing"}]


@pytest.mark.parametrize(
    ("body", "status", "error_type", "reason"),
    [
        (
            {"settings": {"bucket": "b"}},
            400,
            "action_request_validation_exception",
            "Validation Failed: 1: type is missing;",
        ),
        ({"type": "gcs", "settings": {}}, 500, "repository_exception", "[r2] repository type [gcs] does not exist"),
        ({"type": "s3", "settings": {}}, 500, "repository_exception", "[r2] failed to create repository"),
    ],
)
def test_invalid_repository_registrations(run: Emulated, body: dict, status: int, error_type: str, reason: str) -> None:
    answer = run.api.put("/_snapshot/r2", body)
    assert (answer.status, answer.error_type, answer.reason) == (status, error_type, reason)
    assert run.domain.repository("r2") is None


def test_a_repository_without_bucket_names_the_cause(run: Emulated) -> None:
    error = run.api.put("/_snapshot/r2", {"type": "s3", "settings": {}}).json["error"]
    assert error["caused_by"] == {"type": "repository_exception", "reason": "[r2] No bucket defined for s3 repository"}
    assert error["root_cause"] == [error["caused_by"]]


def test_re_registering_a_repository_while_a_snapshot_runs_in_it_fails_even_unchanged(run: Emulated) -> None:
    # Given a snapshot running in the repository
    run.domain.add_snapshot(REPO, "running", state="IN_PROGRESS")
    # When the identical registration is PUT again
    answer = run.api.put(f"/_snapshot/{REPO}", {"type": "s3", "settings": {"bucket": "my-bucket"}})
    # Then the in-use check wins over the "unchanged" no-op
    assert (answer.status, answer.error_type) == (500, "illegal_state_exception")
    assert answer.reason == "trying to modify or unregister repository that is currently used "
    assert run.api.delete(f"/_snapshot/{REPO}").status == 500


def test_verification_succeeds_with_the_nodes_that_checked(run: Emulated) -> None:
    nodes = run.api.post(f"/_snapshot/{REPO}/_verify").json["nodes"]
    assert len(nodes) == 2  # every node (two data nodes by default) verified
    assert set(next(iter(nodes.values()))) == {"name"}


@pytest.mark.parametrize(("version", "node"), [("2.11.0", "cluster-manager node"), ("1.3.0", "master node")])
def test_failed_verification_is_500_with_the_s3_cause(version: str, node: str) -> None:
    with emulated("opensearch", version) as run:
        run.api.put("/_snapshot/prod", {"type": "s3", "settings": {"bucket": "b", "base_path": "prod/snapshots"}})
        run.domain.fail_repository_verification("Access Denied (Service: Amazon S3; Status Code: 403)")
        answer = run.api.post("/_snapshot/prod/_verify")
        again = run.api.put("/_snapshot/prod", {"type": "s3", "settings": {"bucket": "b"}}, verify="true")
        unverified = run.api.put("/_snapshot/prod", {"type": "s3", "settings": {"bucket": "b"}}, verify="false")
    assert (answer.status, answer.error_type) == (500, "repository_verification_exception")
    assert answer.reason == f"[prod] path [prod][snapshots] is not accessible on {node}"
    innermost = answer.json["error"]["caused_by"]["caused_by"]
    assert innermost == {
        "type": "amazon_s3_exception",
        "reason": "Access Denied (Service: Amazon S3; Status Code: 403)",
    }
    assert again.status == 500
    assert unverified.status == 200


def test_deleting_repositories(run: Emulated) -> None:
    assert run.api.delete("/_snapshot/nope").status == 404
    assert run.api.delete("/_snapshot/nope-*").status == 404
    assert run.api.delete("/_snapshot/*").json == {"acknowledged": True}
    assert run.domain.repository(REPO) is None
    assert run.domain.repository("cs-automated-enc") is not None


# ---------------------------------------------------------------- create


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("nightly 1", "must not contain whitespace"),
        ("nightly,1", "must not contain ','"),
        ("nightly#1", "must not contain '#'"),
        ("_nightly", "must not start with '_'"),
        ("Nightly-2026-11-28T02:00:00Z", "must be lowercase"),
        ("nightly*", 'must not contain the following characters [ , ", *, \\, <, |, ,, >, /, ?]'),
        ("_Nightly", "must not start with '_'"),
    ],
)
def test_invalid_snapshot_names_are_rejected_with_the_first_rule_broken(run: Emulated, name: str, why: str) -> None:
    answer = run.api.call("PUT", f"/_snapshot/{REPO}/" + name.replace(" ", "%20").replace("#", "%23"))
    assert (answer.status, answer.error_type) == (400, "invalid_snapshot_name_exception")
    assert answer.reason == f"[{REPO}:{name}] Invalid snapshot name [{name}], {why}"


def test_a_name_taken_by_a_finished_or_running_snapshot_is_an_invalid_name(run: Emulated) -> None:
    seed(run.domain, "done", 1)
    run.domain.add_snapshot(REPO, "running", state="IN_PROGRESS")
    done = run.api.put(f"/_snapshot/{REPO}/done")
    running = run.api.put(f"/_snapshot/{REPO}/running")
    assert (done.status, done.error_type) == (400, "invalid_snapshot_name_exception")
    assert done.reason == f"[{REPO}:done] Invalid snapshot name [done], snapshot with the same name already exists"
    assert (running.status, running.error_type) == (400, "invalid_snapshot_name_exception")
    assert (
        running.reason
        == f"[{REPO}:running] Invalid snapshot name [running], snapshot with the same name is already in-progress"
    )


def test_create_in_a_missing_or_readonly_repository(run: Emulated) -> None:
    run.domain.register_repository("shared", bucket="b", readonly=True)
    missing = run.api.put("/_snapshot/nope/snap")
    readonly = run.api.put("/_snapshot/shared/snap")
    assert (missing.status, missing.error_type) == (404, "repository_missing_exception")
    assert (readonly.status, readonly.error_type) == (500, "repository_exception")
    assert readonly.reason == "[shared] cannot create snapshot in a readonly repository"


def test_metadata_over_1024_bytes_is_a_validation_failure(run: Emulated) -> None:
    answer = run.api.put(f"/_snapshot/{REPO}/big", {"metadata": {"note": "x" * 1100}})
    assert (answer.status, answer.error_type) == (400, "action_request_validation_exception")
    assert answer.reason == "Validation Failed: 1: metadata must be smaller than 1024 bytes, but was [1111];"


def test_an_unknown_query_parameter_is_rejected_with_a_suggestion(run: Emulated) -> None:
    answer = run.api.put(f"/_snapshot/{REPO}/snap", wait_for_completon="false")
    assert (answer.status, answer.error_type) == (400, "illegal_argument_exception")
    assert answer.reason == (
        f"request [/_snapshot/{REPO}/snap] contains unrecognized parameter: [wait_for_completon] "
        "-> did you mean [wait_for_completion]?"
    )
    assert run.domain.snapshot(REPO, "snap") is None


def test_async_create_is_accepted_and_shows_in_progress_with_zero_fields(run: Emulated) -> None:
    run.domain.progress = SnapshotProgress(polls=1)
    body = {"indices": "logs-*", "metadata": {"taken_by": "execution-1"}}
    assert run.api.put(f"/_snapshot/{REPO}/snap", body, wait_for_completion="false").json == {"accepted": True}
    info = run.api.get(f"/_snapshot/{REPO}/snap").json["snapshots"][0]
    assert info["state"] == "IN_PROGRESS"
    assert info["metadata"] == {"taken_by": "execution-1"}
    assert (info["end_time"], info["end_time_in_millis"], info["duration_in_millis"]) == (
        "1970-01-01T00:00:00.000Z",
        0,
        0,
    )
    assert info["failures"] == []
    assert info["shards"] == {"total": 0, "failed": 0, "successful": 0}


def test_sync_create_answers_the_snapshot_even_when_partial(run: Emulated) -> None:
    run.domain.progress = SnapshotProgress(polls=5, outcome="PARTIAL")
    answer = run.api.put(f"/_snapshot/{REPO}/snap", {}, wait_for_completion="true")
    assert answer.status == 200
    assert answer.json["snapshot"]["state"] == "PARTIAL"
    assert answer.json["snapshot"]["shards"] == {"total": 6, "failed": 1, "successful": 5}


@pytest.mark.parametrize(
    ("indices", "expected"),
    [
        (None, ["logs-2026.11.27", "logs-2026.11.28", "metrics-app", ".kibana_1"]),
        ("_all", ["logs-2026.11.27", "logs-2026.11.28", "metrics-app", ".kibana_1"]),
        ("logs-*", ["logs-2026.11.27", "logs-2026.11.28"]),
        ("*,-.kibana*", ["logs-2026.11.27", "logs-2026.11.28", "metrics-app"]),
        (["metrics-app", "logs-2026.11.28"], ["metrics-app", "logs-2026.11.28"]),
        ("nomatch-*", []),
    ],
)
def test_indices_are_resolved_against_the_domains_indices(run: Emulated, indices: object, expected: list[str]) -> None:
    body = {} if indices is None else {"indices": indices}
    info = run.api.put(f"/_snapshot/{REPO}/snap", body, wait_for_completion="true").json["snapshot"]
    assert info["indices"] == expected


def test_a_missing_index_is_404_unless_ignored(run: Emulated) -> None:
    answer = run.api.put(f"/_snapshot/{REPO}/snap", {"indices": "logs-*,nope"})
    assert (answer.status, answer.error_type, answer.reason) == (
        404,
        "index_not_found_exception",
        "no such index [nope]",
    )
    assert answer.json["error"]["index"] == "nope"
    ignored = run.api.put(f"/_snapshot/{REPO}/snap", {"indices": "logs-*,nope", "ignore_unavailable": True})
    assert ignored.status == 200


def test_a_date_math_name_resolves_in_utc() -> None:
    with emulated("opensearch", "2.11.0") as run:
        assert run.api.call("PUT", f"/_snapshot/{REPO}/%3Cnightly-%7Bnow%2Fd%7D%3E").status == 200
        assert run.domain.snapshot(REPO, "nightly-2026.11.28") is not None


# ---------------------------------------------------------------- progress


def test_a_new_snapshot_runs_for_the_planned_exact_polls_then_shows_its_outcome(run: Emulated) -> None:
    # Given snapshots that take three polls and end PARTIAL with one shard failure
    failure = {"index": "logs-2026.11.28", "shard_id": 1, "reason": "IndexShardSnapshotFailedException[boom]"}
    run.domain.progress = SnapshotProgress(polls=3, outcome="PARTIAL", failures=(failure,))
    run.api.put(f"/_snapshot/{REPO}/snap", {}, wait_for_completion="false")
    # When it is polled by name, with listings in between (which do not count)
    states = []
    for _ in range(4):
        run.api.get(f"/_snapshot/{REPO}/_all")
        states.append(run.api.get(f"/_snapshot/{REPO}/snap").json["snapshots"][0]["state"])
    # Then three polls show it running and the fourth its outcome
    assert states == ["IN_PROGRESS", "IN_PROGRESS", "IN_PROGRESS", "PARTIAL"]
    info = run.api.get(f"/_snapshot/{REPO}/snap").json["snapshots"][0]
    assert info["failures"] == [
        {"index": "logs-2026.11.28", "index_uuid": "logs-2026.11.28", "shard_id": 1,
         "reason": "IndexShardSnapshotFailedException[boom]", "node_id": run.domain.node_id,
         "status": "INTERNAL_SERVER_ERROR"}
    ]  # fmt: skip
    assert info["shards"] == {"total": 6, "failed": 1, "successful": 5}


def test_a_failed_snapshot_carries_its_reason(run: Emulated) -> None:
    run.domain.progress = SnapshotProgress(polls=0, outcome="FAILED", reason="Indices don't have primary shards [x]")
    run.api.put(f"/_snapshot/{REPO}/snap", {})
    info = run.api.get(f"/_snapshot/{REPO}/snap").json["snapshots"][0]
    assert (info["state"], info["reason"]) == ("FAILED", "Indices don't have primary shards [x]")


# ---------------------------------------------------------------- get


def test_verbose_snapshot_info_has_the_engines_fields_in_emission_order(run: Emulated) -> None:
    seed(run.domain, "snap", 1, metadata={"taken_by": "x"}, end_time=NOW - timedelta(days=1) + timedelta(seconds=5.407))
    info = run.api.get(f"/_snapshot/{REPO}/snap", human="true").json["snapshots"][0]
    assert list(info) == [
        "snapshot", "uuid", "version_id", "version", "remote_store_index_shallow_copy", "indices", "data_streams",
        "include_global_state", "metadata", "state", "start_time", "start_time_in_millis", "end_time",
        "end_time_in_millis", "duration", "duration_in_millis", "failures", "shards",
    ]  # fmt: skip
    assert (info["version_id"], info["version"]) == (136327827, "2.11.0")
    assert info["start_time"] == "2026-11-27T02:00:00.123Z"
    assert (info["duration_in_millis"], info["duration"]) == (5407, "5.4s")


@pytest.mark.parametrize(
    ("engine", "version", "version_id", "absent"),
    [
        ("opensearch", "2.0.1", 136217927, {"remote_store_index_shallow_copy"}),
        ("elasticsearch", "7.10.2", 7100299, {"remote_store_index_shallow_copy"}),
        ("elasticsearch", "7.4.2", 7040299, {"remote_store_index_shallow_copy", "data_streams"}),
    ],
)
def test_version_fields_follow_the_engine(engine: str, version: str, version_id: int, absent: set[str]) -> None:
    with emulated(engine, version) as run:
        seed(run.domain, "snap", 1)
        info = run.api.get(f"/_snapshot/{REPO}/snap").json["snapshots"][0]
    assert info["version_id"] == version_id
    assert absent.isdisjoint(info)
    assert "metadata" not in info


def test_non_verbose_listing_is_reduced_and_sorted_by_name(run: Emulated) -> None:
    seed(run.domain, "b", 1)
    seed(run.domain, "a", 0.5)
    listing = run.api.get(f"/_snapshot/{REPO}/_all", verbose="false").json["snapshots"]
    assert [s["snapshot"] for s in listing] == ["a", "b"]
    assert set(listing[0]) == {"snapshot", "uuid", "indices", "data_streams", "state"}


def test_listings_are_sorted_by_start_time_then_name(run: Emulated) -> None:
    seed(run.domain, "c", 3)
    seed(run.domain, "b", 1)
    seed(run.domain, "a", 1)
    names = [s["snapshot"] for s in run.api.get(f"/_snapshot/{REPO}/*").json["snapshots"]]
    assert names == ["c", "a", "b"]


def test_selecting_snapshots_by_name_pattern_and_list(run: Emulated) -> None:
    for name, days in (("nightly-1", 3), ("nightly-2", 2), ("manual-1", 1)):
        seed(run.domain, name, days)
    run.domain.add_snapshot(REPO, "nightly-3", state="IN_PROGRESS")

    def names(selector: str, **params: str) -> list[str]:
        return [s["snapshot"] for s in run.api.get(f"/_snapshot/{REPO}/{selector}", **params).json["snapshots"]]

    assert names("nightly-*") == ["nightly-1", "nightly-2", "nightly-3"]
    assert names("manual-1,nightly-1") == ["nightly-1", "manual-1"]
    assert names("_current") == ["nightly-3"]
    assert names("nope,nightly-2", ignore_unavailable="true") == ["nightly-2"]


@pytest.mark.parametrize(
    ("selector", "missing"), [("nope", "nope"), ("nope-*", "nope-*"), ("nightly-1,nope", "nope"), ("*", "*")]
)
def test_missing_names_and_unmatched_patterns_are_404(run: Emulated, selector: str, missing: str) -> None:
    if selector != "*":
        seed(run.domain, "nightly-1", 1)
    answer = run.api.get(f"/_snapshot/{REPO}/{selector}")
    assert (answer.status, answer.error_type) == (404, "snapshot_missing_exception")
    assert answer.reason == f"[{REPO}:{missing}] is missing"


def test_all_of_an_empty_repository_is_an_empty_list(run: Emulated) -> None:
    assert run.api.get(f"/_snapshot/{REPO}/_all").json == {"snapshots": []}
    assert run.api.get(f"/_snapshot/{REPO}/_current").json == {"snapshots": []}
    assert run.api.get(f"/_snapshot/{REPO}/nope-*", ignore_unavailable="true").json == {"snapshots": []}


def test_filter_path_keeps_only_the_listed_fields(run: Emulated) -> None:
    seed(run.domain, "a", 1, metadata={"taken_by": "x"})
    seed(run.domain, "b", 0.5)
    doc = run.api.get(
        f"/_snapshot/{REPO}/_all", filter_path="snapshots.snapshot,snapshots.state,snapshots.metadata"
    ).json
    assert doc == {"snapshots": [{"snapshot": "a", "metadata": {"taken_by": "x"}, "state": "SUCCESS"},
                                 {"snapshot": "b", "state": "SUCCESS"}]}  # fmt: skip
    assert (
        run.api.get(f"/_snapshot/{REPO}/nope-*", ignore_unavailable="true", filter_path="snapshots.snapshot").json == {}
    )


# ---------------------------------------------------------------- delete


def test_delete_is_synchronous_and_takes_lists_and_patterns_on_opensearch(run: Emulated) -> None:
    for name in ("nightly-1", "nightly-2", "nightly-3", "manual-1"):
        seed(run.domain, name, 1)
    assert run.api.delete(f"/_snapshot/{REPO}/nightly-1,manual-1").json == {"acknowledged": True}
    assert run.api.delete(f"/_snapshot/{REPO}/nightly-*").status == 200
    assert run.api.delete(f"/_snapshot/{REPO}/nothing-*").status == 200
    missing = run.api.delete(f"/_snapshot/{REPO}/nightly-9")
    assert (missing.status, missing.reason) == (404, f"[{REPO}:nightly-9] is missing")
    assert run.domain.snapshots(REPO) == []


@pytest.mark.parametrize(("engine", "version"), [("elasticsearch", "7.4.2"), ("elasticsearch", "7.7.0")])
def test_before_es_7_8_a_comma_list_is_one_literal_missing_name(engine: str, version: str) -> None:
    with emulated(engine, version) as run:
        seed(run.domain, "a", 1)
        seed(run.domain, "b", 1)
        answer = run.api.delete(f"/_snapshot/{REPO}/a,b")
        pattern = run.api.delete(f"/_snapshot/{REPO}/*")
        kept = [s.name for s in run.domain.snapshots(REPO)]
    assert (answer.status, answer.reason) == (404, f"[{REPO}:a,b] is missing")
    assert pattern.status == 404
    assert kept == ["a", "b"]


def test_es_7_8_deletes_comma_lists() -> None:
    with emulated("elasticsearch", "7.8.0") as run:
        seed(run.domain, "a", 1)
        seed(run.domain, "b", 1)
        assert run.api.delete(f"/_snapshot/{REPO}/a,b").status == 200
        assert run.domain.snapshots(REPO) == []


def test_deleting_a_running_snapshot_aborts_it(run: Emulated) -> None:
    run.domain.progress = SnapshotProgress(polls=10)
    run.api.put(f"/_snapshot/{REPO}/snap", {})
    assert run.api.delete(f"/_snapshot/{REPO}/snap").status == 200
    assert run.api.get(f"/_snapshot/{REPO}/snap").status == 404


def test_deleting_from_a_readonly_repository_fails(run: Emulated) -> None:
    run.domain.register_repository("shared", bucket="b", readonly=True)
    run.domain.add_snapshot("shared", "old")
    answer = run.api.delete("/_snapshot/shared/old")
    assert (answer.status, answer.reason) == (500, "[shared] cannot delete snapshot from a readonly repository")


# ---------------------------------------------------------------- the automated snapshot and concurrency


def test_before_es_7_9_the_automated_snapshot_blocks_creates_and_deletes_with_503() -> None:
    with emulated("elasticsearch", "7.4.2") as run:
        seed(run.domain, "old", 3)
        run.domain.start_automated_snapshot()
        create = run.api.put(f"/_snapshot/{REPO}/snap", {})
        delete = run.api.delete(f"/_snapshot/{REPO}/old")
        run.domain.finish_automated_snapshot()
        after = run.api.put(f"/_snapshot/{REPO}/snap", {})
    assert (create.status, create.error_type) == (503, "concurrent_snapshot_execution_exception")
    assert create.reason == f"[{REPO}:snap]  a snapshot is already running"
    assert (delete.status, delete.error_type) == (503, "concurrent_snapshot_execution_exception")
    assert delete.reason is not None and delete.reason.endswith("another snapshot is currently running cannot delete")
    assert after.status == 200


@pytest.mark.parametrize(("engine", "version"), [("opensearch", "2.11.0"), ("elasticsearch", "7.10.2")])
def test_from_es_7_9_snapshots_run_alongside_the_automated_one(engine: str, version: str) -> None:
    with emulated(engine, version) as run:
        seed(run.domain, "old", 3)
        run.domain.start_automated_snapshot()
        assert run.api.put(f"/_snapshot/{REPO}/snap", {}).status == 200
        assert run.api.delete(f"/_snapshot/{REPO}/old").status == 200
        automated = run.api.get("/_snapshot/cs-automated-enc/_current").json["snapshots"]
    assert [s["state"] for s in automated] == ["IN_PROGRESS"]


# ---------------------------------------------------------------- status and _cat


def test_status_lists_running_snapshots_and_named_finished_ones(run: Emulated) -> None:
    seed(run.domain, "done", 1, state="PARTIAL", failures=[{"index": "metrics-app", "shard_id": 0, "reason": "x"}])
    run.domain.add_snapshot(REPO, "running", state="IN_PROGRESS", start_time=NOW - timedelta(minutes=5))
    running = run.api.get("/_snapshot/_status").json["snapshots"]
    in_repo = run.api.get(f"/_snapshot/{REPO}/_status").json["snapshots"]
    done = run.api.get(f"/_snapshot/{REPO}/done/_status").json["snapshots"][0]
    assert [s["snapshot"] for s in running] == [s["snapshot"] for s in in_repo] == ["running"]
    assert running[0]["state"] == "STARTED"
    assert running[0]["shards_stats"]["started"] == 6
    assert done["state"] == "SUCCESS"  # PARTIAL shows SUCCESS in _status before OpenSearch 2.14
    assert done["shards_stats"] == {
        "initializing": 0,
        "started": 0,
        "finalizing": 0,
        "done": 5,
        "failed": 1,
        "total": 6,
    }
    assert done["indices"]["metrics-app"]["shards"]["0"]["stage"] == "FAILURE"
    assert run.api.get(f"/_snapshot/{REPO}/nope/_status").status == 404


def test_status_shows_partial_from_opensearch_2_14() -> None:
    with emulated("opensearch", "2.14.0") as run:
        seed(run.domain, "done", 1, state="PARTIAL")
        assert run.api.get(f"/_snapshot/{REPO}/done/_status").json["snapshots"][0]["state"] == "PARTIAL"


def test_cat_snapshots_answers_strings(run: Emulated) -> None:
    seed(run.domain, "done", 1, end_time=NOW - timedelta(days=1) + timedelta(seconds=3.4))
    run.domain.add_snapshot(REPO, "running", state="IN_PROGRESS", start_time=NOW - timedelta(seconds=90))
    rows = run.api.get(f"/_cat/snapshots/{REPO}", format="json").json
    assert rows[0] == {
        "id": "done", "status": "SUCCESS", "start_epoch": str(int((NOW - timedelta(days=1)).timestamp())),
        "start_time": "02:00:00", "end_epoch": str(int((NOW - timedelta(days=1)).timestamp() + 3.4)),
        "end_time": "02:00:03", "duration": "3.4s", "indices": "4", "successful_shards": "6",
        "failed_shards": "0", "total_shards": "6",
    }  # fmt: skip
    assert (rows[1]["end_epoch"], rows[1]["end_time"], rows[1]["duration"]) == ("0", "00:00:00", "1.5m")
    assert run.api.get("/_cat/snapshots", format="json", repository=REPO).json == rows
    assert run.api.get("/_cat/snapshots", format="json").reason == "Validation Failed: 1: repository is missing;"


# ---------------------------------------------------------------- the REST layer's string errors


def test_a_wrong_method_is_405_with_the_allowed_ones(run: Emulated) -> None:
    answer = run.api.get(f"/_snapshot/{REPO}/snap/_restore")
    assert answer.json == {
        "error": f"Incorrect HTTP method for uri [/_snapshot/{REPO}/snap/_restore] and method [GET], allowed: [POST]",
        "status": 405,
    }


def test_an_unknown_path_is_400_no_handler_without_status(run: Emulated) -> None:
    answer = run.api.get("/_snapshots/a/b")
    assert (answer.status, answer.json) == (
        400,
        {"error": "no handler found for uri [/_snapshots/a/b] and method [GET]"},
    )


def test_a_one_segment_typo_is_read_as_an_index_name_as_the_engine_does(run: Emulated) -> None:
    # GET /{index} is a route, so "/_snapshots" asks for an index of that name
    answer = run.api.get("/_snapshots")
    assert (answer.status, answer.error_type, answer.reason) == (
        404,
        "index_not_found_exception",
        "no such index [_snapshots]",
    )


def test_a_body_that_is_not_json_is_406(run: Emulated) -> None:
    answer = run.api.call("PUT", f"/_snapshot/{REPO}/snap", body={}, headers={"Content-Type": "text/plain"})
    assert (answer.status, answer.json) == (
        406,
        {"error": "Content-Type header [text/plain] is not supported", "status": 406},
    )


# ---------------------------------------------------------------- the server itself


def test_requests_are_recorded_in_order_with_their_status(run: Emulated) -> None:
    run.api.put(f"/_snapshot/{REPO}/snap", {"indices": "logs-*"}, wait_for_completion="false")
    run.api.get(f"/_snapshot/{REPO}/nope")
    first, second = run.domain.requests
    assert (first.method, first.path, first.query, first.body, first.status) == (
        "PUT", f"/_snapshot/{REPO}/snap", {"wait_for_completion": "false"}, {"indices": "logs-*"}, 200,
    )  # fmt: skip
    assert (second.method, second.status) == ("GET", 404)
    run.domain.clear_requests()
    assert run.domain.requests == []


def test_concurrent_clients_are_served_and_the_server_leaves_no_thread_behind() -> None:
    before = set(threading.enumerate())
    with emulated() as run:
        results: list[int] = []
        workers = [
            threading.Thread(target=lambda i=i: results.append(run.api.put(f"/_snapshot/{REPO}/s-{i}", {}).status))
            for i in range(8)
        ]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        assert results == [200] * 8
        assert len(run.domain.snapshots(REPO)) == 8
    assert set(threading.enumerate()) <= before


def test_errors_are_pretty_printed_on_request_but_never_filtered(run: Emulated) -> None:
    answer = run.api.get(f"/_snapshot/{REPO}/nope", pretty="true", filter_path="snapshots.snapshot")
    assert answer.status == 404
    assert answer.body.startswith(b'{\n  "error" : {')
    assert answer.error_type == "snapshot_missing_exception"


def test_a_405_names_the_allowed_methods_in_its_allow_header(run: Emulated) -> None:
    response = run.api.session.patch(f"{run.api.endpoint}/_snapshot/{REPO}/snap", timeout=5)
    assert response.status_code == 405
    assert response.headers["Allow"] == "GET,POST,PUT,DELETE"


def test_a_malformed_body_is_a_400_parse_error_and_a_body_on_a_get_is_refused(run: Emulated) -> None:
    broken = run.api.call("PUT", f"/_snapshot/{REPO}/snap", body=None, headers={"Content-Type": "application/json"})
    assert broken.status == 200  # no body at all is fine: every create setting has a default
    garbage = run.api.session.put(
        f"{run.api.endpoint}/_snapshot/{REPO}/other", data=b"{nope", headers={"Content-Type": "application/json"}
    )
    assert (garbage.status_code, garbage.json()["error"]["type"]) == (400, "json_parse_exception")
    with_body = run.api.call("GET", f"/_snapshot/{REPO}/snap", body={"x": 1})
    assert (with_body.status, with_body.error_type) == (400, "illegal_argument_exception")
    assert with_body.reason == f"request [GET /_snapshot/{REPO}/snap] does not support having a body"
