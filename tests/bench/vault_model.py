"""The time and cost of a first vault copy, by calculation: the shape and sizes come from the code,
the template and the definition (batch bounds, memory, the maps' concurrency), the per-request
times are stated assumptions (not measured on AWS), the prices are tests.bench.cost_model's.

docs/figures.md#the-vault-copy states these numbers; tests/unit/vault/test_figures.py fails when
they drift apart. ``python -m tests.bench.vault_model`` prints them.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

from snapshot_sentinel.vault.plan import DEFAULT_BATCH_BYTES, DEFAULT_BATCH_OBJECTS, MAX_FILES_PER_ITEM
from snapshot_sentinel.vault.steps import GATHER_THREADS
from tests.bench.cost_model import (
    PRICE_PER_GB_SECOND_ARM,
    PRICE_PER_REQUEST,
    PRICE_PER_S3_GB_MONTH,
    PRICE_PER_S3_PUT_OR_LIST,
    PRICE_PER_TRANSITION,
)
from tests.support.template import ROOT, load_template

PRICE_PER_INTER_REGION_GB = 0.02
# Assumptions, not measurements.
LIST_PAGE_SECONDS = 0.1
"""A ListObjectsV2 page of 1,000 keys."""
COPY_SECONDS = 0.1
"""A CopyObject of a small object across regions."""
COPY_MB_PER_SECOND = 60
"""What one large server-side copy moves."""
LISTING_JOB_SECONDS = 1.0
"""A listing job of a typical index (two one-page listings at once, a few batch files written), with its
Lambda and child execution."""
PLAN_READ_SECONDS = 0.03
"""One GET of a listing job's plan by the gather."""
TRANSITIONS_PER_CHILD = 4
"""A child execution of one Task state: its start, the state entered and exited, its end."""


def _resources() -> dict[str, Any]:
    resources: dict[str, Any] = load_template()["Resources"]
    return resources


def memory_gb(function: str) -> float:
    globals_memory = int(load_template()["Globals"]["Function"]["MemorySize"])
    return int(_resources()[function]["Properties"].get("MemorySize", globals_memory)) / 1024


def map_concurrency(state: str) -> int:
    """The MaxConcurrency of a Map state of VaultCopyStateMachine, wherever it is nested."""
    definition = json.loads((ROOT / "statemachine" / "vault_copy.asl.json").read_text())

    def find(states: dict[str, Any]) -> int | None:
        for name, body in states.items():
            if name == state:
                return int(body["MaxConcurrency"])
            inner = body.get("ItemProcessor", {}).get("States")
            found = find(inner) if inner else None
            if found is not None:
                return found
        return None

    found = find(definition["States"])
    if found is None:
        raise KeyError(state)
    return found


@dataclass(frozen=True)
class FirstCopy:
    objects: int = 10_000_000
    gigabytes: float = 51_200
    indices: int = 10_000

    @property
    def listing_concurrency(self) -> int:
        return map_concurrency("Plan each index")

    @property
    def copy_concurrency(self) -> int:
        return map_concurrency("Copy the tier's batches")

    @property
    def data_items(self) -> int:
        by_bytes = self.gigabytes * 1024**3 / DEFAULT_BATCH_BYTES
        return math.ceil(max(self.objects / DEFAULT_BATCH_OBJECTS, by_bytes))

    @property
    def copy_items(self) -> int:
        """Data items, then each index's shard and index metadata (one batch file a tier per index,
        packed 100 to an item), then the root's three tiers."""
        return self.data_items + 2 * math.ceil(self.indices / MAX_FILES_PER_ITEM) + 3

    def plan_seconds(self) -> float:
        root = (1 + math.ceil(self.indices / 1000)) * LIST_PAGE_SECONDS
        jobs = self.indices / self.listing_concurrency * LISTING_JOB_SECONDS
        gather = (self.indices + 1) / GATHER_THREADS * PLAN_READ_SECONDS
        return root + jobs + gather

    def copy_seconds_by_objects(self) -> float:
        return self.objects * COPY_SECONDS / self.copy_concurrency

    def copy_seconds_by_bytes(self) -> float:
        return self.gigabytes * 1000 / (self.copy_concurrency * COPY_MB_PER_SECOND)

    def copy_requests_cost(self) -> float:
        return self.objects * PRICE_PER_S3_PUT_OR_LIST

    def transfer_cost(self) -> float:
        return self.gigabytes * PRICE_PER_INTER_REGION_GB

    def lambda_gb_seconds(self) -> float:
        copying = (self.objects * COPY_SECONDS + self.gigabytes * 1000 / COPY_MB_PER_SECOND) * memory_gb(
            "CopyVaultBatchFunction"
        )
        listing = self.indices * LISTING_JOB_SECONDS * memory_gb("PlanVaultPrefixFunction")
        return copying + listing

    def lambda_cost(self) -> float:
        return self.lambda_gb_seconds() * PRICE_PER_GB_SECOND_ARM + self.children() * PRICE_PER_REQUEST

    def children(self) -> int:
        return self.copy_items + self.indices

    def step_functions_cost(self) -> float:
        return self.children() * TRANSITIONS_PER_CHILD * PRICE_PER_TRANSITION

    def storage_cost_per_month(self) -> float:
        return self.gigabytes * PRICE_PER_S3_GB_MONTH


def main() -> None:
    copy = FirstCopy()
    print(f"plan {copy.plan_seconds():,.0f} s; copy {copy.copy_seconds_by_objects():,.0f} s by objects, ", end="")
    print(f"{copy.copy_seconds_by_bytes():,.0f} s by bytes; {copy.copy_items:,} copy items, {copy.indices:,} jobs")
    print(
        f"COPY ${copy.copy_requests_cost():,.2f}; transfer ${copy.transfer_cost():,.2f}; Lambda "
        f"{copy.lambda_gb_seconds():,.0f} GB-s ${copy.lambda_cost():,.2f}; Step Functions "
        f"{copy.children() * TRANSITIONS_PER_CHILD:,} transitions ${copy.step_functions_cost():,.2f}; "
        f"storage ${copy.storage_cost_per_month():,.2f} a month"
    )


if __name__ == "__main__":
    main()
