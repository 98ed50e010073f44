"""Fixtures for the scenarios of tests/engine: the real state machines in moto with the real handlers,
against a domain that is either the emulator or the real engine behind Amazon's front.

``domain`` is parametrized: each scenario runs against the real engine and against the emulator, so
a difference between the two shows as one variant failing. Every test here is marked ``engine``:
``make test-engine`` runs them, ``make test`` leaves them out (the emulator's own scenarios are in
tests/statemachine). The engine is one JVM for the whole session (started by the first test that
needs it), emptied between tests. ``credentials`` and ``parameters`` are the suite's
(tests/support/fixtures.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.emulator import EmulatedDomain, EmulatorCredentials
from tests.engine.domains import EmulatorDomain, EngineDomain, ScenarioDomain
from tests.engine.launcher import EngineProcess
from tests.support.constants import BUCKET, REPOSITORY
from tests.support.stack import RehearsalStack, VirtualClock


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.engine)


@pytest.fixture(scope="session")
def engine_process(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EngineProcess]:
    with EngineProcess(tmp_path_factory.mktemp("engine")) as engine:
        yield engine


class SettlingClock(VirtualClock):
    """Virtual time from now. The engine stamps its snapshots with the real time and the product ages
    them against this clock, so a test moves it forward to make them old. When time passes (a Wait
    state, a retry's back-off), ``settle`` runs first: the real engine finishes its running snapshots
    and recoveries, as it would in the 30 s or more a real wait lasts."""

    def __init__(self, start: datetime) -> None:
        super().__init__(start)
        self.settle: Callable[[], None] = lambda: None

    def advance(self, seconds: float) -> None:
        self.settle()
        super().advance(seconds)


@pytest.fixture
def clock() -> SettlingClock:
    return SettlingClock(datetime.now(UTC).replace(microsecond=0))


@pytest.fixture(params=["engine", "emulator"])
def domain(
    request: pytest.FixtureRequest, clock: SettlingClock, credentials: EmulatorCredentials
) -> Iterator[ScenarioDomain]:
    if request.param == "engine":
        engine = EngineDomain(request.getfixturevalue("engine_process"), credentials)
        engine.reset()
        with engine:
            engine.register_repository(REPOSITORY, bucket=BUCKET)
            clock.settle = engine.settle
            yield engine
        return
    emulated = EmulatedDomain(region="us-east-1", credentials=credentials, indices=(), clock=clock.now)
    with EmulatorDomain(emulated) as emulator:
        emulator.register_repository(REPOSITORY, bucket=BUCKET)
        yield emulator


@pytest.fixture
def stack(
    domain: ScenarioDomain, clock: VirtualClock, credentials: EmulatorCredentials, parameters: dict[str, object]
) -> Iterator[RehearsalStack]:
    with RehearsalStack(domain.endpoint, parameters=parameters, clock=clock, credentials=credentials) as rehearsal:
        yield rehearsal
