"""Reading a state machine definition (Amazon States Language) in tests."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def error_names(state: Mapping[str, Any], block: str) -> set[str]:
    """The error names a state's ``Retry`` or ``Catch`` rules match."""
    return {name for rule in state.get(block, []) for name in rule["ErrorEquals"]}


def our_error_names(states: Mapping[str, Mapping[str, Any]]) -> set[str]:
    """Every error name the definition retries or catches that is not AWS's (``States.*``, ``Lambda.*``)."""
    named: set[str] = set()
    for state in states.values():
        named |= error_names(state, "Retry") | error_names(state, "Catch")
    return {name for name in named if not name.startswith(("States.", "Lambda."))}
