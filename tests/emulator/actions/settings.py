"""Cluster settings: ``GET/PUT _cluster/settings`` (ClusterGetSettingsResponse; ``flat_settings``,
``include_defaults``). Amazon refuses the expanded PUT form before it gets here (frontend.py)."""

from __future__ import annotations

from typing import Any

from tests.emulator.actions import endpoint
from tests.emulator.actions.indices import nest
from tests.emulator.engine import Cluster
from tests.emulator.engine.nodes import DEFAULT_MAX_SHARDS_PER_NODE
from tests.emulator.responses import Reply, engine_error
from tests.emulator.routing import Call, Route

_DEFAULT_CLUSTER_SETTINGS = {
    "cluster.max_shards_per_node": str(DEFAULT_MAX_SHARDS_PER_NODE),
    "cluster.routing.allocation.enable": "all",
    "action.auto_create_index": "true",
    "action.destructive_requires_name": "false",
    "indices.recovery.max_bytes_per_sec": "40mb",
}


class SettingsActions:
    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster

    def routes(self) -> list[Route]:
        c = self.cluster
        return [
            Route(
                "/_cluster/settings",
                {
                    "GET": endpoint(c, self._get_settings, "flat_settings", "include_defaults", "local"),
                    "PUT": endpoint(c, self._put_settings, "flat_settings", "timeout", body=True),
                },
            ),
        ]

    def _get_settings(self, call: Call) -> Reply:
        flat = call.flag("flat_settings", False)

        def shape(settings: dict[str, str]) -> dict[str, Any]:
            return dict(settings) if flat else nest(settings)

        body: dict[str, Any] = {
            "persistent": shape(self.cluster.persistent_settings),
            "transient": shape(self.cluster.transient_settings),
        }
        if call.flag("include_defaults", False):
            defaults = {
                k: v
                for k, v in _DEFAULT_CLUSTER_SETTINGS.items()
                if k not in self.cluster.persistent_settings and k not in self.cluster.transient_settings
            }
            body["defaults"] = shape(defaults)
        return Reply.json(200, body)

    def _put_settings(self, call: Call) -> Reply:
        body = call.body if isinstance(call.body, dict) else {}
        if not body.get("persistent") and not body.get("transient"):
            raise engine_error(
                400, "action_request_validation_exception", "Validation Failed: 1: no settings to update;"
            )
        flat = call.flag("flat_settings", False)
        answer: dict[str, Any] = {"acknowledged": True}
        for scope, store in (
            ("persistent", self.cluster.persistent_settings),
            ("transient", self.cluster.transient_settings),
        ):
            changes = body.get(scope) or {}
            applied: dict[str, str] = {}
            for key, value in changes.items():
                if key == "cluster.max_shards_per_node" and value is not None:
                    try:
                        number = int(value)
                    except (TypeError, ValueError):
                        raise engine_error(
                            400,
                            "illegal_argument_exception",
                            f"Failed to parse value [{value}] for setting [cluster.max_shards_per_node]",
                        ) from None
                    if number < 1:
                        raise engine_error(
                            400,
                            "illegal_argument_exception",
                            f"Failed to parse value [{value}] for setting [cluster.max_shards_per_node] must be >= 1",
                        )
                if value is None:
                    store.pop(key, None)
                else:
                    store[key] = applied[key] = "true" if value is True else "false" if value is False else str(value)
            answer[scope] = applied if flat else nest(applied)
        return Reply.json(200, answer)
