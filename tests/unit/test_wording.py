"""Counted nouns agree with their count: "1 index", never "1 indices" or "index(es)"."""

from __future__ import annotations

import pytest

from snapshot_sentinel.naming import counted


@pytest.mark.parametrize(
    ("count", "noun", "expected"),
    [
        (1, "index", "1 index"),
        (4, "index", "4 indices"),
        (0, "index", "0 indices"),
        (1, "field", "1 field"),
        (2, "blocker", "2 blockers"),
        (3, "restored index", "3 restored indices"),
    ],
)
def test_a_count_and_its_noun_agree(count, noun, expected):
    assert counted(count, noun) == expected
