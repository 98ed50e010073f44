"""Aliases as they are now: which of a snapshot's aliases a restore may bring back (pure).

A snapshot holds each index's aliases as they were when it was taken, and a restore with
``include_aliases`` puts all of them back, whatever happened since. Alias ``orders`` swapped from
``orders_v1`` to ``orders_v2``, then ``orders_v1`` deleted: restoring ``orders_v1`` with its aliases
leaves ``orders`` on both, writes through it fail ("no write index") and searches mix old and new
data. OpenSearch's restore offers only ``include_aliases`` (all or none), so the plan decides per
alias of each restored index:

- **as it was**: every index the alias points at now (this restore's targets apart) also held it
  when the snapshot was taken, or it points at nothing: restoring it brings back that state.
- **moved**: it now points at an index that did not hold it then, or an index has taken its
  name. It is never restored, and the plan and the report say so.

All as they were: the restore sends ``include_aliases: true`` and the engine restores each alias with
its filter, routing and write flag. One moved: it sends ``include_aliases: false`` and then adds the
others back (``POST _aliases``) with the definitions the backup recorded; an alias whose definition
was too large to record is not re-added (the plan names it). Over an existing (closed) index,
``include_aliases: false`` keeps that index's own aliases: the engine's rule.

The backup records aliases next to the document counts (a snapshot's index metadata cannot be
read without restoring it). Without that record (snapshots from before it, other repositories,
indices it left out) nothing says which aliases the snapshot holds, so the safe choice depends on
the domain: when no alias points at an index outside this restore (aliases named with a leading
dot count only when a system index is restored), nothing could be joined and they are restored;
otherwise the indices come back without aliases and the plan names an alias that could have been
joined, so someone adds the right ones by hand.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from snapshot_sentinel.naming import plural

NOTES_MAX = 20


@dataclass(frozen=True)
class BackupRecord:
    """What the backup recorded about a snapshot's indices (the drill catalog)."""

    aliases: Mapping[str, Mapping[str, Mapping[str, Any] | None]] = field(default_factory=dict)
    """Index -> alias -> definition (``None``: name only), for the indices whose aliases were recorded."""
    primaries: Mapping[str, int] = field(default_factory=dict)
    """Index -> primary shards when the snapshot was taken."""


@dataclass(frozen=True)
class AliasPlan:
    include_aliases: bool
    """What the restore request sends."""
    add: tuple[tuple[str, str, Mapping[str, Any]], ...] = ()
    """(target, alias, definition) added after the restore, when ``include_aliases`` is false."""
    left_out: int = 0
    """Aliases not restored: moved, unknown, or too large to re-add."""
    notes: tuple[str, ...] = ()

    def summary(self) -> dict[str, Any]:
        return {
            "include_aliases": self.include_aliases,
            "re_added": len(self.add),
            "left_out": self.left_out,
            "notes": list(self.notes[:NOTES_MAX]),
        }


def _named(names: Collection[str], first: int = 3) -> str:
    shown = sorted(names)[:first]
    more = f" and {len(names) - first} more" if len(names) > first else ""
    return ", ".join(shown) + more


def plan_aliases(
    pairs: Sequence[tuple[str, str]],
    *,
    wanted: bool,
    live: Mapping[str, Collection[str]],
    live_indices: Collection[str],
    record: BackupRecord | None,
) -> AliasPlan:
    """Decide the restore's aliases; ``pairs`` are the restored (source, target) pairs, ``live``
    every alias now -> the indices it points at, ``record`` what the backup recorded (None: nothing)."""
    if not wanted or not pairs:
        return AliasPlan(include_aliases=False)
    targets = {target for _, target in pairs}
    recorded = record.aliases if record is not None else {}
    holders: dict[str, set[str]] = {}
    for index, aliases in recorded.items():
        for alias in aliases:
            holders.setdefault(alias, set()).add(index)

    keep: list[tuple[str, str, Mapping[str, Any] | None]] = []
    notes: list[str] = []
    moved = 0
    for source, target in pairs:
        for alias, spec in sorted((recorded.get(source) or {}).items()):
            elsewhere = set(live.get(alias) or ()) - targets
            if alias in live_indices and alias not in targets:
                moved += 1
                notes.append(f"an index is now named [{alias}]: restored [{target}] without alias [{alias}]")
            elif elsewhere <= holders.get(alias, set()):
                keep.append((target, alias, spec))
            else:
                moved += 1
                notes.append(
                    f"alias [{alias}] now points at [{_named(elsewhere - holders.get(alias, set()))}]: "
                    f"restored [{target}] without it"
                )

    unknown = [target for source, target in pairs if source not in recorded]
    joinable: dict[str, set[str]] = {}
    if unknown:
        system = any(target.startswith(".") for target in targets)
        joinable = {
            alias: set(indices) - targets
            for alias, indices in live.items()
            if set(indices) - targets and (system or not alias.startswith("."))
        }
    if not moved and not joinable:
        return AliasPlan(include_aliases=True, notes=tuple(notes))

    left_out = moved + len(unknown)
    if unknown:
        why = (
            f"and alias [{min(joinable)}] points at [{_named(joinable[min(joinable)])}]"
            if joinable
            else "and an alias of another index moved, so the restore cannot include aliases"
        )
        notes.append(
            f"no record of the aliases of {len(unknown)} restored {plural(len(unknown), 'index')} (first: "
            f"[{min(unknown)}]) in this snapshot, {why}: restored without aliases; add the ones needed with "
            "POST _aliases"
        )
    add: list[tuple[str, str, Mapping[str, Any]]] = []
    for target, alias, spec in keep:
        if spec is None:
            left_out += 1
            notes.append(f"alias [{alias}] of [{target}] not re-added: its definition was too large to record")
        else:
            add.append((target, alias, spec))
    return AliasPlan(include_aliases=False, add=tuple(add), left_out=left_out, notes=tuple(notes))
