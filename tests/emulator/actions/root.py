"""``GET /`` and ``HEAD /``: the node's name, cluster and version, per engine."""

from __future__ import annotations

from tests.emulator.engine import Cluster
from tests.emulator.engine.state import ACCOUNT_ID
from tests.emulator.responses import Reply
from tests.emulator.routing import Call, Endpoint, Route


class RootActions:
    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster

    def routes(self) -> list[Route]:
        root = Endpoint(self._root, frozenset())
        return [Route("/", {"GET": root, "HEAD": root})]

    def _root(self, call: Call) -> Reply:
        if call.method == "HEAD":
            return Reply(200)
        if self.cluster.is_opensearch:
            version = {
                "distribution": "opensearch",
                "number": self.cluster.version,
                "build_type": "tar",
                "build_hash": "unknown",
                "build_date": "2023-10-13T02:55:55.511945994Z",
                "build_snapshot": False,
                "lucene_version": "9.7.0",
                "minimum_wire_compatibility_version": "7.10.0",
                "minimum_index_compatibility_version": "7.0.0",
            }
            tagline = "The OpenSearch Project: https://opensearch.org/"
        else:
            version = {
                "number": self.cluster.version,
                "build_flavor": "oss",
                "build_type": "tar",
                "build_hash": "unknown",
                "build_date": "2021-01-13T00:42:12.435326Z",
                "build_snapshot": False,
                "lucene_version": "8.7.0",
                "minimum_wire_compatibility_version": "6.8.0",
                "minimum_index_compatibility_version": "6.0.0-beta1",
            }
            tagline = "You Know, for Search"
        return Reply.json(
            200,
            {
                "name": self.cluster.node_name,
                "cluster_name": f"{ACCOUNT_ID}:{self.cluster.domain_name}",
                "cluster_uuid": self.cluster.cluster_uuid,
                "version": version,
                "tagline": tagline,
            },
        )
