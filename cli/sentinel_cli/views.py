"""How the command line shows things to a person: rich tables, live progress, result summaries.

Scripts use ``--json`` instead; nothing here is parsed by anyone.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol, TextIO

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from sentinel_cli.runs import RunView

PIPE_WIDTH = 200
"""Columns of output that is not a terminal (a pipe, a file, CI): wide enough that tables do not wrap names."""


def make_console(file: TextIO | None = None) -> Console:
    """A console on ``file`` (None: stdout); output that is not a terminal gets PIPE_WIDTH columns."""
    # No markup: index names such as [logs-1] and error texts must print as they are.
    console = Console(file=file, highlight=False, markup=False, soft_wrap=False)
    if not console.is_terminal:
        console = Console(file=file, highlight=False, markup=False, width=PIPE_WIDTH, soft_wrap=False)
    return console


def human_duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes, secs = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {secs} s" if secs else f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h" if hours else f"{days} d"


def when(moment: datetime | str | None) -> str:
    if moment is None or moment == "":
        return "-"
    if isinstance(moment, str):
        try:
            parsed = datetime.fromisoformat(moment)
        except ValueError:
            return moment
    else:
        parsed = moment
    return parsed.strftime("%Y-%m-%d %H:%M:%S %Z").strip()


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


# -- results ---------------------------------------------------------------------------------------


def _snapshot_lines(data: Any) -> list[str]:
    snapshot = data.get("snapshot") if isinstance(data, dict) else None
    if not isinstance(snapshot, dict):
        return []
    shards = snapshot.get("shards") or {}
    lines = [f"Snapshot   {snapshot.get('name', '-')}  {snapshot.get('state', '-')}"]
    if shards:
        lines.append(
            f"Shards     {shards.get('successful', 0)}/{shards.get('total', 0)} successful, "
            f"{shards.get('failed', 0)} failed"
        )
    if snapshot.get("indices_count") is not None:
        lines.append(f"Indices    {snapshot['indices_count']}")
    if snapshot.get("duration_seconds") is not None:
        lines.append(f"Took       {human_duration(snapshot['duration_seconds'])}")
    return lines


def _retention_lines(data: Any) -> list[str]:
    retention = data.get("retention") if isinstance(data, dict) else None
    if not isinstance(retention, dict):
        return []
    totals = retention.get("totals") or {}
    verb = "would delete" if retention.get("dry_run") else "deleted"
    done = totals.get("to_delete" if retention.get("dry_run") else "deleted", 0)
    line = f"Retention  {verb} {done}, kept {totals.get('kept', 0)} of {totals.get('managed', 0)} managed"
    if totals.get("deferred"):
        line += f", deferred {totals['deferred']}"
    if retention.get("stopped_because"):
        line += f" (stopped: {retention['stopped_because']})"
    return [line]


def render_result(console: Console, view: RunView) -> None:
    """The end of a run: what it did, or what went wrong and the alert that was sent."""
    took = human_duration(view.duration_seconds)
    title = f"{view.state_machine} run {view.name}"
    if view.succeeded:
        console.print(Text(f"✔ {title} SUCCEEDED in {took}", style="bold green"))
    else:
        console.print(Text(f"✘ {title} {view.status} after {took}", style="bold red"))
    for line in [*_snapshot_lines(view.data), *_retention_lines(view.data)]:
        console.print(f"  {line}")
    if view.error or view.cause:
        console.print(f"  Error      {view.error or '-'}")
        console.print(f"  Cause      {view.cause or '-'}")
    if view.alert:
        subject = view.alert.get("subject")
        if subject:
            console.print(f"  Alert      {subject}")
        for key in ("text", "summary"):
            if isinstance(view.alert.get(key), str):
                console.print(view.alert[key])
    elif not view.succeeded and view.finished:
        console.print("  Alert      none recorded by the run; see the execution's history and AlertTopic")
    console.print(f"  Execution  {view.arn}")


def table(title: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> Table:
    result = Table(title=title, title_justify="left", show_lines=False)
    for column in columns:
        result.add_column(column, overflow="fold")
    for row in rows:
        result.add_row(*("-" if cell is None else str(cell) for cell in row))
    return result
