"""RecordDocumentCountsFunction's step: a subset snapshot records nothing, a malformed call is refused."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from snapshot_sentinel.drills.catalog import record_document_counts
from snapshot_sentinel.errors import InvalidInputError

NOW = datetime(2026, 12, 6, 2, 0, tzinfo=UTC)


class Untouchable:
    """A domain client no call may reach."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"the domain was called ({name})")


def never_opened() -> Any:
    raise AssertionError("the catalog was opened")


def test_a_subset_snapshot_records_nothing_and_touches_neither_the_domain_nor_the_catalog() -> None:
    event = {"phase": "before", "snapshot_name": "nightly-2026-12-06t02-00-00z-subset", "indices": "orders"}

    result = record_document_counts(event, never_opened, Untouchable(), now=NOW)  # type: ignore[arg-type]

    assert result == {"phase": "before", "indices": 0, "skipped": "a subset snapshot: drills prove full ones only"}


@pytest.mark.parametrize(
    "event",
    [{"phase": "during", "snapshot_name": "nightly-x"}, {"phase": "after"}, {"phase": "after", "snapshot_name": 7}],
)
def test_a_call_without_a_known_phase_and_a_snapshot_name_is_refused(event: dict[str, Any]) -> None:
    with pytest.raises(InvalidInputError, match="phase"):
        record_document_counts(event, never_opened, Untouchable(), now=NOW)  # type: ignore[arg-type]
