"""Amazon's front before the real engine: signatures, s3 registrations on a shared location, faults."""

from __future__ import annotations

import pytest
import requests

from snapshot_sentinel.client import Credentials, signed_session
from tests.emulator import EmulatorCredentials, Fault
from tests.support.constants import BUCKET, REPOSITORY


@pytest.fixture
def signed() -> requests.Session:
    creds = EmulatorCredentials.testing()
    return signed_session("us-east-1", Credentials(creds.access_key, creds.secret_key, creds.session_token))


def test_unsigned_calls_are_refused_the_amazon_way_and_signed_ones_reach_opensearch(domain, signed):
    unsigned = requests.get(domain.endpoint + "/", timeout=10)
    assert unsigned.status_code == 403
    assert unsigned.json() == {"Message": "User: anonymous is not authorized to perform: es:ESHttpGet"}

    root = signed.get(domain.endpoint + "/", timeout=10).json()
    assert root["version"]["distribution"] == "opensearch"
    assert root["version"]["number"].startswith("2.")


def test_two_registrations_of_one_bucket_and_base_path_share_their_snapshots(domain, signed):
    # Given a second domain's registration (a drill or migration domain) of production's bucket
    registration = {"type": "s3", "settings": {"bucket": BUCKET, "role_arn": "arn:aws:iam::1:role/R"}}
    assert signed.put(f"{domain.endpoint}/_snapshot/other-domain?verify=false", json=registration).status_code == 200
    domain.create_index("orders", docs=3)
    created = signed.put(
        f"{domain.endpoint}/_snapshot/{REPOSITORY}/shared-1?wait_for_completion=true", json={"indices": "orders"}
    )
    assert created.status_code == 200, created.text

    seen = signed.get(f"{domain.endpoint}/_snapshot/other-domain/_all").json()

    assert [s["snapshot"] for s in seen["snapshots"]] == ["shared-1"]
    shown = signed.get(f"{domain.endpoint}/_snapshot/other-domain").json()["other-domain"]
    assert shown["type"] == "s3" and shown["settings"]["bucket"] == BUCKET


def test_a_504_after_the_snapshot_started_is_adopted_and_the_domain_holds_one_snapshot(stack, domain):
    domain.create_index("orders", docs=10)
    domain.inject(Fault(method="PUT", path=rf"^/_snapshot/{REPOSITORY}/nightly-", kind="gateway_timeout_after"))

    run = stack.run({})

    assert run.status == "SUCCEEDED", run.cause
    assert list(domain.snapshot_states(REPOSITORY).values()) == ["SUCCESS"]
