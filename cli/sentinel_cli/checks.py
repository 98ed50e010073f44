"""One line of ``doctor``'s checklist: an item, its verdict (OK, WARN or FAIL), what was found and the fix.

FAIL: backups or alerts are not working. WARN: nothing is broken yet but something is left to finish
or could not be checked. Pure: the items themselves are in sentinel_cli.commands.doctor.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sentinel_cli.errors import EXIT_OK, EXIT_RUN_FAILED, EXIT_WARNINGS

OK, WARN, FAIL = "OK", "WARN", "FAIL"


@dataclass(frozen=True)
class Check:
    item: str
    status: str
    detail: str
    fix: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"check": self.item, "status": self.status, "detail": self.detail, "fix": self.fix}


def exit_code(checks: list[Check]) -> int:
    """0 every item OK; 1 any FAIL; 4 WARN items only."""
    statuses = {c.status for c in checks}
    if FAIL in statuses:
        return EXIT_RUN_FAILED
    return EXIT_WARNINGS if WARN in statuses else EXIT_OK
