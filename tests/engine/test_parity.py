"""Parity: every request the product sends (each method and path its layer uses, with the product's
query and body, plus the error cases it handles) goes to the emulator and to the real engine, both
behind the same Amazon front, from the same starting state. Their status codes, error types and the
response fields the product reads must agree.

A difference is either fixed in the emulator or listed in ``KNOWN_DIFFERENCES`` with the reason
(tests/emulator/README.md, "Compared with the real engine"). The test fails on a difference not
listed, and on a listed one that no longer differs, so the list stays true.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests

from snapshot_sentinel.client import Credentials, signed_session
from tests.emulator import EmulatedDomain, EmulatorCredentials, SnapshotProgress
from tests.engine.domains import EmulatorDomain, EngineDomain

REPO = "nightly-backups"
SNAP = "nightly-parity-1"
RED_SNAP = "nightly-parity-red"
LIST_FILTER = (
    "snapshots.snapshot,snapshots.uuid,snapshots.state,snapshots.start_time_in_millis,snapshots.metadata,"
    "snapshots.version_id"
)
STATUS_FILTER = "snapshots.snapshot,snapshots.state,snapshots.shards_stats,snapshots.stats"
METADATA = {"taken_by": "snapshot-sentinel", "stack": "parity", "execution_id": "arn:x", "scope": "full"}
S3_REGISTRATION = {"type": "s3", "settings": {"bucket": "parity-bucket", "role_arn": "arn:aws:iam::1:role/R"}}

KNOWN_DIFFERENCES: dict[str, str] = {}
"""Step name -> why the emulator answers differently on purpose (kept in tests/emulator/README.md)."""


def error_type(status: int, doc: Any) -> str | None:
    """The error's type as the product's client reads it: the engine envelope's ``type``, a plain
    string error, or Amazon's ``Message``."""
    if status < 300:
        return None
    if isinstance(doc, dict):
        error = doc.get("error")
        if isinstance(error, dict):
            return str(error.get("type"))
        if isinstance(error, str):
            return "string error"
        if "Message" in doc or "message" in doc:
            return "amazon message"
    return "not json"


def snapshot_fields(doc: Any) -> Any:
    """What the product reads of a snapshot (SnapshotInfo.from_api and the restore plan)."""
    [snap] = doc["snapshots"]
    return {
        "snapshot": snap["snapshot"],
        "state": snap["state"],
        "indices": sorted(snap["indices"]),
        "metadata": snap.get("metadata"),
        "include_global_state": snap.get("include_global_state"),
        "version": snap.get("version"),
        "has_version_id": "version_id" in snap,
        "has_times": all(k in snap for k in ("start_time", "start_time_in_millis", "end_time_in_millis")),
        "shards": snap.get("shards"),
        "failures": snap.get("failures"),
    }


def partial_fields(doc: Any) -> Any:
    """What the alert of a PARTIAL snapshot reads: its state, shard counts, and each failure's place and reason."""
    [snap] = doc["snapshots"]
    return {
        "state": snap["state"],
        "shards": snap.get("shards"),
        "failures": sorted(
            (f.get("index"), f.get("shard_id"), f.get("reason"), f.get("status")) for f in snap.get("failures") or []
        ),
    }


def status_fields(doc: Any) -> Any:
    [snap] = doc["snapshots"]
    return {
        "keys": sorted(snap),
        "state": snap["state"],
        "shards_stats": sorted(snap["shards_stats"]),
        "stats": sorted(snap["stats"]),
        "total_files": "total" in snap["stats"] and sorted(snap["stats"]["total"]),
    }


def listed(doc: Any) -> Any:
    return [
        {"name": s["snapshot"], "keys": sorted(s), "state": s["state"], "metadata": s.get("metadata")}
        for s in (doc or {}).get("snapshots") or []
    ]


def rows(*columns: str) -> Callable[[Any], Any]:
    def view(doc: Any) -> Any:
        return sorted(
            ({c: row.get(c) for c in columns} for row in doc if not str(row.get("index")).startswith(".")),
            key=lambda r: str(r.get("index")),
        )

    return view


