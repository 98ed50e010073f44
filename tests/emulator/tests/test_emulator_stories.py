"""The upstream OpenSearch API test stories for snapshots, replayed against the emulator over HTTP.

The stories (tests/emulator/opensearch-api/tests/snapshot, copied unchanged from upstream) are the
OpenSearch project's own request and response checks. Each prologue, chapter and epilogue is sent as
written; statuses and payloads must match as subsets. As the upstream runner does, a chapter with a
``version`` range runs only on versions inside it, and one with ``retry`` is sent again (up to
``count`` more times) until it matches. restore.yaml creates indices, aliases and a snapshot, restores
it three ways (and a fourth, alias renaming, from 2.18), watches ``/{index}/_recovery`` and deletes
everything again.
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
            "cat/snapshots.yaml", "cat/repositories.yaml", "snapshot/restore.yaml"]  # fmt: skip
STORY_INDICES = {"snapshot/restore.yaml": ()}  # its prologue creates them


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


def version_matches(version: str, condition: str | None) -> bool:
    """The upstream runner's ``version`` field: comma-joined ``>= 2.18``-style bounds, all must hold."""
    if not condition:
        return True

    def parts(text: str) -> tuple[int, ...]:
        return tuple(int(p) for p in re.findall(r"\d+", text)[:3])

    mine = parts(version)
    for bound in condition.split(","):
        match = re.match(r"\s*(>=|<=|>|<|=)?\s*([\d.]+)", bound)
        if match is None:
            continue
        operator, number = match.group(1) or "=", parts(match.group(2))
        padded = mine[: len(number)]
        if not {
            ">=": padded >= number,
            "<=": padded <= number,
            ">": padded > number,
            "<": padded < number,
            "=": padded == number,
        }[operator]:
            return False
    return True


def send(api: RestCaller, step: dict[str, Any]) -> Answer:
    parameters = dict(step.get("parameters") or {})
    path = step["path"]
    for name in re.findall(r"\{(\w+)\}", path):
        path = path.replace("{" + name + "}", str(parameters.pop(name)))
    query = {k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in parameters.items()}
    payload = (step.get("request") or {}).get("payload")
    return api.call(step["method"], path, params=query or None, body=payload)


def matches(step: dict[str, Any], answer: Answer) -> bool:
    expected = step.get("response") or {}
    allowed = step.get("status") or [expected.get("status", 200)]
    if answer.status not in allowed:
        return False
    return "payload" not in expected or is_subset(expected["payload"], answer.json)


@pytest.mark.parametrize(
    ("story_file", "version"),
    [(story, "2.11.0") for story in REPLAYED] + [("snapshot/restore.yaml", "2.19.0")],
)
def test_upstream_story_passes_against_the_emulator(story_file: str, version: str) -> None:
    # Given an OpenSearch domain (no Amazon service repository: the stories run on a stock cluster)
    story = yaml.safe_load((STORIES / story_file).read_text())
    indices = STORY_INDICES.get(story_file, ("movies", "books", "stories"))
    domain = EmulatedDomain(version=version, indices=indices, automated_repository=None)
    with serve(domain) as server:
        api = RestCaller(server.endpoint)
        # When every step is sent as written (chapters outside their version range are skipped)
        for part, step in steps(story):
            if not version_matches(version, step.get("version")):
                continue
            answer = send(api, step)
            for _ in range((step.get("retry") or {}).get("count", 0)):
                if matches(step, answer):
                    break
                answer = send(api, step)
            # Then each answers with the story's status and payload
            where = f"{part}: {step['method']} {step['path']} -> {answer.status} {answer.body[:300]!r}"
            assert matches(step, answer), where
        api.close()
