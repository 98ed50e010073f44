"""Reading a state machine definition (Amazon States Language) in tests."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
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


def next_states(state: Mapping[str, Any]) -> set[str]:
    """The states ``state`` may hand over to: Next, a Choice's rules and Default, and every Catch."""
    found = {state["Next"]} if "Next" in state else set()
    found |= {rule["Next"] for rule in state.get("Choices", [])}
    found |= {state["Default"]} if "Default" in state else set()
    found |= {rule["Next"] for rule in state.get("Catch", [])}
    return found


def worst_case_events(state: Mapping[str, Any]) -> int:
    """History events of one visit of a state at its worst: entered + exited, and for a Task three
    events (scheduled, started, succeeded/failed) per attempt, every retry of every Retry rule taken."""
    events = 2
    if state["Type"] == "Task":
        attempts = 1 + sum(rule.get("MaxAttempts", 3) for rule in state.get("Retry", []))
        events += 3 * attempts
    return events


def loops(states: Mapping[str, Mapping[str, Any]]) -> list[frozenset[str]]:
    """The definition's cycles: each set of states that can all reach one another (a polling loop)."""

    def reachable(start: str) -> set[str]:
        seen: set[str] = set()
        todo = list(next_states(states[start]))
        while todo:
            name = todo.pop()
            if name not in seen:
                seen.add(name)
                todo.extend(next_states(states[name]))
        return seen

    reach = {name: reachable(name) for name in states}
    found: list[frozenset[str]] = []
    for name in states:
        if name in reach[name] and not any(name in loop for loop in found):
            found.append(frozenset(other for other in reach[name] if name in reach[other]))
    return found


def history_worst_case(states: Mapping[str, Mapping[str, Any]]) -> tuple[list[int], int]:
    """Events of one pass of each polling loop at its worst, and of everything else: each state
    outside the loops is visited at most once, plus ExecutionStarted and the execution's last event."""
    found = loops(states)
    in_loops = set().union(*found) if found else set()
    per_loop = [sum(worst_case_events(states[name]) for name in loop) for loop in found]
    outside = sum(worst_case_events(state) for name, state in states.items() if name not in in_loops) + 2
    return per_loop, outside


@dataclass(frozen=True)
class RunHistory:
    """The history events of a run of a definition without loops: its own, and those of one child
    execution of each Distributed Map (every child has a history of its own, as in AWS)."""

    events: int
    child_events: dict[str, int]


def run_history(definition: Mapping[str, Any], *, iterations: Mapping[str, int], worst: bool = False) -> RunHistory:
    """Events of one run of a loop-free ``definition``, each inline Map state iterating as often as
    ``iterations`` says; ``worst`` takes every retry of every Retry rule. A Distributed Map adds six
    events to its parent whatever its item count (entered, started, map run started and succeeded,
    succeeded, exited); each child counts its own. Recorded by moto as AWS records them."""
    children: dict[str, int] = {}

    def states_events(states: Mapping[str, Mapping[str, Any]], start: str) -> int:
        total, name = 0, start
        while True:
            state = states[name]
            total += state_events(name, state)
            if state.get("End") or state["Type"] in ("Succeed", "Fail"):
                return total
            name = state["Next"]

    def state_events(name: str, state: Mapping[str, Any]) -> int:
        if state["Type"] != "Map":
            if worst:
                return worst_case_events(state)
            return 5 if state["Type"] == "Task" else 2
        processor = state["ItemProcessor"]
        inner = states_events(processor["States"], processor["StartAt"])
        if processor.get("ProcessorConfig", {}).get("Mode") == "DISTRIBUTED":
            children[name] = 2 + inner
            return 6
        return 4 + iterations[name] * (2 + inner)

    events = 2 + states_events(definition["States"], definition["StartAt"])
    return RunHistory(events, children)