def health_fields(doc: Any) -> Any:
    keys = ("status", "number_of_nodes", "number_of_data_nodes", "active_primary_shards", "active_shards")
    return {k: doc.get(k) for k in (*keys, "initializing_shards", "unassigned_shards")}


def index_health(index: str) -> Callable[[Any], Any]:
    def view(doc: Any) -> Any:
        entry = doc["indices"][index]
        shards = entry.get("shards") or {}
        return {
            "status": entry["status"],
            "active_primary_shards": entry["active_primary_shards"],
            "shards": {k: {"status": v["status"], "primary_active": v["primary_active"]} for k, v in shards.items()},
        }

    return view


def recovery_fields(doc: Any) -> Any:
    return {
        index: sorted(
            (s["id"], s["type"], s["stage"], s["primary"], s["source"].get("repository"), s["source"].get("snapshot"))
            for s in entry["shards"]
        )
        for index, entry in doc.items()
    }


def nothing(doc: Any) -> Any:
    return None


@dataclass
class Step:
    name: str
    method: str
    path: str
    params: dict[str, str] = field(default_factory=dict)
    body: Any = None
    view: Callable[[Any], Any] = nothing
    settle: bool = False  # let the engine finish (as a state machine Wait would) before the next step


STEPS = [
    # set-up, compared too: the product's registration, then indices, aliases and documents
    Step("register repository", "PUT", f"/_snapshot/{REPO}", {"verify": "false"}, S3_REGISTRATION, lambda d: d),
    Step("verify repository", "POST", f"/_snapshot/{REPO}/_verify", view=lambda d: sorted(d)),
    Step("verify missing repository", "POST", "/_snapshot/nope/_verify"),
    Step("get repository", "GET", f"/_snapshot/{REPO}", view=lambda d: {k: d[k]["type"] for k in d}),
    Step("get missing repository", "GET", "/_snapshot/nope"),
    Step(
        "create orders",
        "PUT",
        "/orders",
        body={
            "settings": {"index.number_of_shards": 2, "index.number_of_replicas": 0},
            "mappings": {"properties": {"message": {"type": "text"}, "n": {"type": "long"}}},
            "aliases": {"orders-live": {}},
        },
        view=lambda d: d,
    ),
    Step("create logs", "PUT", "/logs", body={"settings": {"index.number_of_replicas": 0}}, view=lambda d: d),
    Step(
        "index documents",
        "POST",
        "/_bulk",
        {"refresh": "true"},
        "".join(
            json.dumps({"index": {"_index": "orders" if n < 5 else "logs", "_id": str(n)}})
            + "\n"
            + json.dumps({"message": f"m{n}", "n": n})
            + "\n"
            for n in range(8)
        ),
        view=lambda d: d["errors"],
    ),
    # what the product reads and does
    Step(
        "root",
        "GET",
        "/",
        view=lambda d: {"distribution": d["version"].get("distribution"), "number": d["version"]["number"]},
    ),
    Step("health", "GET", "/_cluster/health", view=health_fields),
    Step(
        "cluster settings",
        "GET",
        "/_cluster/settings",
        {"include_defaults": "true", "flat_settings": "true"},
        view=lambda d: (d["defaults"].get("cluster.max_shards_per_node"), sorted(d)),
    ),
    Step(
        "indices for the restore plan",
        "GET",
        "/_cat/indices/*",
        {"format": "json", "h": "index,status,pri", "expand_wildcards": "all"},
        view=rows("index", "status", "pri"),
    ),
    Step(
        "indices for the catalog",
        "GET",
        "/_cat/indices/*",
        {"format": "json", "h": "index,status,docs.count,pri,pri.store.size", "bytes": "b"},
        view=rows("index", "status", "docs.count", "pri"),
    ),
    Step("aliases", "GET", "/_alias", view=lambda d: {k: v for k, v in d.items() if not k.startswith(".")}),
    Step(
        "create snapshot",
        "PUT",
        f"/_snapshot/{REPO}/{SNAP}",
        {"wait_for_completion": "false"},
        {"indices": "orders,logs", "include_global_state": False, "metadata": METADATA},
        view=lambda d: d,
        settle=True,
    ),
    Step(
        "create snapshot again",
        "PUT",
        f"/_snapshot/{REPO}/{SNAP}",
        {"wait_for_completion": "false"},
        {"indices": "orders,logs", "include_global_state": False, "metadata": METADATA},
    ),
    Step("create snapshot, missing repository", "PUT", "/_snapshot/nope/x", {"wait_for_completion": "false"}, {}),
    Step("get snapshot", "GET", f"/_snapshot/{REPO}/{SNAP}", view=snapshot_fields),
    Step("get missing snapshot", "GET", f"/_snapshot/{REPO}/nope"),
    Step(
        "snapshot status",
        "GET",
        f"/_snapshot/{REPO}/{SNAP}/_status",
        {"filter_path": STATUS_FILTER},
        view=status_fields,
    ),
    Step("missing snapshot status", "GET", f"/_snapshot/{REPO}/nope/_status", {"filter_path": STATUS_FILTER}),
    Step(
        "list snapshots",
        "GET",
        f"/_snapshot/{REPO}/nightly-*",
        {"ignore_unavailable": "true", "filter_path": LIST_FILTER},
        view=listed,
    ),
    Step(
        "list snapshots, none match",
        "GET",
        f"/_snapshot/{REPO}/weekly-*",
        {"ignore_unavailable": "true", "filter_path": LIST_FILTER},
        view=listed,
    ),
    Step(
        "several snapshots by name",
        "GET",
        f"/_snapshot/{REPO}/{SNAP},nope",
        {"ignore_unavailable": "true"},
        view=listed,
    ),
    Step(
        "restore over an open index",
        "POST",
        f"/_snapshot/{REPO}/{SNAP}/_restore",
        {"wait_for_completion": "false"},
        {"indices": "orders", "include_global_state": False, "include_aliases": True},
    ),
    Step(
        "close orders", "POST", "/orders/_close", view=lambda d: (d.get("acknowledged"), d.get("shards_acknowledged"))
    ),
    Step("close a missing index", "POST", "/nope/_close"),
    Step(
        "restore over the closed index",
        "POST",
        f"/_snapshot/{REPO}/{SNAP}/_restore",
        {"wait_for_completion": "false"},
        {"indices": "orders", "include_global_state": False, "include_aliases": False},
        view=lambda d: d,
        settle=True,
    ),
    Step("open orders", "POST", "/orders/_open", view=lambda d: d.get("acknowledged")),
    Step("delete logs", "DELETE", "/logs", view=lambda d: d),
    Step("delete a missing index", "DELETE", "/nope"),
    Step(
        "restore a deleted index renamed",
        "POST",
        f"/_snapshot/{REPO}/{SNAP}/_restore",
        {"wait_for_completion": "false"},
        {
            "indices": "logs",
            "include_global_state": False,
            "include_aliases": False,
            "rename_pattern": "(.+)",
            "rename_replacement": "drill-x-$1",
            "index_settings": {"index.number_of_replicas": 0},
        },
        view=lambda d: d,
        settle=True,
    ),
    Step(
        "restore a missing snapshot",
        "POST",
        f"/_snapshot/{REPO}/nope/_restore",
        {"wait_for_completion": "false"},
        {"indices": "logs"},
    ),
    Step(
        "add aliases",
        "POST",
        "/_aliases",
        body={"actions": [{"add": {"index": "drill-x-logs", "alias": "logs-read"}}]},
        view=lambda d: d.get("acknowledged"),
    ),
    Step(
        "index health", "GET", "/_cluster/health/orders,drill-x-logs", {"level": "shards"}, view=index_health("orders")
    ),
    Step(
        "index recovery", "GET", "/orders,drill-x-logs/_recovery", {"ignore_unavailable": "true"}, view=recovery_fields
    ),
    Step("recovery of a missing index", "GET", "/nope/_recovery", {"ignore_unavailable": "true"}, view=lambda d: d),
    Step("recovery, bare", "GET", "/_recovery"),
    Step(
        "allocation explain",
        "GET",
        "/_cluster/allocation/explain",
        body={"index": "orders", "shard": 0, "primary": True},
        view=lambda d: (d.get("index"), d.get("shard"), d.get("primary"), d.get("current_state")),
    ),
    Step(
        "restored index stats",
        "GET",
        "/_cat/indices/orders,drill-x-logs",
        {"format": "json", "h": "index,health,status,pri,rep,docs.count,store.size", "bytes": "b"},
        view=rows("index", "health", "status", "pri", "rep", "docs.count"),
    ),
    Step("mapping", "GET", "/drill-x-logs/_mapping", view=lambda d: d["drill-x-logs"]["mappings"].get("properties")),
    Step(
        "sample search",
        "GET",
        "/drill-x-logs/_search",
        {"size": "1"},
        view=lambda d: (d["hits"]["total"], len(d["hits"]["hits"])),
    ),
    Step("delete a missing snapshot", "DELETE", f"/_snapshot/{REPO}/nope"),
    Step("delete snapshots", "DELETE", f"/_snapshot/{REPO}/{SNAP}", view=lambda d: d),
    # a red index: its only primary can be allocated nowhere
    Step(
        "create an index with no allocated primary",
        "PUT",
        "/stuck",
        {"wait_for_active_shards": "0"},
        {"settings": {"index.number_of_replicas": 0, "index.routing.allocation.require._name": "no-such-node"}},
        view=lambda d: d.get("acknowledged"),
    ),
    Step(
        "snapshot an index with no allocated primary",
        "PUT",
        f"/_snapshot/{REPO}/{RED_SNAP}",
        {"wait_for_completion": "false"},
        {"metadata": METADATA, "indices": "stuck,orders"},
    ),
    Step(
        "snapshot it partial",
        "PUT",
        f"/_snapshot/{REPO}/{RED_SNAP}",
        {"wait_for_completion": "false"},
        {"metadata": METADATA, "indices": "stuck,orders", "partial": True},
        view=lambda d: d,
        settle=True,
    ),
    Step("the partial snapshot", "GET", f"/_snapshot/{REPO}/{RED_SNAP}", view=partial_fields),
]


