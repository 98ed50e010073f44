"""Fixtures for running the real BackupStateMachine against an emulated domain."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from tests.emulator import EmulatedDomain, EmulatorCredentials, serve
from tests.support.stack import RehearsalStack, VirtualClock

REPOSITORY = "nightly-backups"
INDICES = ("logs-2026.11.26", "logs-2026.11.27", "logs-2026.11.28", ".kibana_1")


NIGHTLY_START = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> VirtualClock:
    """Virtual time from 02:00 UTC, when the default schedule starts a nightly run."""
    return VirtualClock(NIGHTLY_START)


@pytest.fixture
def engine() -> tuple[str, str]:
    return ("opensearch", "2.11.0")


@pytest.fixture
def credentials() -> EmulatorCredentials:
    return EmulatorCredentials.testing()


@pytest.fixture
def domain(clock: VirtualClock, engine: tuple[str, str], credentials: EmulatorCredentials) -> EmulatedDomain:
    flavour, version = engine
    emulated = EmulatedDomain(
        engine=flavour, version=version, region="us-east-1", credentials=credentials, indices=INDICES, clock=clock.now
    )
    emulated.register_repository(REPOSITORY, bucket="sentinel-backups")
    return emulated


@pytest.fixture
def parameters() -> dict[str, object]:
    return {}


@pytest.fixture
def stack(
    domain: EmulatedDomain, clock: VirtualClock, credentials: EmulatorCredentials, parameters: dict[str, object]
) -> Iterator[RehearsalStack]:
    with (
        serve(domain, port=0) as server,
        RehearsalStack(server.endpoint, parameters=parameters, clock=clock, credentials=credentials) as rehearsal,
    ):
        yield rehearsal
