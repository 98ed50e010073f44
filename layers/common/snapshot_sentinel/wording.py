"""Counted nouns as a person writes them: "1 index", "4 indices", "0 blockers". Pure."""

from __future__ import annotations

PLURALS = {"index": "indices", "replica": "replicas"}


def plural(count: int, noun: str) -> str:
    """``noun`` for ``count`` of it: itself for exactly one, else its plural (of its last word:
    "restored index" -> "restored indices")."""
    if count == 1:
        return noun
    *before, last = noun.split(" ")
    return " ".join([*before, PLURALS.get(last, last + "s")])


def counted(count: int, noun: str) -> str:
    """``"1 index"``, ``"4 indices"``: the count and its noun, agreeing."""
    return f"{count} {plural(count, noun)}"
