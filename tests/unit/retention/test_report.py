"""The retention report and the delete batches: pure pieces of the executor, tested without a domain."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

from hypothesis import given
from hypothesis import strategies as st

from snapshot_sentinel.models import FAILED, SUCCESS, EngineVersion, SnapshotInfo
from snapshot_sentinel.naming import managed_snapshot_name
from snapshot_sentinel.ownership import snapshot_metadata
from snapshot_sentinel.retention.apply import MAX_NAMES_CHARS, delete_batches
from snapshot_sentinel.retention.plan import Decision, RetentionPolicy, Rule, plan_retention
from snapshot_sentinel.retention.report import Deferred, RetentionReport

NOW = datetime(2024, 6, 1, 2, 0, tzinfo=UTC)
POLICY = RetentionPolicy(prefix="nightly", stack_name="prod-backups", days=14, min_count=7)
OURS = snapshot_metadata("prod-backups", "arn:aws:states:us-east-1:123456789012:execution:b:x", subset=False)


def nightlies(count: int) -> list[SnapshotInfo]:
    """One managed SUCCESS snapshot a day, the newest first."""
    return [
        SnapshotInfo(
            managed_snapshot_name("nightly", NOW - timedelta(days=d)),
            SUCCESS,
            start_time=NOW - timedelta(days=d),
            metadata=OURS,
        )
        for d in range(count)
    ]


def decisions(names: list[str]) -> list[Decision]:
    return [Decision(SnapshotInfo(name=n, state=SUCCESS), Rule.EXPIRED, "Deleted.") for n in names]


@given(st.lists(st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-.:+", min_size=1, max_size=255), max_size=300))
def test_multi_delete_batches_keep_order_and_stay_within_the_url_bound(names: list[str]) -> None:
    # When names are cut into batches for a domain that takes comma lists
    batches = delete_batches(decisions(names), multi_delete=True)

    # Then every name goes exactly once, oldest first as given, and no batch's names exceed the bound
    assert [d.name for batch in batches for d in batch] == names
    for batch in batches:
        joined = ",".join(quote(d.name, safe="") for d in batch)
        assert len(joined) <= MAX_NAMES_CHARS or len(batch) == 1


def test_a_thousand_nightly_names_fit_in_ten_requests() -> None:
    names = [f"nightly-{(NOW - timedelta(days=d)):%Y-%m-%dt%H-%M-%Sz}" for d in range(1000)]

    batches = delete_batches(decisions(names), multi_delete=True)

    assert len(batches) == 10


def test_without_multi_delete_each_name_is_its_own_request() -> None:
    batches = delete_batches(decisions(["nightly-a", "nightly-b", "nightly-c"]), multi_delete=False)

    assert [[d.name for d in batch] for batch in batches] == [["nightly-a"], ["nightly-b"], ["nightly-c"]]


def _big_report(count: int, name_length: int) -> RetentionReport:
    """``count`` managed snapshots (their names are the managed format's), and ``count // 5`` strangers
    with ``name_length``-character names."""
    snapshots = [
        SnapshotInfo(
            name=managed_snapshot_name("nightly", NOW - timedelta(hours=i)),
            state=SUCCESS if i % 3 else FAILED,
            start_time=NOW - timedelta(hours=i),
            metadata=OURS,
        )
        for i in range(count)
    ] + [
        SnapshotInfo(name=f"weekly-{'x' * (name_length - 15)}{i:08d}", state=SUCCESS, start_time=NOW)
        for i in range(count // 5)
    ]
    plan = plan_retention(snapshots, POLICY, NOW)
    doomed = plan.to_delete
    third = len(doomed) // 3
    return RetentionReport(
        repository="sentinel",
        plan=plan,
        dry_run=False,
        protected=frozenset(),
        engine=EngineVersion("opensearch", "2.11.0"),
        deleted=list(doomed[:third]),
        deferred=[
            Deferred(d, "the domain refused the delete while another snapshot operation runs " * 2)
            for d in doomed[third : 2 * third]
        ],
        not_reached=list(doomed[2 * third :]),
        delete_requests=17,
        stopped_because="the time budget of 600 s was spent; the next run continues with the rest",
    )


def test_the_report_of_a_huge_repository_stays_far_below_the_step_functions_payload_limit() -> None:
    # Given 5,000 managed snapshots spread over every list of the report, and strangers with 200-character names
    report = _big_report(5_000, 200)

    # When it becomes the execution's output
    document = report.to_dict()
    size = len(json.dumps(document))

    # Then it stays under 100 KB (the limit is 256 KB), and the totals and rule counts are still complete
    assert size < 100_000
    totals = document["totals"]
    assert totals["listed"] == 6_000
    assert totals["deleted"] + totals["deferred"] + totals["not_reached"] == totals["to_delete"]
    assert sum(document["by_rule"].values()) == 6_000
    for key in ("deleted", "deferred", "not_reached", "kept", "not_managed"):
        assert len(document[key]) + document["omitted"].get(key, 0) == totals[key], key
    assert document["omitted"]


def test_a_small_report_lists_everything_with_its_rule_and_the_rule_sentences() -> None:
    snapshots = nightlies(20)
    names = [s.name for s in snapshots]
    plan = plan_retention(snapshots, POLICY, NOW)
    report = RetentionReport(repository="sentinel", plan=plan, dry_run=False, protected=frozenset({names[0]}))
    report.deleted.extend(plan.to_delete)

    document = report.to_dict()

    assert document["omitted"] == {}
    assert [e["name"] for e in document["deleted"]] == [names[d] for d in range(19, 14, -1)]
    assert document["kept"][0] == {
        "name": names[0],
        "state": "SUCCESS",
        "start_time": "2024-06-01T02:00:00.000Z",
        "rule": "newest_success",
    }
    assert document["rules"]["expired"] == "Deleted: SUCCESS older than 14 days, beyond the 7 newest."
    assert document["by_rule"] == {"expired": 5, "minimum_count": 6, "newest_success": 1, "within_retention": 8}
    assert document["protected"] == [names[0]]
    json.dumps(document)


def test_a_dry_run_report_says_what_would_go_and_claims_no_deletion() -> None:
    plan = plan_retention(nightlies(20), POLICY, NOW)

    document = RetentionReport(repository="sentinel", plan=plan, dry_run=True, protected=frozenset()).to_dict()

    assert document["dry_run"] is True
    assert len(document["would_delete"]) == 5
    assert "deleted" not in document
    assert document["totals"]["deleted"] == 0
