"""Snapshot repositories: register, get, delete, verify, clean up (``_snapshot/{repository}``)."""

from __future__ import annotations

from fnmatch import fnmatchcase

from tests.emulator.actions import endpoint
from tests.emulator.engine import Cluster
from tests.emulator.engine.indices import INVALID_FILENAME_CHARS, INVALID_NAME_CHARS
from tests.emulator.formats import as_setting, is_pattern, truthy
from tests.emulator.responses import Reply, cause, engine_error, validation_error
from tests.emulator.routing import Call, Route


class RepositoryActions:
    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster

    def routes(self) -> list[Route]:
        c = self.cluster
        routes = [
            Route("/_snapshot", {"GET": endpoint(c, self._get_repositories, "local")}),
            Route(
                "/_snapshot/{repository}",
                {
                    "GET": endpoint(c, self._get_repositories, "local"),
                    "PUT": endpoint(c, self._put_repository, "timeout", "verify", body=True),
                    "POST": endpoint(c, self._put_repository, "timeout", "verify", body=True),
                    "DELETE": endpoint(c, self._delete_repository, "timeout"),
                },
            ),
            Route("/_snapshot/{repository}/_verify", {"POST": endpoint(c, self._verify_repository, "timeout")}),
        ]
        if c.at_least_es(7, 4):
            routes.append(Route("/_snapshot/{repository}/_cleanup", {"POST": endpoint(c, self._cleanup, "timeout")}))
        return routes

    def _get_repositories(self, call: Call) -> Reply:
        requested = call.params.get("repository")
        names = [n for n in (requested or "_all").split(",") if n]
        if not names or names == ["_all"] or names == ["*"]:
            chosen = list(self.cluster.repositories)
        else:
            chosen = []
            for name in names:
                if is_pattern(name):
                    chosen += [r for r in self.cluster.repositories if fnmatchcase(r, name) and r not in chosen]
                elif name in self.cluster.repositories:
                    if name not in chosen:
                        chosen.append(name)
                else:
                    raise self.cluster.repository_missing(name)
        return Reply.json(200, {name: self.cluster.repository_view(self.cluster.repositories[name]) for name in chosen})

    def _put_repository(self, call: Call) -> Reply:
        name = call.params["repository"]
        body = call.body
        if body is None:
            raise engine_error(400, "parse_exception", "request body is required")
        if not isinstance(body, dict):
            raise engine_error(400, "parse_exception", "Failed to derive xcontent")
        repo_type = body.get("type")
        if not repo_type:
            raise validation_error("type is missing")
        if not name:
            raise engine_error(500, "repository_exception", f"[{name}] cannot be empty")
        if "#" in name:
            raise engine_error(500, "repository_exception", f"[{name}] must not contain '#'")
        if any(ch in INVALID_NAME_CHARS for ch in name):
            raise engine_error(
                500,
                "repository_exception",
                f"[{name}] must not contain the following characters {INVALID_FILENAME_CHARS}",
            )
        settings = body.get("settings") or {}
        if not isinstance(settings, dict):
            raise engine_error(
                400, "illegal_argument_exception", "Malformed settings section, should include an inner object"
            )
        if repo_type not in ("s3", "fs"):
            raise engine_error(500, "repository_exception", f"[{name}] repository type [{repo_type}] does not exist")
        missing = "No bucket defined for s3 repository" if repo_type == "s3" else "missing location"
        required = "bucket" if repo_type == "s3" else "location"
        if not settings.get(required):
            inner = cause("repository_exception", f"[{name}] {missing}")
            raise engine_error(
                500,
                "repository_exception",
                f"[{name}] failed to create repository",
                caused_by=inner,
                root_cause=[inner],
            )
        if self.cluster.repository_in_use(name):
            raise self.cluster.in_use()
        self.cluster.repositories[name] = {
            "type": repo_type,
            "settings": {k: as_setting(v) for k, v in settings.items()},
            "readonly": truthy(settings.get("readonly")),
        }
        self.cluster.bind_repository(name)
        if call.flag("verify", True):
            self.cluster.verify(name)
        return Reply.json(200, {"acknowledged": True})

    def _delete_repository(self, call: Call) -> Reply:
        requested = call.params["repository"]
        names = [n for n in requested.split(",") if n]
        chosen: list[str] = []
        for name in names:
            if is_pattern(name) or name == "_all":
                chosen += [
                    r
                    for r in self.cluster.repositories
                    if (name == "_all" or fnmatchcase(r, name))
                    and r != self.cluster.automated_repository
                    and r not in chosen
                ]
            elif name in self.cluster.repositories:
                chosen.append(name)
        if not chosen and requested not in ("*", "_all"):
            raise self.cluster.repository_missing(requested)
        for name in chosen:
            if self.cluster.repository_in_use(name):
                raise self.cluster.in_use()
        for name in chosen:
            del self.cluster.repositories[name]
            self.cluster.snapshots_by_repo.pop(name, None)
        return Reply.json(200, {"acknowledged": True})

    def _verify_repository(self, call: Call) -> Reply:
        name = call.params["repository"]
        self.cluster.require_repository(name)
        self.cluster.verify(name)
        return Reply.json(200, {"nodes": {node_id: {"name": name} for node_id, name in self.cluster.nodes}})

    def _cleanup(self, call: Call) -> Reply:
        name = call.params["repository"]
        self.cluster.require_repository(name)
        running = self.cluster.running()
        if running:
            listed = ", ".join(f"{r.repository}:{r.name}/{r.uuid}" for r in running)
            raise engine_error(
                500,
                "illegal_state_exception",
                f"Cannot cleanup [{name}] - a snapshot is currently running in [{listed}]",
            )
        return Reply.json(200, {"results": {"deleted_bytes": 0, "deleted_blobs": 0}})
