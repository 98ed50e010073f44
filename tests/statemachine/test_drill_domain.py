"""DrillStateMachine with DrillDomainEndpoint set: the drill restores on a separate scratch domain
that shares the snapshot bucket (the ``store`` fixture, the emulator's S3Store, which the ``domain``
fixture's production domain writes to) and holds the repository read-only, as the stack's
DrillSnapshotRepository registers it. The backed-up domain is only ever read."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from snapshot_sentinel.drills.plan import drill_stamp
from tests.emulator import EmulatedDomain, EmulatorCredentials, S3Store, serve
from tests.support.constants import BUCKET, REPOSITORY
from tests.support.drills import backed_up, drill, drill_indices, restore_bodies
from tests.support.stack import RehearsalStack, VirtualClock


@pytest.fixture
def drill_version() -> str:
    return "2.11.0"


@pytest.fixture
def drill_domain(
    clock: VirtualClock, credentials: EmulatorCredentials, store: S3Store, drill_version: str
) -> EmulatedDomain:
    return EmulatedDomain(
        version=drill_version, region="us-east-1", credentials=credentials, indices=(), clock=clock.now, s3=store
    )


@pytest.fixture
def stack(
    domain: EmulatedDomain, drill_domain: EmulatedDomain, clock: VirtualClock, credentials: EmulatorCredentials
) -> Iterator[RehearsalStack]:
    with serve(domain, port=0) as production, serve(drill_domain, port=0) as scratch:
        parameters = {"DrillDomainEndpoint": scratch.endpoint, "SnapshotBucketName": BUCKET}
        with RehearsalStack(production.endpoint, parameters=parameters, clock=clock, credentials=credentials) as run:
            yield run


def writes(domain: EmulatedDomain) -> list[tuple[str, str]]:
    return [(r.method, r.path) for r in domain.requests if r.method != "GET"]


def test_a_drill_on_a_separate_domain_restores_there_read_only_and_only_reads_the_backed_up_domain(
    stack, domain, drill_domain
):
    domain.create_index("orders", shards=2, docs=1_000, mapping={"properties": {"total": {"type": "double"}}})
    # Given the stack's DrillSnapshotRepository, created as CloudFormation would, by the real function
    answer = stack.create_custom_resource("DrillSnapshotRepository")
    assert answer["Status"] == "SUCCESS", answer["Reason"]
    registered = drill_domain.repository(REPOSITORY)
    assert registered is not None and registered["settings"]["readonly"] == "true"
    assert registered["settings"]["bucket"] == BUCKET
    # And a nightly backup of production
    snapshot = backed_up(stack, domain)

    run = drill(stack)

    assert run.status == "SUCCEEDED", run.cause
    # Then the restore ran on the drill domain, and production saw reads only
    [body] = restore_bodies(drill_domain)
    body = json.loads(body) if isinstance(body, str | bytes) else body
    assert "orders" in body["indices"].split(",")
    assert restore_bodies(domain) == [] and writes(domain) == []
    # And the drill verified against the catalog and production's live mapping, then cleaned up there
    verified = {i["index"]: i for i in run.output["verify"]["indices"]}
    assert verified["orders"]["target"] == f"{run.output['plan']['name_prefix']}orders"
    assert verified["orders"]["target"].startswith(f"drill-{drill_stamp(snapshot.start_time)}-")
    assert verified["orders"]["count"] == "ok: 1000 within [1000, 1000]"
    assert verified["orders"]["mapping"].startswith("ok")
    assert verified["orders"]["search"] == "ok"
    assert drill_indices(drill_domain) == [] and run.output["cleanup"]["deleted"]
    assert "orders" in domain.index_names()
    [alert] = run.alerts
    assert alert["subject"].startswith("[DRILL OK]")
    assert "Drill domain: " in alert["email"] and "read-only" in alert["email"]


def test_a_look_alike_drill_name_on_the_backed_up_domain_neither_blocks_the_drill_nor_is_touched(
    stack, domain, drill_domain
):
    domain.create_index("orders", docs=50)
    assert stack.create_custom_resource("DrillSnapshotRepository")["Status"] == "SUCCESS"
    snapshot = backed_up(stack, domain)
    look_alike = f"drill-{drill_stamp(snapshot.start_time)}-orders"
    domain.create_index(look_alike, docs=7)  # someone's index on production, named like the drill's
    domain.clear_requests()

    run = drill(stack)

    assert run.status == "SUCCEEDED", run.cause
    assert look_alike in domain.index_names() and writes(domain) == []
    assert drill_indices(drill_domain) == []


def test_a_drill_domain_without_the_repository_gets_it_registered_again_read_only_and_the_drill_says_so(
    stack, domain, drill_domain
):
    domain.create_index("orders", docs=50)
    backed_up(stack, domain)  # DrillSnapshotRepository was never created, or someone unregistered it since

    run = drill(stack)

    # Then the drill domain holds the repository as DrillSnapshotRepository registers it: read-only, the drill role
    assert run.status == "SUCCEEDED", run.cause
    assert drill_domain.repository(REPOSITORY) == {
        "type": "s3",
        "settings": {
            "bucket": BUCKET,
            "region": "us-east-1",
            "role_arn": "arn:aws:iam::123456789012:role/snapshot-sentinel-DrillSnapshotRole-Rehearsal",
            "server_side_encryption": "true",
            "readonly": "true",
        },
    }
    # And the drill says so, besides its report; the backed-up domain saw reads only
    notice, report = run.alerts
    assert notice["subject"].endswith(f": repository {REPOSITORY} registered again")
    assert "goes on with the drill" in notice["email"]
    assert report["subject"].startswith("[DRILL OK]")
    assert writes(domain) == []


@pytest.mark.parametrize("drill_version", ["2.9.0"])
def test_a_drill_domain_older_than_the_snapshot_fails_the_drill_saying_why(stack, domain, drill_domain):
    domain.create_index("orders", docs=50)
    assert stack.create_custom_resource("DrillSnapshotRepository")["Status"] == "SUCCESS"
    backed_up(stack, domain)  # taken on production's 2.11.0

    run = drill(stack)

    assert run.status == "FAILED"
    assert run.error == "RestoreRefusedError"
    [alert] = run.alerts
    assert (
        "created with OpenSearch version [2.11.0] which is higher than the version of this node [2.9.0]"
        in (alert["email"])
    )
    assert "A drill domain older than the snapshot cannot read it" in alert["email"]
    assert drill_indices(drill_domain) == [] and writes(domain) == []
