"""The upstream OpenSearch API test stories for snapshots, replayed against the emulator over HTTP.

The stories (tests/emulator/opensearch-api/tests/snapshot, copied unchanged from upstream) are the
OpenSearch project's own request and response checks. Each prologue, chapter and epilogue is sent as
written; statuses and payloads must match as subsets. restore.yaml is left out: it creates and
deletes indices, which the emulator does not model (the project never restores).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.emulator import EmulatedDomain, serve
from tests.emulator.rest import Answer, RestCaller

STORIES = Path(__file__).resolve().parents[1] / "opensearch-api" / "tests" / "snapshot"
REPLAYED = ["snapshot/snapshot.yaml", "snapshot/status.yaml", "snapshot/verify.yaml", "snapshot/cleanup.yaml",
            "cat/snapshots.yaml", "cat/repositories.yaml"]  # fmt: skip


def is_subset(expected: Any, actual: Any) -> bool:
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(k in actual and is_subset(v, actual[k]) for k, v in expected.items())
    if isinstance(expected, list):
        return (
            isinstance(actual, list)
            and len(actual) >= len(expected)
            and all(is_subset(e, a) for e, a in zip(expected, actual, strict=False))
        )
    return bool(expected == actual)


def steps(story: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for part in ("prologues", "chapters", "epilogues"):
        for step in story.get(part) or []:
            methods = step["method"] if isinstance(step["method"], list) else [step["method"]]
            for method in methods:
                yield part, {**step, "method": method}


def send(api: RestCaller, step: dict[str, Any]) -> Answer:
    parameters = {k: v for k, v in (step.get("parameters") or {}).items()}
    path = step["path"]
    for name in re.findall(r"\{(\w+)\}", path):
        path = path.replace("{" + name + "}", str(parameters.pop(name)))
    query = {k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in parameters.items()}
    payload = (step.get("request") or {}).get("payload")
    return api.call(step["method"], path, params=query or None, body=payload)


@pytest.mark.parametrize("story_file", REPLAYED)
def test_upstream_story_passes_against_the_emulator(story_file: str) -> None:
    # Given an OpenSearch 2.11 domain (no Amazon service repository: the stories run on a stock cluster)
    story = yaml.safe_load((STORIES / story_file).read_text())
    domain = EmulatedDomain(version="2.11.0", indices=("movies", "books", "stories"), automated_repository=None)
    with serve(domain) as server:
        api = RestCaller(server.endpoint)
        # When every step is sent as written
        for part, step in steps(story):
            answer = send(api, step)
            # Then each answers with the story's status and payload
            expected = step.get("response") or {}
            allowed = step.get("status") or [expected.get("status", 200)]
            where = f"{part}: {step['method']} {step['path']} -> {answer.status} {answer.body[:300]!r}"
            assert answer.status in allowed, where
            if "payload" in expected:
                assert is_subset(expected["payload"], answer.json), where
        api.close()
