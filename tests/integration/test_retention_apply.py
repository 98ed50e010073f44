"""Retention against the emulated domain over real HTTP: what is deleted, how, and what is reported."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests

from snapshot_sentinel import errors
from snapshot_sentinel.client import DomainClient
from snapshot_sentinel.ownership import TAKEN_BY
from snapshot_sentinel.retention.apply import apply_retention
from snapshot_sentinel.retention.plan import RetentionPolicy
from snapshot_sentinel.retention.report import RetentionReport
from tests.emulator import FAILED, IN_PROGRESS, SUCCESS, EmulatedDomain, Fault, serve
from tests.support import snapshots
from tests.support.snapshots import nightly

REPO = "sentinel"
NOW = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)
STACK = "prod-backups"
POLICY = RetentionPolicy(prefix="nightly", stack_name=STACK, days=14, min_count=7)
OURS = {"taken_by": TAKEN_BY, "stack": STACK, "execution_id": "arn:aws:states:us-east-1:123456789012:execution:b:x"}


def new_domain(engine: str = "opensearch", version: str = "2.11.0") -> EmulatedDomain:
    domain = EmulatedDomain(engine=engine, version=version, region="us-east-1", credentials=None, clock=lambda: NOW)
    domain.register_repository(REPO, bucket="sentinel-snapshots")
    return domain


def seed_nightlies(domain: EmulatedDomain, days: range, state: str = SUCCESS) -> list[str]:
    names = [nightly(NOW, d)[0] for d in days]
    for d, name in zip(days, names, strict=True):
        domain.add_snapshot(REPO, name, state=state, start_time=NOW - timedelta(days=d, minutes=1), metadata=OURS)
    return names


class FakeMonotonic:
    """A monotonic clock that moves only when told: time passes per request, never by sleeping."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


