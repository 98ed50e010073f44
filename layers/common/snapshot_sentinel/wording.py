"""Counted nouns as a person writes them: "1 index", "4 indices", "0 blockers". Pure."""

from __future__ import annotations

PLURALS = {"index": "indices", "replica": "replicas"}


def plural(count: int, noun: str) -> str:
    """``noun`` for ``count`` of it: itself for exactly one, else its plural."""
    if count == 1:
        return noun
    return PLURALS.get(noun, noun + "s")


def counted(count: int, noun: str) -> str:
    """``"1 index"``, ``"4 indices"``: the count and its noun, agreeing."""
    return f"{count} {plural(count, noun)}"
