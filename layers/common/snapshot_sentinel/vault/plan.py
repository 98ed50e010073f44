"""The copy plan: which repository objects the vault lacks, in the order that keeps it restorable.

Pure (no I/O): the property tests prove, over arbitrary repositories and any batch at which a copy
dies, that the vault is a consistent repository after every completed batch and that a resumed copy
converges to the source.

A snapshot repository (OpenSearch's ``BlobStoreRepository``) is a graph of immutable files, written
bottom-up by the engine, with one pointer overwritten at the end:

====  ===========================================================  =====================================
tier  keys (relative to the repository's base path)                 what references them
====  ===========================================================  =====================================
0     ``indices/<index-id>/<shard>/__<uuid>`` (segment data)        shard metadata
1     ``indices/<index-id>/<shard>/snap-<uuid>.dat``, ``index-*``   the root ``index-N`` (shard generations)
2     ``indices/<index-id>/meta-<uuid>.dat`` (index metadata)        the root ``index-N``
3     ``snap-<uuid>.dat``, ``meta-<uuid>.dat`` (snapshot, global)    the root ``index-N``
4     ``index-<N>`` (the repository generation, JSON)               ``index.latest``
5     ``index.latest`` (names the newest N; overwritten)            nothing: the engine reads it first
====  ===========================================================  =====================================

The copy writes every batch of a tier before any of the next, so a file is written only after every
file it references is in the vault: whatever ``index.latest`` or ``index-N`` the vault holds at any
moment is complete. Every key but ``index.latest`` is written once by the engine and never changed, so
a key present in the vault with the source's size is done; ``index.latest`` is copied whenever its
content (ETag) differs. ``tests-*`` (the engine's repository verification scratch, deleted by the
engine) is never copied. An unknown key is copied in tier 0: nothing the engine reads references it.

The plan scales by fanning out over the layout the engine gives the repository: the root's own files
(tiers 3 to 5, two per snapshot) are planned with the generation pin, and every directory under
``indices/`` (one per index) is planned on its own (:func:`listing_prefixes`), each listing job seeing
only its prefix on both sides; the batches of all jobs are then packed per tier (:func:`pack_batches`).
Tiers are global, so the union of the per-prefix plans is the plan of the whole listing (the property
tests partition repositories this way).

Deletions on the source are never mirrored: the plan only adds. A blob retention deleted from the
source may still be referenced by an older ``index-N`` in the vault, and Object Lock keeps it
within the retention period anyway (the vault's pruning is described in docs/vault.md).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import IntEnum

from snapshot_sentinel.errors import ConfigurationError

INDEX_LATEST = "index.latest"
INDEX_FILE_PREFIX = "index-"
SNAPSHOT_PREFIX = "snap-"
METADATA_PREFIX = "meta-"
DATA_BLOB_PREFIX = "__"
INDICES_DIR = "indices"
VERIFICATION_PREFIX = "tests-"

DEFAULT_BATCH_OBJECTS = 1000
DEFAULT_BATCH_BYTES = 20 * 1024**3
"""A batch is one Lambda invocation of server-side copies: at a few hundred MB/s per copy, 20 GiB and
1,000 objects fit well inside the 15-minute Lambda limit (docs/figures.md has the measured rates)."""
MAX_FILES_PER_ITEM = 100
"""Batch files per copy item: an item's input (the files' keys) stays ~12 KB, and its Lambda reads at
most 100 small files before copying."""


class Tier(IntEnum):
    DATA = 0
    SHARD_METADATA = 1
    INDEX_METADATA = 2
    SNAPSHOT_METADATA = 3
    REPOSITORY_GENERATION = 4
    LATEST_POINTER = 5


@dataclass(frozen=True)
class StoredObject:
    """One object as a listing shows it; ``key`` is relative to the repository's base path."""

    key: str
    size: int
    etag: str = ""


@dataclass(frozen=True)
class Batch:
    tier: Tier
    keys: tuple[str, ...]
    bytes: int
    sizes: tuple[int, ...] = ()

    def to_dict(self) -> dict[str, object]:
        """The batch as one item of the copy's manifest (what the per-batch Lambda receives)."""
        return {"tier": int(self.tier), "keys": list(self.keys), "sizes": list(self.sizes), "bytes": self.bytes}


@dataclass(frozen=True)
class CopyPlan:
    batches: tuple[Batch, ...]
    objects: int
    bytes: int
    already_in_vault: int
    skipped: int

    def tiers(self) -> tuple[tuple[Batch, ...], ...]:
        """The batches grouped by tier, in copy order: every batch of a group before any of the next."""
        groups: dict[Tier, list[Batch]] = {}
        for batch in self.batches:
            groups.setdefault(batch.tier, []).append(batch)
        return tuple(tuple(groups[tier]) for tier in sorted(groups))


@dataclass(frozen=True)
class BatchFile:
    """A batch a listing job wrote to the manifest bucket: its key there and what it holds."""

    tier: Tier
    key: str
    objects: int
    bytes: int


def listing_prefixes(top_directories: Iterable[str], index_directories: Iterable[str]) -> tuple[str, ...]:
    """The prefixes planned one listing job each: every directory under ``indices/`` (one per index),
    and any other top-level directory (its keys are unknown to the engine: tier 0), but never the
    engine's verification scratch (``tests-*``). Directories end with ``/``, relative to the base path."""
    others = [d for d in top_directories if d != f"{INDICES_DIR}/" and not d.startswith(VERIFICATION_PREFIX)]
    return tuple(sorted({*others, *index_directories}))


