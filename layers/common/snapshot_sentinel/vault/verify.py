"""Proof that the vault restores: ``index.latest``, the ``index-N`` it names, and every file that
``index-N`` references are in the vault.

``index.latest`` holds the newest generation N as an 8-byte big-endian long (``BlobStoreRepository``
writes ``Numbers.longToBytes(gen)``); ``index-N`` is the repository data as JSON (``RepositoryData``):

- ``snapshots[]``: ``{name, uuid, state, index_metadata_lookup: {index id: identifier}, ...}``; each
  snapshot has ``snap-<uuid>.dat`` (its SnapshotInfo) and ``meta-<uuid>.dat`` (global metadata) at the root;
- ``indices{name: {id, snapshots: [uuid], shard_generations: [gen | null]}}``; an index's metadata for a
  snapshot is ``indices/<id>/meta-<blob>.dat``, where ``<blob>`` is
  ``index_metadata_identifiers[index_metadata_lookup[id]]`` when the repository deduplicates index
  metadata (OpenSearch 1.x+), else the snapshot's uuid; each shard's generation is
  ``indices/<id>/<shard>/index-<gen>`` (``_new`` and ``_deleted`` are markers, not files).

Pure: the caller lists the vault and reads the two small blobs.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from typing import Any

from snapshot_sentinel.vault.errors import VaultIncompleteError, VaultUnreadableError
from snapshot_sentinel.vault.plan import INDEX_FILE_PREFIX, INDEX_LATEST, INDICES_DIR

SHARD_GENERATION_MARKERS = frozenset({"_new", "_deleted"})
MISSING_SAMPLE = 20


@dataclass(frozen=True)
class VaultGeneration:
    """What a verified vault holds: its generation and the snapshots its ``index-N`` lists."""

    generation: int
    snapshots: tuple[str, ...]
    referenced_files: int
    newest_end_millis: int | None = None
    """When the newest snapshot in the vault ended (``end_time_millis``, else ``start_time_millis``, of
    the last entry of ``snapshots[]``), when the repository data records it."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "generation": self.generation,
            "snapshots": len(self.snapshots),
            "newest_snapshots": list(self.snapshots[-5:]),
            "referenced_files": self.referenced_files,
        }


def read_generation(index_latest: bytes) -> int:
    if len(index_latest) != 8:
        raise VaultUnreadableError(
            f"{INDEX_LATEST} holds {len(index_latest)} bytes, not the 8-byte generation the engine writes"
        )
    return int.from_bytes(index_latest, "big", signed=True)


def referenced_keys(repository_data: dict[str, Any]) -> set[str]:
    """Every file an ``index-N`` document references, relative to the repository's base path."""
    keys: set[str] = set()
    lookups: dict[str, dict[str, str]] = {}
    for snapshot in repository_data.get("snapshots", []):
        uuid = snapshot["uuid"]
        keys.update({f"snap-{uuid}.dat", f"meta-{uuid}.dat"})
        lookups[uuid] = snapshot.get("index_metadata_lookup") or {}
    identifiers: dict[str, str] = repository_data.get("index_metadata_identifiers") or {}
    for index in (repository_data.get("indices") or {}).values():
        index_id = index["id"]
        for uuid in index.get("snapshots", []):
            identifier = lookups.get(uuid, {}).get(index_id)
            blob = identifiers.get(identifier, uuid) if identifier else uuid
            keys.add(f"{INDICES_DIR}/{index_id}/meta-{blob}.dat")
        for shard, generation in enumerate(index.get("shard_generations") or []):
            if generation and generation not in SHARD_GENERATION_MARKERS:
                keys.add(f"{INDICES_DIR}/{index_id}/{shard}/{INDEX_FILE_PREFIX}{generation}")
    return keys


Lacking = Callable[[Collection[str]], Iterable[str]]
"""Which of these vault keys are absent (the I/O asks S3 about each, concurrently)."""


def verify_vault(
    read: Callable[[str], bytes | None], vault_keys: Collection[str], *, lacking: Lacking | None = None
) -> VaultGeneration:
    """Check that the generations an engine may restore from are whole: the one ``index.latest`` names
    (read-only URL repositories read it) and the highest ``index-N`` present (an engine that can list,
    fs and s3 included, takes the highest N: ``BlobStoreRepository.latestIndexBlobId``). ``read(key)``
    returns a blob or None when absent. Returns the highest.

    ``vault_keys`` must hold at least the vault's root keys (its ``index-N`` files); the referenced files
    are looked up in it, or, given ``lacking``, asked about: a vault of millions of objects is then
    never listed whole (the referenced files are its metadata, a small share of it).

    Raises :class:`VaultIncompleteError` naming the first missing files, :class:`VaultUnreadableError`
    when ``index.latest`` or ``index-N`` is not what the engine writes."""
    latest = read(INDEX_LATEST)
    if latest is None:
        raise VaultIncompleteError(f"the vault has no {INDEX_LATEST}: nothing in it would restore", (INDEX_LATEST,))
    named = read_generation(latest)
    listed = [int(k[len(INDEX_FILE_PREFIX) :]) for k in vault_keys if _is_generation(k)]
    highest = max(listed, default=named)
    absent = lacking or (lambda wanted: [k for k in wanted if k not in vault_keys])
    checked = [_verify_generation(read, absent, n) for n in sorted({named, highest})]
    return checked[-1]


def _is_generation(key: str) -> bool:
    return key.startswith(INDEX_FILE_PREFIX) and key[len(INDEX_FILE_PREFIX) :].isdigit()


def _verify_generation(read: Callable[[str], bytes | None], absent: Lacking, generation: int) -> VaultGeneration:
    index_key = f"{INDEX_FILE_PREFIX}{generation}"
    raw = read(index_key)
    if raw is None:
        raise VaultIncompleteError(f"the vault's {INDEX_LATEST} names {index_key}, which the vault lacks", (index_key,))
    try:
        repository_data = json.loads(raw)
        wanted = referenced_keys(repository_data)
        entries = repository_data.get("snapshots", [])
        names = tuple(s["name"] for s in entries)
        newest = _newest_millis(entries)
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise VaultUnreadableError(f"the vault's {index_key} is not repository data the engine wrote: {exc}") from exc
    _fail_on_missing(index_key, absent(wanted))
    return VaultGeneration(
        generation=generation, snapshots=names, referenced_files=len(wanted), newest_end_millis=newest
    )


def _newest_millis(entries: list[dict[str, Any]]) -> int | None:
    times = [e.get("end_time_millis") or e.get("start_time_millis") for e in entries]
    known = [int(t) for t in times if isinstance(t, int | float) and t > 0]
    return max(known) if known else None


def _fail_on_missing(index_key: str, absent: Iterable[str]) -> None:
    missing = tuple(sorted(absent))
    if missing:
        sample = ", ".join(missing[:MISSING_SAMPLE])
        more = f" and {len(missing) - MISSING_SAMPLE} more" if len(missing) > MISSING_SAMPLE else ""
        raise VaultIncompleteError(
            f"the vault's {index_key} references {len(missing)} file(s) the vault lacks: {sample}{more}", missing
        )