class TimedSession(requests.Session):
    """A session on which every request takes ``seconds_per_request`` of the fake clock."""

    def __init__(self, clock: FakeMonotonic, seconds_per_request: float) -> None:
        super().__init__()
        self.clock = clock
        self.seconds_per_request = seconds_per_request

    def request(self, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        self.clock.now += self.seconds_per_request
        return super().request(*args, **kwargs)


@dataclass
class Run:
    domain: EmulatedDomain
    endpoint: str
    clock: FakeMonotonic

    def client(self, seconds_per_request: float = 0.0) -> DomainClient:
        return DomainClient(
            self.endpoint,
            TimedSession(self.clock, seconds_per_request),
            read_timeout=5.0,
        )

    def retention(
        self,
        policy: RetentionPolicy = POLICY,
        *,
        protect: frozenset[str] = frozenset(),
        dry_run: bool = False,
        budget_seconds: float = 600,
        seconds_per_request: float = 0.0,
        **kwargs: Any,
    ) -> RetentionReport:
        return apply_retention(
            self.client(seconds_per_request),
            REPO,
            policy,
            now=NOW,
            protect=protect,
            dry_run=dry_run,
            budget_seconds=budget_seconds,
            monotonic=self.clock,
            **kwargs,
        )

    def names(self, repository: str = REPO) -> set[str]:
        return snapshots.names(self.domain, repository)

    def requests(self, method: str) -> list[str]:
        return [r.path for r in self.domain.requests if r.method == method]


@contextmanager
def running(domain: EmulatedDomain) -> Iterator[Run]:
    with serve(domain, port=0) as server:
        yield Run(domain, server.endpoint, FakeMonotonic())


@pytest.fixture
def opensearch() -> Iterator[Run]:
    with running(new_domain()) as run:
        yield run


@pytest.fixture
def elasticsearch_7_4() -> Iterator[Run]:
    with running(new_domain("elasticsearch", "7.4.2")) as run:
        yield run


def test_thirty_nightlies_among_strangers_lose_only_the_expired_ones(opensearch: Run) -> None:
    # Given 30 nightly snapshots of ours, a stuck running one, look-alikes, another stack's, and
    # Amazon's automated snapshot running in its own repository
    domain = opensearch.domain
    ours = seed_nightlies(domain, range(30))
    stuck = nightly(NOW, 40)[0]
    domain.add_snapshot(REPO, stuck, state=IN_PROGRESS, start_time=NOW - timedelta(days=40), metadata=OURS)
    staging, by_hand = nightly(NOW, 300)[0], nightly(NOW, 301)[0]
    strangers = {
        "weekly-2026-01-01": OURS,
        "nightly2-2026-01-01": OURS,
        "nightlyx-2026-01-01": OURS,
        "nightly-archive-before-migration": None,
        "nightly-before-upgrade-2-17": OURS,
        staging: {"taken_by": TAKEN_BY, "stack": "staging"},
        by_hand: None,
    }
    for name, metadata in strangers.items():
        domain.add_snapshot(REPO, name, start_time=NOW - timedelta(days=300), metadata=metadata)
    automated = domain.start_automated_snapshot()

    # When retention runs (14 days, at least 7)
    report = opensearch.retention(protect=frozenset({ours[0]}))

    # Then exactly the 16 nightlies older than 14 days are gone, in one listing and one delete
    expired = set(ours[14:])
    assert opensearch.names() == (set(ours) - expired) | {stuck, *strangers}
    assert automated in opensearch.names("cs-automated-enc")
    assert {d.name for d in report.deleted} == expired
    assert opensearch.requests("GET") == ["/_snapshot/sentinel/nightly-*", "/"]
    assert len(opensearch.requests("DELETE")) == 1
    listing = next(r for r in domain.requests if r.method == "GET" and r.path.startswith("/_snapshot"))
    assert listing.query["ignore_unavailable"] == "true"
    assert "snapshots.start_time_in_millis" in listing.query["filter_path"]
    assert "snapshots.metadata" in listing.query["filter_path"]

    # And the report names every managed snapshot with its rule
    document = report.to_dict()
    assert document["totals"] | {"listed": 0} == {
        "listed": 0,
        "managed": 31,
        "not_managed": 4,
        "kept": 15,
        "to_delete": 16,
        "deleted": 16,
        "deferred": 0,
        "not_reached": 0,
        "delete_requests": 1,
        "lookups": 0,
    }
    kept_rules = {e["name"]: e["rule"] for e in document["kept"]}
    assert kept_rules[ours[0]] == "protected"
    assert kept_rules[stuck] == "in_progress"
    assert kept_rules[ours[6]] == "minimum_count"
    assert kept_rules[ours[13]] == "within_retention"
    assert {e["name"]: e["rule"] for e in document["not_managed"]} == {
        "nightly-archive-before-migration": "foreign_name",
        "nightly-before-upgrade-2-17": "foreign_name",
        staging: "other_owner",
        by_hand: "no_metadata",
        # weekly-, nightly2- and nightlyx- are not even listed: the listing asks for nightly-*
    }
    assert "snapshots.version_id" in listing.query["filter_path"]
    assert document["engine"] == {"distribution": "opensearch", "version": "2.11.0", "multi_delete": True}


def test_weeks_of_failures_never_take_the_good_snapshots_below_the_minimum(opensearch: Run) -> None:
    # Given 10 good snapshots from a month and more ago, then two weeks of FAILED nights
    good = seed_nightlies(opensearch.domain, range(30, 40))
    failed = seed_nightlies(opensearch.domain, range(14), state=FAILED)

    # When retention runs
    report = opensearch.retention()

    # Then only the 3 oldest good ones go: 7 SUCCESS remain, and the recent failures stay for diagnosis
    assert {d.name for d in report.deleted} == set(good[7:])
    assert opensearch.names() == set(good[:7]) | set(failed)


def test_five_thousand_managed_snapshots_are_pruned_in_bounded_requests_and_report(opensearch: Run) -> None:
    # Given 5,000 hourly snapshots of ours (about 208 days)
    domain = opensearch.domain
    for hour in range(5_000):
        start = NOW - timedelta(hours=hour)
        domain.add_snapshot(REPO, f"nightly-{start:%Y-%m-%dt%H-%M-%Sz}", start_time=start, metadata=OURS, indices=[])

    # When retention runs
    report = opensearch.retention()

    # Then the 4,663 older than 14 days are gone in comma-separated deletes of at most 3,000 characters
    survivors = domain.snapshots(REPO)
    assert len(survivors) == 14 * 24 + 1
    assert all(s.start_time >= NOW - timedelta(days=14) for s in survivors)
    deletes = opensearch.requests("DELETE")
    assert len(deletes) == report.delete_requests == 46  # 29 characters a name: 103 names a request
    assert all(len(path.removeprefix("/_snapshot/sentinel/")) <= 3_000 for path in deletes)
    # And the execution output stays small
    assert len(json.dumps(report.to_dict())) < 100_000


def test_a_delete_answered_504_after_it_happened_counts_as_done_and_is_never_resent(opensearch: Run) -> None:
    # Given expired snapshots in several batches, and a gateway that times out the first delete after it ran
    expired = seed_nightlies(opensearch.domain, range(20, 30))
    seed_nightlies(opensearch.domain, range(7))
    opensearch.domain.inject(Fault(kind="gateway_timeout_after", method="DELETE", path=r"^/_snapshot/"))

    # When retention runs with small batches
    report = opensearch.retention(max_names_chars=100)

    # Then the run looked, found the first batch gone, and went on: everything expired is gone
    assert {d.name for d in report.deleted} == set(expired)
    assert report.deferred == []
    assert report.lookups == 1
    deleted_per_request = [path.rsplit("/", 1)[1].split(",") for path in opensearch.requests("DELETE")]
    sent = [name for names in deleted_per_request for name in names]
    assert sorted(sent) == sorted(expired)


def test_a_delete_answered_504_before_it_happened_is_deferred_to_the_next_run(opensearch: Run) -> None:
    expired = seed_nightlies(opensearch.domain, range(20, 30))
    seed_nightlies(opensearch.domain, range(7))
    opensearch.domain.inject(Fault(kind="gateway_timeout_before", method="DELETE", path=r"^/_snapshot/"))

    report = opensearch.retention(max_names_chars=100)

    # Then the first batch, still present, is deferred with why; later batches are deleted
    deferred = [d.decision.name for d in report.deferred]
    assert deferred and set(deferred) <= set(expired)
    assert all("still present" in d.why and "504" in d.why for d in report.deferred)
    assert {d.name for d in report.deleted} == set(expired) - set(deferred)
    assert set(deferred) <= opensearch.names()

    # And the next run finishes the job
    again = opensearch.retention()
    assert {d.name for d in again.deleted} == set(deferred)


def test_a_reset_connection_after_the_delete_ran_counts_as_done(opensearch: Run) -> None:
    expired = seed_nightlies(opensearch.domain, range(20, 25))
    seed_nightlies(opensearch.domain, range(7))
    opensearch.domain.inject(Fault(kind="reset_after", method="DELETE", path=r"^/_snapshot/"))

    report = opensearch.retention()

    assert {d.name for d in report.deleted} == set(expired)
    assert len(opensearch.requests("DELETE")) == 1


def test_a_throttled_delete_stops_the_run_after_looking_and_the_next_run_continues(opensearch: Run) -> None:
    expired = seed_nightlies(opensearch.domain, range(20, 30))
    seed_nightlies(opensearch.domain, range(7))
    opensearch.domain.inject(Fault(kind="throttle", method="DELETE", path=r"^/_snapshot/"))

    report = opensearch.retention(max_names_chars=100)

    assert report.deleted == []
    assert {d.decision.name for d in report.deferred} == set(expired)
    assert report.stopped_because is not None and "back off" in report.stopped_because
    assert len(opensearch.requests("DELETE")) == 1
    assert {d.name for d in opensearch.retention().deleted} == set(expired)


def test_a_delete_refused_while_the_automated_snapshot_runs_on_es_7_4_is_deferred_not_an_error(
    elasticsearch_7_4: Run,
) -> None:
    # Given an ES 7.4 domain (one snapshot operation at a time) while Amazon's hourly snapshot runs
    run = elasticsearch_7_4
    expired = seed_nightlies(run.domain, range(20, 25))
    seed_nightlies(run.domain, range(7))
    run.domain.start_automated_snapshot()

    # When retention runs
    report = run.retention()

    # Then nothing is deleted, one delete was tried, and every expired snapshot is reported as deferred
    assert report.deleted == []
    assert len(run.requests("DELETE")) == 1
    assert {d.decision.name for d in report.deferred} == set(expired)
    assert "another snapshot is currently running" in report.deferred[0].why
    assert report.to_dict()["stopped_because"].startswith("the domain refused the delete")

    # And once the automated snapshot has finished, the next run deletes them
    run.domain.finish_automated_snapshot()
    assert {d.name for d in run.retention().deleted} == set(expired)


def test_single_deletes_on_es_7_4_one_name_per_request_oldest_first(elasticsearch_7_4: Run) -> None:
    expired = seed_nightlies(elasticsearch_7_4.domain, range(20, 25))
    seed_nightlies(elasticsearch_7_4.domain, range(7))

    report = elasticsearch_7_4.retention()

    assert elasticsearch_7_4.requests("DELETE") == [f"/_snapshot/sentinel/{name}" for name in reversed(expired)]
    assert report.to_dict()["engine"] == {"distribution": "elasticsearch", "version": "7.4.2", "multi_delete": False}


def test_a_dry_run_deletes_nothing_and_reports_what_would_go(opensearch: Run) -> None:
    expired = seed_nightlies(opensearch.domain, range(20, 30))
    seed_nightlies(opensearch.domain, range(7))
    before = opensearch.names()

    report = opensearch.retention(dry_run=True)

    assert opensearch.names() == before
    assert opensearch.requests("DELETE") == []
    document = report.to_dict()
    assert document["dry_run"] is True
    assert {e["name"] for e in document["would_delete"]} == set(expired)


def test_a_spent_time_budget_stops_deleting_and_reports_the_rest_as_not_reached(elasticsearch_7_4: Run) -> None:
    # Given 20 expired snapshots on a single-delete domain where every request takes 20 s
    run = elasticsearch_7_4
    expired = seed_nightlies(run.domain, range(20, 40))
    seed_nightlies(run.domain, range(7))

    # When retention runs with a 100 s budget
    report = run.retention(budget_seconds=100, seconds_per_request=20)

    # Then deletes start only while the budget lasts: listing + GET / + 3 deletes = 100 s
    assert len(run.requests("DELETE")) == 3
    assert [d.name for d in report.deleted] == list(reversed(expired))[:3]
    assert [d.name for d in report.not_reached] == list(reversed(expired))[3:]
    assert report.stopped_because is not None and "time budget" in report.stopped_because

    # And the next run continues where this one stopped
    again = run.retention(budget_seconds=1_000, seconds_per_request=20)
    assert {d.name for d in again.deleted} == set(expired[:-3])


def test_nothing_to_delete_asks_nothing_more_than_the_listing(opensearch: Run) -> None:
    seed_nightlies(opensearch.domain, range(10))

    report = opensearch.retention()

    assert report.deleted == []
    assert [(r.method, r.path) for r in opensearch.domain.requests] == [("GET", "/_snapshot/sentinel/nightly-*")]


def test_an_empty_repository_is_fine(opensearch: Run) -> None:
    report = opensearch.retention()

    assert report.to_dict()["totals"]["listed"] == 0


@pytest.mark.parametrize(
    ("arrange", "error"),
    [
        (lambda run: run.domain.inject(Fault(kind="forbidden_fgac", method="DELETE")), errors.AuthorizationError),
        (lambda run: None, errors.RepositoryMissingError),
    ],
    ids=["fgac-refuses-delete", "repository-missing"],
)
def test_errors_that_are_not_transient_propagate_as_their_typed_exception(
    opensearch: Run, arrange: Callable[[Run], None], error: type[Exception]
) -> None:
    seed_nightlies(opensearch.domain, range(20, 25))
    seed_nightlies(opensearch.domain, range(7))
    arrange(opensearch)
    repository_missing = error is errors.RepositoryMissingError

    with pytest.raises(error):
        apply_retention(
            opensearch.client(),
            "not-registered" if repository_missing else REPO,
            POLICY,
            now=NOW,
            protect=frozenset(),
            dry_run=False,
            budget_seconds=600,
            monotonic=opensearch.clock,
        )


@pytest.mark.parametrize(
    ("engine", "version", "pruned"),
    [("elasticsearch", "6.8.0", True), ("elasticsearch", "7.10.2", False), ("opensearch", "2.11.0", False)],
)
def test_managed_names_without_metadata_are_ours_only_where_the_engine_stores_none(
    engine: str, version: str, pruned: bool
) -> None:
    """Elasticsearch before 7.3 drops metadata, so there the exact name decides; elsewhere a snapshot
    without metadata was not taken by this stack. The listing's version_id tells them apart."""
    domain = new_domain(engine, version)
    names = [nightly(NOW, d)[0] for d in range(30)]
    for d, name in enumerate(names):
        domain.add_snapshot(REPO, name, start_time=NOW - timedelta(days=d, minutes=1))
    with running(domain) as run:
        report = run.retention()

    assert {d.name for d in report.deleted} == (set(names[14:]) if pruned else set())
    rules = {d.rule.value for d in report.plan.decisions}
    assert ("no_metadata" in rules) == (not pruned)
