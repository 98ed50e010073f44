"""The engine's REST actions, one module per area; each offers ``routes()`` for the Router."""

from __future__ import annotations

from tests.emulator.engine import Cluster
from tests.emulator.routing import Endpoint, Handler


def endpoint(
    cluster: Cluster, handler: Handler, *params: str, body: bool | str = False, timeouts: bool = True
) -> Endpoint:
    """An endpoint accepting ``params``, plus the cluster-manager timeouts of this version when ``timeouts``."""
    accepted = frozenset(params) | (cluster.timeout_params if timeouts else frozenset())
    return Endpoint(handler, accepted, body)
