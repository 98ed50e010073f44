"""The ``_cat`` APIs: plain-text tables (``v``, ``h``) or JSON rows of strings (``format=json``)."""

from __future__ import annotations

from datetime import UTC

from tests.emulator.actions import endpoint
from tests.emulator.engine import Cluster
from tests.emulator.formats import millis, time_value
from tests.emulator.responses import Reply, validation_error
from tests.emulator.routing import Call, Route

Row = dict[str, str | None]

CAT_PARAMS = ("format", "h", "help", "s", "v", "time", "bytes")
_CAT_PARAMS = (*CAT_PARAMS, "ignore_unavailable", "repository")
_CAT_SNAPSHOT_COLUMNS: dict[str, tuple[str, ...]] = {
    "id": ("snapshot",),
    "status": ("s",),
    "start_epoch": ("ste", "startEpoch"),
    "start_time": ("sti", "startTime"),
    "end_epoch": ("ete", "endEpoch"),
    "end_time": ("eti", "endTime"),
    "duration": ("dur",),
    "indices": ("i",),
    "successful_shards": ("ss",),
    "failed_shards": ("fs",),
    "total_shards": ("ts",),
    "reason": ("r",),
}


class CatActions:
    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster

    def routes(self) -> list[Route]:
        c = self.cluster
        return [
            Route("/_cat/snapshots", {"GET": endpoint(c, self._cat_snapshots, *_CAT_PARAMS)}),
            Route("/_cat/snapshots/{repository}", {"GET": endpoint(c, self._cat_snapshots, *_CAT_PARAMS)}),
            Route("/_cat/repositories", {"GET": endpoint(c, self._cat_repositories, *_CAT_PARAMS, "local")}),
        ]

    # ------------------------------------------------------------------ _cat

    def _cat_snapshots(self, call: Call) -> Reply:
        repo = call.params.get("repository") or call.query.get("repository")
        if not repo:
            raise validation_error("repository is missing")
        self.cluster.require_repository(repo)
        records = sorted(self.cluster.snapshots_by_repo[repo].values(), key=lambda r: (millis(r.start_time), r.name))
        now = self.cluster.clock()
        rows: list[Row] = []
        for r in records:
            end = None if r.running else r.end_time
            duration = millis(end or now) - millis(r.start_time)
            rows.append(
                {
                    "id": r.name,
                    "status": r.state,
                    "start_epoch": str(millis(r.start_time) // 1000),
                    "start_time": r.start_time.astimezone(UTC).strftime("%H:%M:%S"),
                    "end_epoch": str(millis(end) // 1000),
                    "end_time": end.astimezone(UTC).strftime("%H:%M:%S") if end else "00:00:00",
                    "duration": time_value(max(0, duration)),
                    "indices": str(len(r.indices)),
                    "successful_shards": str(0 if r.running else r.shards_successful),
                    "failed_shards": str(0 if r.running else r.shards_failed),
                    "total_shards": str(0 if r.running else r.shards_total),
                    "reason": r.reason or "",
                }
            )
        return cat_table(call, rows, _CAT_SNAPSHOT_COLUMNS, hidden={"reason"})

    def _cat_repositories(self, call: Call) -> Reply:
        rows = [{"id": name, "type": reg["type"]} for name, reg in self.cluster.repositories.items()]
        return cat_table(call, rows, {"id": ("id", "repoId"), "type": ("t",)}, hidden=set())


def cat_table(call: Call, rows: list[Row], columns: dict[str, tuple[str, ...]], hidden: set[str]) -> Reply:
    """A ``_cat`` answer: ``h`` picks columns (by name or alias), ``s`` sorts (``col:desc``), ``v`` adds
    the header, ``format=json`` gives rows of strings (null for an empty cell)."""
    aliases = {alias: name for name, names in columns.items() for alias in (name, *names)}
    wanted = [c for c in columns if c not in hidden]
    if call.query.get("h"):
        wanted = [aliases[h] for h in call.query["h"].split(",") if h in aliases]
    for key in reversed([k for k in (call.query.get("s") or "").split(",") if k]):
        name, _, order = key.partition(":")
        column = aliases.get(name)
        if column is not None:
            rows = sorted(rows, key=lambda row: _sort_key(row.get(column)), reverse=order == "desc")
    table = [{c: row.get(c) for c in wanted} for row in rows]
    if call.query.get("format") == "json":
        return Reply.json(200, table)
    lines: list[list[str]] = []
    if call.query.get("v") in ("", "true"):
        lines.append(wanted)
    lines += [[row[c] or "" for c in wanted] for row in table]
    widths = [max((len(line[i]) for line in lines), default=0) for i in range(len(wanted))]
    text = "".join(" ".join(cell.ljust(widths[i]) for i, cell in enumerate(line)).rstrip() + "\n" for line in lines)
    return Reply(200, text.encode(), content_type="text/plain; charset=UTF-8")


def _sort_key(value: str | None) -> tuple[int, float, str]:
    if value is None:
        return (1, 0.0, "")
    try:
        return (0, float(value), "")
    except ValueError:
        return (0, 0.0, value)