def pack_batches(
    files: Iterable[BatchFile],
    *,
    max_batch_objects: int = DEFAULT_BATCH_OBJECTS,
    max_batch_bytes: int = DEFAULT_BATCH_BYTES,
) -> dict[Tier, list[list[BatchFile]]]:
    """The listing jobs' batch files grouped per tier into copy items of at most ``max_batch_objects``
    objects, ``max_batch_bytes`` bytes and :data:`MAX_FILES_PER_ITEM` files (a file larger than that is
    an item on its own): an index of three blobs does not cost a Lambda of its own, and no item holds
    more than one batch's worth (its input, the files' keys, stays a few KB)."""
    items: dict[Tier, list[list[BatchFile]]] = {}
    sizes: dict[Tier, tuple[int, int]] = {}
    for file in files:
        groups = items.setdefault(file.tier, [])
        objects, size = sizes.get(file.tier, (0, 0))
        full = len(groups[-1]) >= MAX_FILES_PER_ITEM if groups else True
        if full or objects + file.objects > max_batch_objects or size + file.bytes > max_batch_bytes:
            groups.append([])
            objects, size = 0, 0
        groups[-1].append(file)
        sizes[file.tier] = (objects + file.objects, size + file.bytes)
    return {tier: items[tier] for tier in sorted(items)}


def tier_of(key: str) -> Tier | None:
    """The tier of a repository key, or None for a key that is never copied (verification scratch)."""
    parts = key.split("/")
    name = parts[-1]
    if len(parts) == 1:
        if name == INDEX_LATEST:
            return Tier.LATEST_POINTER
        if name.startswith(VERIFICATION_PREFIX):
            return None
        if name.startswith(INDEX_FILE_PREFIX) and name[len(INDEX_FILE_PREFIX) :].isdigit():
            return Tier.REPOSITORY_GENERATION
        if name.startswith((SNAPSHOT_PREFIX, METADATA_PREFIX)) and name.endswith(".dat"):
            return Tier.SNAPSHOT_METADATA
        return Tier.DATA
    if parts[0].startswith(VERIFICATION_PREFIX):
        return None
    if parts[0] != INDICES_DIR:
        return Tier.DATA
    if len(parts) == 3 and name.startswith(METADATA_PREFIX):
        return Tier.INDEX_METADATA
    if len(parts) == 4 and not name.startswith(DATA_BLOB_PREFIX):
        return Tier.SHARD_METADATA
    return Tier.DATA


def _newer_generation(key: str, tier: Tier, generation: int) -> bool:
    return tier is Tier.REPOSITORY_GENERATION and int(key[len(INDEX_FILE_PREFIX) :]) > generation


def _needs_copy(obj: StoredObject, vault: Mapping[str, StoredObject]) -> bool:
    there = vault.get(obj.key)
    if there is None or there.size != obj.size:
        return True
    return obj.key == INDEX_LATEST and there.etag != obj.etag


def plan_copy(
    source: Iterable[StoredObject],
    vault: Mapping[str, StoredObject],
    *,
    max_batch_objects: int = DEFAULT_BATCH_OBJECTS,
    max_batch_bytes: int = DEFAULT_BATCH_BYTES,
    generation: int | None = None,
) -> CopyPlan:
    """What to copy from ``source`` into ``vault``, in tiers, in batches of at most ``max_batch_objects``
    objects and ``max_batch_bytes`` bytes (an object larger than that is a batch on its own).

    ``generation`` pins the copy to the source's ``index.latest`` as read before the listing: a root
    ``index-N`` newer than it (written by a snapshot that ran meanwhile) is left for the next copy, so
    the vault never receives a generation whose files the listing may have missed."""
    if max_batch_objects < 1 or max_batch_bytes < 1:
        raise ConfigurationError(
            f"a copy batch must hold at least one object and one byte, got {max_batch_objects} objects and "
            f"{max_batch_bytes} bytes: set VAULT_BATCH_OBJECTS and VAULT_BATCH_BYTES to positive numbers"
        )
    by_tier: dict[Tier, list[StoredObject]] = {}
    present = skipped = 0
    for obj in source:
        tier = tier_of(obj.key)
        if tier is None or (generation is not None and _newer_generation(obj.key, tier, generation)):
            skipped += 1
        elif _needs_copy(obj, vault):
            by_tier.setdefault(tier, []).append(obj)
        else:
            present += 1
    batches: list[Batch] = []
    for tier in sorted(by_tier):
        keys: list[str] = []
        sizes: list[int] = []
        size = 0
        for obj in sorted(by_tier[tier], key=lambda o: o.key):
            if keys and (len(keys) >= max_batch_objects or size + obj.size > max_batch_bytes):
                batches.append(Batch(tier, tuple(keys), size, tuple(sizes)))
                keys, sizes, size = [], [], 0
            keys.append(obj.key)
            sizes.append(obj.size)
            size += obj.size
        batches.append(Batch(tier, tuple(keys), size, tuple(sizes)))
    return CopyPlan(
        batches=tuple(batches),
        objects=sum(len(b.keys) for b in batches),
        bytes=sum(b.bytes for b in batches),
        already_in_vault=present,
        skipped=skipped,
    )
