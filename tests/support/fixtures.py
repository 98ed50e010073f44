"""The fixtures every part of the suite may use, loaded once as a pytest plugin (``pytest_plugins`` in
tests/conftest.py): a test asks for them by name and imports nothing from another test module.

- Handlers: ``lambda_context`` and ``handler_env`` (what the Lambda runtime gives a function), and a
  clean slate of pending metrics before each test.
- Template: ``template``, template.yaml as CloudFormation reads it (one parse for the session).
- Rehearsal: ``clock``, ``engine``, ``credentials``, ``store``, ``domain``, ``parameters`` and
  ``stack``, the pieces of one run of the real state machines in moto with the real handlers against
  an emulated domain (tests/statemachine, tests/cli). A test changes one piece by overriding that
  fixture (``@pytest.mark.parametrize("parameters", [...])``, a ``domain`` fixture of its own) and
  keeps the others; tests/engine overrides ``domain`` to run each scenario on the real engine too.

Hypothesis runs with the profile named by ``HYPOTHESIS_PROFILE`` (``sentinel`` unless set).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from hypothesis import settings

from tests.emulator import EmulatedDomain, EmulatorCredentials, S3Store, serve
from tests.support.constants import BUCKET, INDICES, NIGHTLY_START, REGION, REPOSITORY
from tests.support.lambda_runtime import FakeLambdaContext, handler_environment
from tests.support.stack import RehearsalStack, VirtualClock
from tests.support.template import load_template

# No per-example deadline: a property test proves a rule, it does not time the code (benchmarks do),
# and a deadline would fail on a slow or busy CI machine for reasons unrelated to the rule.
settings.register_profile("sentinel", deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "sentinel"))


# ------------------------------------------------------------------ handlers


@pytest.fixture
def lambda_context() -> FakeLambdaContext:
    """The context the Lambda runtime passes (60 s left; build a ``FakeLambdaContext`` for other values)."""
    return FakeLambdaContext()


@pytest.fixture
def handler_env(monkeypatch: pytest.MonkeyPatch) -> Callable[..., dict[str, str]]:
    """Sets a function's environment for this test: ``handler_env(endpoint=..., REPOSITORY_NAME=...)``
    takes the arguments of :func:`tests.support.lambda_runtime.handler_environment` and returns what it set."""

    def apply(**arguments: object) -> dict[str, str]:
        environment = handler_environment(**arguments)  # type: ignore[arg-type]
        for name, value in environment.items():
            monkeypatch.setenv(name, value)
        return environment

    return apply


@pytest.fixture(autouse=True)
def _no_metrics_left_over() -> None:
    """Each test starts with no metric or dimension pending in the shared Powertools Metrics."""
    from snapshot_sentinel.observability import metrics

    metrics.clear_metrics()


# ------------------------------------------------------------------ template


@pytest.fixture(scope="session")
def template() -> dict[str, Any]:
    """template.yaml as CloudFormation reads it (short tags decoded); parsed once, read only."""
    return load_template()


# ------------------------------------------------------------------ rehearsal


@pytest.fixture
def clock() -> VirtualClock:
    """Virtual time from 02:00 UTC, when the default schedule starts a nightly run."""
    return VirtualClock(NIGHTLY_START)


@pytest.fixture
def engine() -> tuple[str, str]:
    """The emulated domain's engine and version."""
    return ("opensearch", "2.11.0")


@pytest.fixture
def credentials() -> EmulatorCredentials:
    return EmulatorCredentials.testing()


@pytest.fixture
def store() -> S3Store:
    """The buckets the emulated domains' repositories live in: a second domain given the same store
    (a drill's scratch domain, the vault's recovery domain) reads the same snapshots."""
    return S3Store()


@pytest.fixture
def domain(
    clock: VirtualClock, engine: tuple[str, str], credentials: EmulatorCredentials, store: S3Store
) -> EmulatedDomain:
    """The production domain: INDICES, and REPOSITORY registered on BUCKET."""
    flavour, version = engine
    emulated = EmulatedDomain(
        engine=flavour,
        version=version,
        region=REGION,
        credentials=credentials,
        indices=INDICES,
        clock=clock.now,
        s3=store,
    )
    emulated.register_repository(REPOSITORY, bucket=BUCKET)
    return emulated


@pytest.fixture
def parameters() -> dict[str, object]:
    """The stack's parameters over template.yaml's defaults (a test parametrizes this fixture)."""
    return {}


@pytest.fixture
def stack(
    domain: EmulatedDomain, clock: VirtualClock, credentials: EmulatorCredentials, parameters: dict[str, object]
) -> Iterator[RehearsalStack]:
    """The stack deployed in moto for ``domain``, served over HTTP."""
    with (
        serve(domain, port=0) as server,
        RehearsalStack(server.endpoint, parameters=parameters, clock=clock, credentials=credentials) as rehearsal,
    ):
        yield rehearsal
