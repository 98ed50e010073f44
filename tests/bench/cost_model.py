"""What a deployed stack costs a month: the counts CloudWatch bills, derived from the code and the
template (never typed in), the list prices with the date they were read, and a model of the S3
requests and storage of the snapshots themselves.

``tests.bench.bench_cost`` prints the tables of docs/figures.md from here, and
``tests/unit/test_cost_figures.py`` fails when the document's counts or prices drift from these.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import re
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from snapshot_sentinel import ownership
from tests.support.template import ROOT, load_template

FUNCTIONS = ROOT / "functions"

# us-east-1 list prices, without free tiers. Step Functions, Lambda and CloudWatch were read from
# their AWS pricing pages on 2026-12-02. S3 (Standard storage, first 50 TB; requests) was read on
# 2026-12-06 from a summary of aws.amazon.com/s3/pricing dated March 2026 (cloudburn.io): AWS's own
# page renders its prices by script and could not be read here, so S3's figures are not confirmed
# on AWS's page.
PRICES_READ = {"Step Functions, Lambda, CloudWatch": "2026-12-02", "S3": "2026-12-06"}
PRICE_PER_TRANSITION = 0.025 / 1000
PRICE_PER_GB_SECOND_ARM = 0.0000133334
PRICE_PER_REQUEST = 0.20 / 1_000_000
PRICE_PER_METRIC_MONTH = 0.30
PRICE_PER_ALARM_MONTH = 0.10
PRICE_PER_DASHBOARD_MONTH = 3.00
PRICE_PER_LOG_GB = 0.50
PRICE_PER_S3_GB_MONTH = 0.023
PRICE_PER_S3_PUT_OR_LIST = 0.005 / 1000
PRICE_PER_S3_GET = 0.0004 / 1000

METRIC_NAME = re.compile(r"[A-Z][A-Za-z]+")


def _module_constants(module: Any) -> dict[str, str]:
    return {name: value for name, value in vars(module).items() if isinstance(value, str)}


def _keys_written(function: Any) -> set[str]:
    """The string keys a metrics function puts in the dict it returns: dict literals and
    ``values[...] = ...`` assignments, constants resolved through the function's module."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
    constants = _module_constants(inspect.getmodule(function))
    nodes: list[ast.expr] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Dict):
            nodes.extend(key for key in node.keys if key is not None)
        elif isinstance(node, ast.Assign):
            nodes.extend(target.slice for target in node.targets if isinstance(target, ast.Subscript))
    names = set()
    for key in nodes:
        if isinstance(key, ast.Constant) and isinstance(key.value, str):
            names.add(key.value)
        elif isinstance(key, ast.Name) and key.id in constants:
            names.add(constants[key.id])
    return {name for name in names if METRIC_NAME.fullmatch(name)}


def _imported_modules(tree: ast.Module) -> dict[str, str]:
    """{name: module} of every ``from module import name`` of a handler."""
    return {
        alias.asname or alias.name: node.module
        for node in tree.body
        if isinstance(node, ast.ImportFrom) and node.module
        for alias in node.names
    }


def _metrics_source(handler: Path, call: ast.Call) -> Any:
    """The function whose result a handler passes to ``publish_metrics``."""
    imported = _imported_modules(ast.parse(handler.read_text()))
    produced = call.args[1] if len(call.args) > 1 else None
    if isinstance(produced, ast.Call) and isinstance(produced.func, ast.Name):
        return getattr(importlib.import_module(imported[produced.func.id]), produced.func.id)
    if isinstance(produced, ast.Call) and isinstance(produced.func, ast.Attribute):
        method = produced.func.attr
        for module_name in set(imported.values()):
            module = importlib.import_module(module_name)
            for _, cls in inspect.getmembers(module, inspect.isclass):
                if cls.__module__ == module.__name__ and callable(getattr(cls, method, None)):
                    return getattr(cls, method)
    where = f"functions/{handler.parent.name}/app.py"
    raise ValueError(f"{where}: cannot tell which metrics it publishes ({ast.unparse(call)})")


