"""Registration waits out what passes on its own, within the time the function has left.

These tests drive snapshot_sentinel.repository.custom_resource.handle_request against the emulated domain with a
virtual clock: every sleep advances it, so minutes of patience take milliseconds, and what the
domain does meanwhile (a snapshot finishing) happens at the moment of the sleep.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests

from snapshot_sentinel.client import DomainClient
from snapshot_sentinel.repository.custom_resource import WORK_MARGIN_SECONDS, handle_request
from snapshot_sentinel.repository.patience import Patience
from tests.emulator import EmulatedDomain, Fault, serve
from tests.support.cfn_inbox import CloudFormationInbox, cloudformation_inbox

ROOT = Path(__file__).resolve().parents[2]
REPO = "nightly-backups"
SNAPSHOT = "nightly-2026-11-28t02-00-00z"
PATIENCE = Patience()


@dataclass
class VirtualTime:
    now: float = 1_000.0
    slept: list[float] = field(default_factory=list)
    on_sleep: Callable[[], None] | None = None

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds
        if self.on_sleep:
            self.on_sleep()


@dataclass
class Setup:
    domain: EmulatedDomain
    endpoint: str
    inbox: CloudFormationInbox
    time: VirtualTime

    def run(self, kind: str = "create", *, seconds_left: float = 300.0, **properties: str) -> dict[str, Any]:
        event: dict[str, Any] = json.loads((ROOT / "events/register_repository" / f"{kind}.json").read_text())
        event["ResponseURL"] = self.inbox.url
        event["ResourceProperties"].update(properties)
        started = self.time.now
        handle_request(
            event,
            connect=lambda: DomainClient(self.endpoint, requests.Session()),
            remaining_seconds=lambda: seconds_left - (self.time.now - started),
            session=requests.Session(),
            clock=self.time.clock,
            sleep=self.time.sleep,
        )
        return self.inbox.only_answer

    def puts(self) -> int:
        return sum(1 for r in self.domain.requests if r.method == "PUT" and r.path == f"/_snapshot/{REPO}")


@pytest.fixture
def setup() -> Iterator[Setup]:
    domain = EmulatedDomain(engine="opensearch", version="2.11.0", region="us-east-1", credentials=None)
    with serve(domain, port=0) as server, cloudformation_inbox() as inbox:
        yield Setup(domain, server.endpoint, inbox, VirtualTime())


def test_a_change_waits_for_the_running_snapshot_then_registers(setup: Setup) -> None:
    # Given a snapshot running in the repository that finishes during the first wait
    setup.domain.register_repository(REPO, bucket="old-bucket", region="us-east-1", role_arn="arn:aws:iam::1:role/r")
    setup.domain.add_snapshot(REPO, SNAPSHOT, state="IN_PROGRESS")
    setup.time.on_sleep = lambda: setup.domain.complete_snapshot(REPO, SNAPSHOT)
    # When an update moves the repository to the stack's bucket
    answer = setup.run("update")
    # Then the PUT refused while in use was tried again after one wait, and succeeded
    assert answer["Status"] == "SUCCESS"
    assert setup.time.slept == [PATIENCE.in_use_interval_seconds]
    assert setup.puts() == 2
    assert setup.domain.repository(REPO)["settings"]["bucket"] != "old-bucket"  # type: ignore[index]


def test_a_snapshot_that_outlasts_the_function_fails_before_its_timeout(setup: Setup) -> None:
    # Given a snapshot that keeps running
    setup.domain.register_repository(REPO, bucket="old-bucket", region="us-east-1", role_arn="arn:aws:iam::1:role/r")
    setup.domain.add_snapshot(REPO, SNAPSHOT, state="IN_PROGRESS")
    # When an update changes the settings with five minutes left
    answer = setup.run("update", seconds_left=300)
    # Then it waited as long as it could, and answered FAILED with the work margin still left
    assert answer["Status"] == "FAILED"
    assert "still so after" in answer["Reason"]
    waited = sum(setup.time.slept)
    assert 300 - WORK_MARGIN_SECONDS - PATIENCE.in_use_interval_seconds - PATIENCE.min_attempt_seconds <= waited
    assert waited <= 300 - WORK_MARGIN_SECONDS
    assert setup.domain.repository(REPO)["settings"]["bucket"] == "old-bucket"  # type: ignore[index]


def test_a_pass_role_refusal_right_after_the_role_was_created_is_waited_out(setup: Setup) -> None:
    # Given IAM still propagating the new PassRole grant for the first two attempts
    setup.domain.inject(Fault(kind="forbidden_passrole", method="PUT", path=r"^/_snapshot/[^/]+$", times=2))
    answer = setup.run("create")
    assert answer["Status"] == "SUCCESS"
    assert setup.puts() == 3
    assert setup.time.slept == [PATIENCE.retry_interval_seconds] * 2


def test_verification_retried_while_the_new_role_propagates_then_succeeds(setup: Setup) -> None:
    setup.domain.fail_repository_verification("Access Denied (Service: Amazon S3; Status Code: 403)", times=2)
    answer = setup.run("create")
    assert answer["Status"] == "SUCCESS"
    verifies = [r for r in setup.domain.requests if r.path.endswith("/_verify")]
    assert len(verifies) == 3


def test_a_verification_that_keeps_failing_gives_up_after_the_propagation_window(setup: Setup) -> None:
    setup.domain.fail_repository_verification("Access Denied (Service: Amazon S3; Status Code: 403)")
    answer = setup.run("create", seconds_left=900)
    assert answer["Status"] == "FAILED"
    assert "Access Denied" in answer["Reason"]
    assert sum(setup.time.slept) <= PATIENCE.propagation_window_seconds


def test_fine_grained_access_control_is_not_waited_for(setup: Setup) -> None:
    # A missing manage_snapshots mapping needs a person: no retry, an answer at once.
    setup.domain.inject(Fault(kind="forbidden_fgac", method="PUT", path=r"^/_snapshot/[^/]+$", times=5))
    answer = setup.run("create")
    assert answer["Status"] == "FAILED"
    assert setup.puts() == 1
    assert setup.time.slept == []


@pytest.mark.parametrize("kind", ["reset", "gateway_timeout_after", "gateway_timeout_before", "throttle"])
def test_a_put_lost_or_refused_in_transit_is_repeated_safely(setup: Setup, kind: str) -> None:
    # Given the first registration request lost (applied or not) or throttled
    setup.domain.inject(Fault(kind=kind, method="PUT", path=r"^/_snapshot/[^/]+$", times=1))
    answer = setup.run("create")
    # Then the idempotent PUT was sent again and the repository is registered once, verified
    assert answer["Status"] == "SUCCESS"
    assert setup.puts() == 2
    assert setup.domain.repository(REPO) is not None


def test_an_unexpected_error_still_answers_cloudformation(setup: Setup) -> None:
    event: dict[str, Any] = json.loads((ROOT / "events/register_repository/create.json").read_text())
    event["ResponseURL"] = setup.inbox.url

    def broken() -> DomainClient:
        raise RuntimeError("socket factory exploded")

    handle_request(event, connect=broken, remaining_seconds=lambda: 300.0, session=requests.Session())
    answer = setup.inbox.only_answer
    assert answer["Status"] == "FAILED"
    assert "Unexpected RuntimeError" in answer["Reason"]
    assert "socket factory exploded" in answer["Reason"]
