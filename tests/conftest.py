"""Suite-wide settings and the fixtures every handler test shares."""

from collections.abc import Callable

import pytest
from hypothesis import settings

from tests.support.lambda_runtime import FakeLambdaContext, handler_environment

# No per-example deadline: a property test proves a rule, it does not time the code (benchmarks do),
# and a deadline would fail on a slow or busy CI machine for reasons unrelated to the rule.
settings.register_profile("sentinel", deadline=None)
settings.load_profile("sentinel")


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
