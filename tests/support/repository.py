"""A snapshot repository in S3 as the engine writes it (OpenSearch 2.x ``BlobStoreRepository``), for the
vault copy's tests where no real engine runs: bottom-up, immutable files, ``index.latest`` last.

Layout: ``indices/<index id>/<shard>/__<uuid>`` data blobs, ``.../snap-<snapshot uuid>.dat`` and
``.../index-<shard generation>`` per shard, ``indices/<index id>/meta-<blob>.dat`` index metadata,
``snap-<uuid>.dat`` and ``meta-<uuid>.dat`` at the root, ``index-<N>`` (RepositoryData JSON) and
``index.latest`` (N as an 8-byte big-endian long).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any


@dataclass
class RepositoryWriter:
    s3: Any
    bucket: str
    base_path: str = ""
    generation: int = -1
    snapshots: list[dict[str, Any]] = field(default_factory=list)
    indices: dict[str, dict[str, Any]] = field(default_factory=dict)
    identifiers: dict[str, str] = field(default_factory=dict)

    def key(self, relative: str) -> str:
        return f"{self.base_path.strip('/')}/{relative}" if self.base_path.strip("/") else relative

    def put(self, relative: str, body: bytes) -> None:
        self.s3.put_object(Bucket=self.bucket, Key=self.key(relative), Body=body)

    def snapshot(self, name: str, shards: dict[str, int], *, started_millis: int = 0) -> None:
        """Write snapshot ``name`` of ``shards`` ({index: shard count}) as the engine would, then point
        ``index.latest`` at the new generation."""
        uuid = f"U{len(self.snapshots) + 1}{name[-4:]}"
        lookup = {}
        for index, count in shards.items():
            entry = self.indices.setdefault(index, {"id": f"I-{index}", "snapshots": [], "shard_generations": []})
            index_id = entry["id"]
            generations = []
            for shard in range(count):
                blob = f"__{uuid}-{shard}"
                self.put(f"indices/{index_id}/{shard}/{blob}", f"segment {index} {shard} {name}".encode() * 50)
                self.put(f"indices/{index_id}/{shard}/snap-{uuid}.dat", f"shard snapshot {blob}".encode())
                generation = f"G{uuid}-{shard}"
                self.put(f"indices/{index_id}/{shard}/index-{generation}", f"shard generation {generation}".encode())
                generations.append(generation)
            identifier = f"ident-{index}-{uuid}"
            self.identifiers[identifier] = f"M{uuid}{index}"
            self.put(f"indices/{index_id}/meta-{self.identifiers[identifier]}.dat", f"index metadata {index}".encode())
            lookup[index_id] = identifier
            entry["snapshots"].append(uuid)
            entry["shard_generations"] = generations
        self.put(f"snap-{uuid}.dat", f"snapshot info {name}".encode())
        self.put(f"meta-{uuid}.dat", b"global metadata")
        self.snapshots.append(
            {
                "name": name,
                "uuid": uuid,
                "state": 1,
                "index_metadata_lookup": lookup,
                "version": "2.19.0",
                "start_time_millis": started_millis,
                "end_time_millis": started_millis + 60_000 if started_millis else 0,
            }
        )
        self.generation += 1
        data = {
            "min_version": "2.19.0",
            "uuid": "repository-uuid",
            "cluster_id": "cluster-uuid",
            "snapshots": self.snapshots,
            "indices": self.indices,
            "index_metadata_identifiers": self.identifiers,
        }
        self.put(f"index-{self.generation}", json.dumps(data).encode())
        self.put("index.latest", self.generation.to_bytes(8, "big"))

    def keys(self) -> set[str]:
        prefix = self.key("")
        pages = self.s3.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix)
        return {item["Key"][len(prefix) :] for page in pages for item in page.get("Contents", [])}