def published_metrics() -> dict[str, set[str]]:
    """{handler folder: metric names} for every handler that writes metrics."""
    found: dict[str, set[str]] = {}
    for handler in sorted(FUNCTIONS.glob("*/app.py")):
        for node in ast.walk(ast.parse(handler.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "publish_metrics":
                names = _keys_written(_metrics_source(handler, node))
                if not names:
                    raise ValueError(f"functions/{handler.parent.name}/app.py: no metric names found")
                found.setdefault(handler.parent.name, set()).update(names)
    return found


def metric_names() -> list[str]:
    return sorted(set().union(*published_metrics().values()))


def scoped_metric_names() -> list[str]:
    """The check step's metrics, which a subset or named run writes again under a ``scope``
    dimension: CloudWatch bills each dimension set as another metric."""
    return sorted(published_metrics()["check_snapshot"])


SCOPES_BESIDE_FULL = sorted({ownership.SCOPE_SUBSET, ownership.SCOPE_NAMED})


def resources_of(kind: str) -> list[str]:
    return sorted(name for name, spec in load_template()["Resources"].items() if spec["Type"] == kind)


def alarm_names() -> list[str]:
    """Every alarm the template can create (NoRecentBackupAlarm only where the stack takes backups)."""
    return resources_of("AWS::CloudWatch::Alarm")


def dashboard_names() -> list[str]:
    return resources_of("AWS::CloudWatch::Dashboard")


@dataclass(frozen=True)
class Observability:
    metrics: int
    alarms: int
    dashboards: int

    @property
    def monthly(self) -> dict[str, float]:
        return {
            "metrics": self.metrics * PRICE_PER_METRIC_MONTH,
            "alarms": self.alarms * PRICE_PER_ALARM_MONTH,
            "dashboard": self.dashboards * PRICE_PER_DASHBOARD_MONTH,
        }


def observability() -> Observability:
    return Observability(len(metric_names()), len(alarm_names()), len(dashboard_names()))


# -- the snapshots themselves in S3 ----------------------------------------------------------------
#
# A model of the requests the engine's S3 repository makes, from the blob layout of OpenSearch's
# BlobStoreRepository (not measured: the emulator does not count the engine's S3 calls):
# - a snapshot writes, per shard, one blob per new or changed segment file (files it already holds
#   are referenced, not copied) plus the shard's snap-<uuid>.dat and its new index-<uuid>
#   generation, after reading the previous generation; per index one meta-<uuid>.dat; and for the
#   repository the global meta and snap blobs, a new index-N and index.latest, after reading
#   index.latest and index-N. A file larger than the repository's buffer_size (100 MB by default)
#   goes up as a multipart upload: one PUT per 100 MB part plus two.
# - deleting a snapshot (retention) reads and rewrites each affected shard's generation and the
#   root index-N and index.latest, and lists the shard folders to find unreferenced blobs. The
#   deletes themselves are free (S3 charges nothing for DELETE).
PART_BYTES = 100 * 1024 * 1024


@dataclass(frozen=True)
class Repository:
    indices: int
    shards: int  # primaries: replicas are not snapshotted
    changed_files_per_shard: int  # new or merged segment files since the last snapshot
    changed_gigabytes: float  # bytes those files hold, in GB (what an incremental snapshot copies)

    def snapshot_requests(self) -> dict[str, int]:
        parts = int(self.changed_gigabytes * 1e9 // PART_BYTES)
        puts = self.shards * (self.changed_files_per_shard + 2) + self.indices + 4 + parts
        gets = self.shards + 2
        return {"put": puts, "get": gets, "list": 1}

    def deletion_requests(self) -> dict[str, int]:
        return {"put": self.shards + 2, "get": self.shards + 3, "list": self.shards + 1}

    def nightly_requests(self) -> dict[str, int]:
        """A snapshot and one expired snapshot deleted: a repository in its steady state."""
        snapshot, deletion = self.snapshot_requests(), self.deletion_requests()
        return {kind: snapshot[kind] + deletion[kind] for kind in snapshot}

    def monthly_request_cost(self, nights: int = 30) -> float:
        night = self.nightly_requests()
        return nights * ((night["put"] + night["list"]) * PRICE_PER_S3_PUT_OR_LIST + night["get"] * PRICE_PER_S3_GET)


def monthly_storage_cost(gigabytes: float) -> float:
    """S3 Standard, first 50 TB tier, for what the repository holds (every segment file a kept
    snapshot references: the indices' primary store plus what was rewritten within RetentionDays)."""
    return gigabytes * PRICE_PER_S3_GB_MONTH