@dataclass
class Answer:
    status: int
    error: str | None
    fields: Any


def answer(session: requests.Session, endpoint: str, step: Step) -> Answer:
    if isinstance(step.body, str):
        data, headers = step.body.encode(), {"Content-Type": "application/x-ndjson"}
    elif step.body is not None:
        data, headers = json.dumps(step.body).encode(), {"Content-Type": "application/json"}
    else:
        data, headers = None, {}
    response = session.request(step.method, endpoint + step.path, params=step.params, data=data, headers=headers)
    try:
        doc = response.json()
    except ValueError:
        doc = None
    status = response.status_code
    fields = step.view(doc) if status < 300 else None
    return Answer(status, error_type(status, doc), fields)


@pytest.fixture
def session() -> requests.Session:
    creds = EmulatorCredentials.testing()
    return signed_session("us-east-1", Credentials(creds.access_key, creds.secret_key, creds.session_token))


@pytest.fixture
def both(engine_process: Any) -> Iterator[tuple[EmulatorDomain, EngineDomain]]:
    credentials = EmulatorCredentials.testing()
    emulated = EmulatedDomain(
        version=engine_process.version,
        credentials=credentials,
        indices=(),
        data_nodes=1,
        progress=SnapshotProgress(polls=0),
    )
    engine = EngineDomain(engine_process, credentials)
    engine.reset()
    with EmulatorDomain(emulated) as emulator, engine:
        yield emulator, engine


def test_the_emulator_answers_the_products_requests_as_the_engine_does(both, session):
    emulator, engine = both
    differences: dict[str, tuple[Answer, Answer]] = {}
    for step in STEPS:
        emulated = answer(session, emulator.endpoint, step)
        real = answer(session, engine.endpoint, step)
        if step.settle:
            engine.settle()
        if emulated != real:
            differences[step.name] = (emulated, real)

    unexplained = {name: pair for name, pair in differences.items() if name not in KNOWN_DIFFERENCES}
    assert not unexplained, "\n".join(
        f"{name}:\n  emulator {pair[0]}\n  engine   {pair[1]}" for name, pair in unexplained.items()
    )
    assert set(KNOWN_DIFFERENCES) <= set(differences), "listed differences that no longer differ"
