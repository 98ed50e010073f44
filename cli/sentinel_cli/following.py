"""Following a run: start it, poll it until it ends while showing its state, polls and shards as they
change (in place on a terminal, a line per change otherwise, nothing with --json), then its result."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, Protocol

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from sentinel_cli import render
from sentinel_cli.context import Runtime
from sentinel_cli.errors import EXIT_OK, EXIT_RUN_FAILED
from sentinel_cli.gateway import AwsGateway
from sentinel_cli.runs import RunView

FOLLOW_EVENTS = 15
"""History events read per poll: a poll cycle (Wait, Task, Choice) is about ten, so the newest state
data is among them; the state data in each event is what makes a read heavy."""
FINAL_EVENTS = 100
"""Read once at the end of a failed run, to find the alert step's result."""


def execution_name(verb: str, now: datetime) -> str:
    """Unique, readable and valid for Step Functions (80 characters, no spaces)."""
    return f"sentinel-{verb}-{now.astimezone(UTC):%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:6]}"


def progress_words(view: RunView) -> str:
    words = [view.current_state or view.status]
    if view.polls is not None and not view.finished:
        words.append(f"poll {view.polls}")
    if view.shards:
        words.append(f"shards {view.shards.done}/{view.shards.total}")
        if view.shards.failed:
            words.append(f"({view.shards.failed} failed)")
    if view.eta:
        words.append(view.eta)
    return " · ".join(words)


class Follower(Protocol):
    def update(self, view: RunView) -> None: ...

    def close(self) -> None: ...


class SilentFollower:
    """For --json: nothing but the final document."""

    def update(self, view: RunView) -> None:
        return None

    def close(self) -> None:
        return None


class LineFollower:
    """A line per change, for output that is not a terminal (logs, CI)."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self._last: tuple[Any, ...] | None = None

    def update(self, view: RunView) -> None:
        if view.change_key != self._last:
            self._last = view.change_key
            self.console.print(f"{view.status:<9} {progress_words(view)}")

    def close(self) -> None:
        return None


class LiveFollower:
    """A spinner, the current state and a bar of shards done out of total, in place."""

    def __init__(self, console: Console, title: str) -> None:
        self.progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("shards"),
            TimeElapsedColumn(),
            console=console,
        )
        self.title = title
        self.task = self.progress.add_task(title, total=None)
        self.progress.start()

    def update(self, view: RunView) -> None:
        shards = view.shards
        self.progress.update(
            self.task,
            description=f"{self.title}: {progress_words(view)}",
            total=shards.total if shards and shards.total else None,
            completed=shards.done if shards else 0,
        )

    def close(self) -> None:
        self.progress.stop()


def follower_for(console: Console, *, as_json: bool, title: str) -> Follower:
    if as_json:
        return SilentFollower()
    if console.is_terminal:
        return LiveFollower(console, title)
    return LineFollower(console)


def follow(runtime: Runtime, gateway: AwsGateway, execution_arn: str, *, title: str) -> RunView:
    """Poll an execution until it ends, showing its state, polls and shards as they change."""
    machines = {arn: name for name, arn in gateway.state_machines.items()}
    follower = follower_for(runtime.console, as_json=runtime.as_json, title=title)
    try:
        while True:
            described = gateway.describe_execution(execution_arn)
            view = RunView.build(described, gateway.recent_events(execution_arn, limit=FOLLOW_EVENTS), machines)
            follower.update(view)
            if view.finished:
                break
            runtime.sleep(runtime.poll_seconds)
    finally:
        follower.close()
    if view.alert is None and not view.succeeded:
        view = RunView.build(described, gateway.recent_events(execution_arn, limit=FINAL_EVENTS), machines)
    return view


def finish(runtime: Runtime, view: RunView, extra: dict[str, Any] | None = None) -> int:
    """Show a run's result (or its JSON document); its exit code: 0 succeeded, 1 not."""
    if runtime.as_json:
        runtime.emit_json({**view.to_dict(), **(extra or {})})
    else:
        render.run_result(runtime.console, view)
    return EXIT_OK if view.succeeded else EXIT_RUN_FAILED


def started(runtime: Runtime, execution_arn: str, run_input: dict[str, Any]) -> int:
    if runtime.as_json:
        runtime.emit_json({"execution_arn": execution_arn, "status": "RUNNING", "input": run_input})
    else:
        render.run_started(runtime.console, execution_arn)
    return EXIT_OK


def start_and_follow(
    runtime: Runtime,
    stack: AwsGateway,
    state_machine_arn: str,
    run_input: dict[str, Any],
    *,
    verb: str,
    wait: bool | None,
) -> int:
    """Start a run; follow it to its end when asked (or, by default, when stdout is a terminal)."""
    arn = stack.start_execution(state_machine_arn, execution_name(verb, runtime.now()), run_input)
    if not (runtime.stdout_is_terminal() if wait is None else wait):
        return started(runtime, arn, run_input)
    return finish(runtime, follow(runtime, stack, arn, title=verb.capitalize()))
