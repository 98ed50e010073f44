"""The engine's state: one cluster with its nodes, settings, indices, repositories and snapshots.

``Cluster`` holds what an OpenSearch (or Elasticsearch) cluster behind an Amazon domain knows, the
engine's features per version, and the state operations the REST handlers share (resolving index
expressions, finishing a snapshot, the engine's errors about repositories and snapshots). It knows
nothing of HTTP. It is one object with one lock, its operations written by area:

- state.py: the state itself, the lock (``S3Store``'s), the engine's features by version;
- nodes.py: cluster settings, the shard limit, shard copies placed and recovering on the data nodes;
- expressions.py: index expressions (names, wildcards, ``_all``, exclusions) and aliases;
- indices.py: index name rules, creating an index, the closed-index error;
- repositories.py: registration on the S3 store, verification, repository errors;
- snapshots.py: seeding, choosing and capturing snapshots, their progress, names and errors;
- cluster.py: ``Cluster``, every area on the one state.
"""

from tests.emulator.engine.cluster import Cluster
from tests.emulator.engine.state import Clock, S3Store

__all__ = ["Clock", "Cluster", "S3Store"]
