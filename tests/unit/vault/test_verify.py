"""Verifying the vault: its index.latest, the index-N it names and every file that references are there."""

from __future__ import annotations

import json
import re

import pytest

from snapshot_sentinel.vault.errors import VaultIncompleteError, VaultUnreadableError
from snapshot_sentinel.vault.verify import verify_vault

REPOSITORY_DATA = {
    "min_version": "2.19.0",
    "uuid": "repoUuid",
    "cluster_id": "clusterUuid",
    "snapshots": [
        {
            "name": "nightly-1",
            "uuid": "S1",
            "state": 1,
            "index_metadata_lookup": {"I1": "ident-a"},
            "version": "2.19.0",
        },
        {
            "name": "nightly-2",
            "uuid": "S2",
            "state": 1,
            "index_metadata_lookup": {"I1": "ident-a", "I2": "ident-b"},
            "version": "2.19.0",
        },
    ],
    "indices": {
        "logs": {"id": "I1", "snapshots": ["S1", "S2"], "shard_generations": ["G0", "G1"]},
        "orders": {"id": "I2", "snapshots": ["S2"], "shard_generations": ["H0", None, "_new"]},
    },
    "index_metadata_identifiers": {"ident-a": "B1", "ident-b": "B2"},
}
REFERENCED = [
    "snap-S1.dat",
    "meta-S1.dat",
    "snap-S2.dat",
    "meta-S2.dat",
    "indices/I1/meta-B1.dat",
    "indices/I2/meta-B2.dat",
    "indices/I1/0/index-G0",
    "indices/I1/1/index-G1",
    "indices/I2/0/index-H0",
]


def vault_of(keys: list[str], data: dict[str, object] = REPOSITORY_DATA, generation: int = 7) -> dict[str, bytes]:
    blobs = dict.fromkeys(keys, b"x")
    blobs["index.latest"] = generation.to_bytes(8, "big")
    blobs[f"index-{generation}"] = json.dumps(data).encode()
    return blobs


def verify(blobs: dict[str, bytes]) -> object:
    return verify_vault(blobs.get, set(blobs))


def test_a_whole_vault_verifies_and_reports_its_generation_and_snapshots() -> None:
    result = verify(vault_of(REFERENCED))

    assert result.to_dict() == {  # type: ignore[attr-defined]
        "generation": 7,
        "snapshots": 2,
        "newest_snapshots": ["nightly-1", "nightly-2"],
        "referenced_files": len(REFERENCED),
    }


@pytest.mark.parametrize("lacking", REFERENCED)
def test_a_missing_snapshot_index_or_shard_metadata_file_fails_naming_it(lacking: str) -> None:
    blobs = vault_of([k for k in REFERENCED if k != lacking])

    with pytest.raises(VaultIncompleteError, match=re.escape(lacking)) as raised:
        verify(blobs)
    assert raised.value.missing == (lacking,)


def test_a_vault_without_index_latest_or_the_index_n_it_names_fails_naming_it() -> None:
    blobs = vault_of(REFERENCED)
    del blobs["index-7"]
    with pytest.raises(VaultIncompleteError, match="index-7"):
        verify(blobs)
    with pytest.raises(VaultIncompleteError, match=re.escape("index.latest")):
        verify({})


def test_repository_data_without_deduplicated_index_metadata_names_it_by_snapshot_uuid() -> None:
    old = {
        "snapshots": [{"name": "nightly-1", "uuid": "S1", "state": 1}],
        "indices": {"logs": {"id": "I1", "snapshots": ["S1"]}},
    }

    with pytest.raises(VaultIncompleteError, match=re.escape("indices/I1/meta-S1.dat")):
        verify(vault_of(["snap-S1.dat", "meta-S1.dat"], old))


def test_an_index_latest_the_engine_did_not_write_is_unreadable_not_incomplete() -> None:
    blobs = vault_of(REFERENCED)
    blobs["index.latest"] = b"7"
    with pytest.raises(VaultUnreadableError, match="8-byte"):
        verify(blobs)
    blobs = vault_of(REFERENCED)
    blobs["index-7"] = b"{not json"
    with pytest.raises(VaultUnreadableError, match="index-7"):
        verify(blobs)


def test_the_highest_index_n_is_verified_too_because_an_engine_that_lists_restores_from_it() -> None:
    blobs = vault_of(REFERENCED)
    newer = {**REPOSITORY_DATA, "snapshots": [*REPOSITORY_DATA["snapshots"], {"name": "nightly-3", "uuid": "S3"}]}  # type: ignore[list-item]
    blobs["index-8"] = json.dumps(newer).encode()

    with pytest.raises(VaultIncompleteError, match=re.escape("index-8 references 2 file(s)")):
        verify(blobs)
    blobs.update({"snap-S3.dat": b"x", "meta-S3.dat": b"x"})
    assert verify(blobs).to_dict()["generation"] == 8  # type: ignore[attr-defined]
