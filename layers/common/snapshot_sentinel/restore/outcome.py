"""The shape every restore and drill report takes, shared by :mod:`.report` and
:mod:`snapshot_sentinel.drills.report`: the report itself (subject, text, facts, and the Error/Cause a
failed run ends with), the error a run's state carries, the Fail state's cause, and the figures both
write in words (a duration between two timestamps, a size).

Pure: no client, no environment.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from snapshot_sentinel.alerts import ALERTED_CAUSE_SUFFIX
from snapshot_sentinel.alerts.json_values import mapping
from snapshot_sentinel.alerts.sns import envelope, string_attributes
from snapshot_sentinel.clock import parse_timestamp

if TYPE_CHECKING:
    from mypy_boto3_sns.type_defs import MessageAttributeValueTypeDef

CAUSE_MAX_CHARS = 900
OUTPUT_INDICES_MAX = 50
"""The indices the step's output keeps of the report's facts (the execution's output stays small)."""


@dataclass(frozen=True)
class RestoreReport:
    outcome: str
    subject: str
    text: str
    facts: dict[str, Any]
    error: str | None = None
    cause: str | None = None

    def sns_message(self) -> str:
        """The ``Message`` this report is published as (the one envelope of :mod:`snapshot_sentinel.alerts.sns`)."""
        return envelope(self.subject, self.text, self.facts)

    def attributes(self) -> dict[str, MessageAttributeValueTypeDef]:
        """``outcome``, ``domain`` and ``kind`` (``restore`` or ``drill``) for subscription filter policies."""
        return string_attributes(
            {"outcome": self.outcome, "domain": self.facts.get("domain"), "kind": self.facts.get("kind")}
        )

    def result(self) -> dict[str, Any]:
        """The step's output: what the Choice and Fail states read."""
        return {"outcome": self.outcome, "subject": self.subject, "error": self.error, "cause": self.cause}

    def bounded_facts(self) -> dict[str, Any]:
        """What the execution's output keeps of the facts: everything but the plan and the long per-index list."""
        facts = dict(self.facts)
        indices = facts.pop("indices", None)
        if indices is not None:
            facts["indices_sample"] = indices[:OUTPUT_INDICES_MAX]
        facts.pop("plan", None)
        return facts


def read_error(run: Mapping[str, Any]) -> tuple[str, str] | None:
    """The error a Catch put in ``run["error"]`` (``{"Error", "Cause"}``), as its name and message: a
    Lambda's JSON Cause gives its ``errorMessage``. None when the run caught nothing."""
    error = mapping(run.get("error"))
    if not error:
        return None
    name = str(error.get("Error") or "UnknownError")
    cause = str(error.get("Cause") or "")
    try:
        parsed = json.loads(cause)
        if isinstance(parsed, Mapping):
            cause = str(parsed.get("errorMessage") or cause)
    except ValueError:
        pass
    return name, cause


def failure_cause(error: str, summary: str) -> str:
    """The Cause a failed run's Fail state ends with: the error, one line of its summary, and that an
    alert went out (``ALERTED_CAUSE_SUFFIX``), within CAUSE_MAX_CHARS."""
    one_line = " ".join(summary.split())
    budget = CAUSE_MAX_CHARS - len(error) - len(ALERTED_CAUSE_SUFFIX) - 4
    if len(one_line) > budget:
        one_line = one_line[: budget - 3].rstrip() + "..."
    return f"{error}: {one_line} {ALERTED_CAUSE_SUFFIX}"


def seconds_between(start: Any, end: Any) -> float | None:
    """Seconds from one ISO timestamp to another; None when either is missing or unreadable."""
    try:
        return (parse_timestamp(str(end)) - parse_timestamp(str(start))).total_seconds()
    except (TypeError, ValueError):
        return None


def human_size(size: int) -> str:
    """``512 B``, ``1.5 KB`` ... ``2.0 TB``."""
    value = float(size)
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if value < 1024 or unit == "TB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"
