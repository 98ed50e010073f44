"""The drill planner's rules, proven over arbitrary snapshots (hypothesis) and shown on examples."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from snapshot_sentinel.drills.plan import (
    GIB,
    MAX_PICKS,
    DrillCaps,
    IndexCandidate,
    drill_prefix,
    drill_target,
    is_drill_index,
    run_token,
    sample_indices,
)
from snapshot_sentinel.errors import InvalidInputError

START = datetime(2026, 11, 29, 2, 0, 7, tzinfo=UTC)
EXECUTION = "arn:aws:states:us-east-1:123456789012:execution:DrillStateMachine:weekly"
PREFIX = drill_prefix(START, EXECUTION)

names = st.from_regex(r"\.?[a-z][a-z0-9._-]{0,12}", fullmatch=True)
counts = st.none() | st.integers(min_value=0, max_value=1_000)


@st.composite
def candidates(draw: st.DrawFn) -> list[IndexCandidate]:
    unique = draw(st.lists(names, max_size=25, unique=True))
    result = []
    for name in unique:
        before = draw(counts)
        after = before if draw(st.booleans()) else draw(counts)
        result.append(
            IndexCandidate(
                name=name,
                primaries=draw(st.integers(min_value=1, max_value=30)),
                size_bytes=draw(st.integers(min_value=0, max_value=40 * GIB)),
                docs_before=before,
                docs_after=after,
            )
        )
    return result


caps_strategy = st.builds(
    DrillCaps, max_shards=st.integers(min_value=1, max_value=40), max_bytes=st.integers(min_value=0, max_value=30 * GIB)
)


@given(candidates(), caps_strategy, st.lists(names, max_size=5))
def test_a_sample_never_exceeds_the_caps(indices: list[IndexCandidate], caps: DrillCaps, existing: list[str]) -> None:
    sample = sample_indices(indices, caps, prefix=PREFIX, existing=existing)
    assert sample.shards <= caps.max_shards
    assert sample.size_bytes <= caps.max_bytes


@given(candidates(), caps_strategy)
def test_a_sample_never_holds_a_system_index(indices: list[IndexCandidate], caps: DrillCaps) -> None:
    # Even a pattern that names a dot-index exactly leaves it out.
    patterns = [c.name for c in indices]
    sample = sample_indices(indices, caps, prefix=PREFIX, patterns=patterns or None)
    assert not [p.source for p in sample.picks if p.source.startswith(".")]


@given(candidates(), caps_strategy)
def test_the_largest_index_that_fits_is_always_drilled(indices: list[IndexCandidate], caps: DrillCaps) -> None:
    sample = sample_indices(indices, caps, prefix=PREFIX)
    fitting = [
        c
        for c in indices
        if not c.name.startswith(".") and c.primaries <= caps.max_shards and c.size_bytes <= caps.max_bytes
    ]
    if fitting:
        largest = max(c.size_bytes for c in fitting)
        assert any(p.size_bytes == largest for p in sample.picks)
    else:
        assert sample.picks == ()


@given(candidates(), caps_strategy, st.lists(names, max_size=5))
def test_drill_targets_are_distinct_and_never_a_live_index(
    indices: list[IndexCandidate], caps: DrillCaps, live: list[str]
) -> None:
    existing = set(live) | {drill_target(PREFIX, c.name) for c in indices[::3]}
    sample = sample_indices(indices, caps, prefix=PREFIX, existing=existing)
    targets = [p.target for p in sample.picks]
    assert len(targets) == len(set(targets))
    assert not set(targets) & existing
    assert all(is_drill_index(t, PREFIX) for t in targets)


@given(candidates(), caps_strategy)
def test_every_index_is_either_drilled_or_left_out_with_a_reason(
    indices: list[IndexCandidate], caps: DrillCaps
) -> None:
    sample = sample_indices(indices, caps, prefix=PREFIX)
    picked = {p.source for p in sample.picks}
    left = {o.name for o in sample.left_out}
    assert picked | left == {c.name for c in indices}
    assert not picked & left
    assert all(o.reason for o in sample.left_out)


def test_quiet_indices_come_before_written_ones_once_the_largest_is_in() -> None:
    indices = [
        IndexCandidate("logs-big", primaries=5, size_bytes=10 * GIB, docs_before=10, docs_after=20),
        IndexCandidate("logs-written", primaries=1, size_bytes=1 * GIB, docs_before=5, docs_after=9),
        IndexCandidate("logs-quiet", primaries=1, size_bytes=2 * GIB, docs_before=7, docs_after=7),
    ]
    sample = sample_indices(indices, DrillCaps(max_shards=6, max_bytes=20 * GIB), prefix=PREFIX)
    assert [p.source for p in sample.picks] == ["logs-big", "logs-quiet"]
    assert [(o.name, o.reason) for o in sample.left_out] == [
        ("logs-written", "the sample is full (DrillMaxShards / DrillMaxGigabytes)")
    ]


def test_an_index_over_the_caps_is_left_out_saying_which_cap() -> None:
    indices = [
        IndexCandidate("huge", primaries=2, size_bytes=50 * GIB),
        IndexCandidate("wide", primaries=40, size_bytes=1 * GIB),
        IndexCandidate("small", primaries=1, size_bytes=1),
    ]
    sample = sample_indices(indices, DrillCaps.from_gigabytes(20, 20), prefix=PREFIX)
    assert [p.source for p in sample.picks] == ["small"]
    reasons = {o.name: o.reason for o in sample.left_out}
    assert reasons == {
        "huge": "50.0 GiB, over DrillMaxGigabytes (20.0)",
        "wide": "40 primary shards, over DrillMaxShards (20)",
    }


def test_drill_names_carry_the_snapshot_start_and_the_run_and_stay_valid_index_names() -> None:
    token = run_token(EXECUTION)
    assert drill_prefix(START, EXECUTION) == f"drill-20261129t020007z-{token}-"
    assert len(token) == 8 and token.isalnum() and token == token.lower()
    assert drill_target(PREFIX, "orders") == f"drill-20261129t020007z-{token}-orders"
    long = drill_target(PREFIX, "x" * 300)
    assert len(long.encode()) <= 255 and long.startswith(f"{PREFIX}x")
    assert drill_target(PREFIX, "x" * 300) != drill_target(PREFIX, "x" * 299 + "y")
    assert not is_drill_index(f"drill-20261129t020007z-{token}", PREFIX)
    assert not is_drill_index(f"drilled-20261129t020007z-{token}-orders", PREFIX)
    assert not is_drill_index("drill-20261129t020007z-orders", PREFIX), "a name without this run's token"


def test_a_drill_without_its_execution_id_is_refused_by_name() -> None:
    with pytest.raises(InvalidInputError, match="execution_id"):
        drill_prefix(START, "")


executions = st.from_regex(
    r"arn:aws:states:us-east-1:123456789012:execution:DrillStateMachine:[A-Za-z0-9_-]{1,80}", fullmatch=True
)


@given(st.lists(executions, min_size=2, max_size=2, unique=True), st.lists(names, min_size=1, max_size=6, unique=True))
def test_two_executions_of_the_same_snapshot_never_share_or_own_each_others_names(
    pair: list[str], sources: list[str]
) -> None:
    first, second = (drill_prefix(START, e) for e in pair)
    assert first != second
    ours = {drill_target(first, s) for s in sources}
    theirs = {drill_target(second, s) for s in sources}
    assert not ours & theirs
    assert not any(is_drill_index(n, first) for n in theirs)
    assert all(len(n.encode()) <= 255 and n.startswith("drill-") for n in ours | theirs)


@given(st.integers(min_value=0, max_value=300))
def test_a_sample_never_holds_more_indices_than_a_run_can_carry_whatever_the_caps(count: int) -> None:
    many = [IndexCandidate(f"logs-{n:04d}", primaries=1, size_bytes=1) for n in range(count)]

    sample = sample_indices(many, DrillCaps(max_shards=10**9, max_bytes=10**18), prefix=PREFIX)

    assert len(sample.picks) == min(count, MAX_PICKS)
    assert len(sample.picks) + len(sample.left_out) == count
    assert all("the sample is full" in o.reason for o in sample.left_out)
