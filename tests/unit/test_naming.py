"""Snapshot names as the domain accepts them, the managed name of a run, and counted nouns that agree
with their count ("1 index", never "1 indices")."""

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from snapshot_sentinel.naming import counted, managed_snapshot_name, name_problem


def test_managed_name_is_prefix_and_lowercase_utc_timestamp():
    started = datetime(2026, 11, 28, 2, 0, 0, 123000, tzinfo=UTC)

    assert managed_snapshot_name("nightly", started) == "nightly-2026-11-28t02-00-00z"


def test_managed_name_converts_the_start_to_utc():
    started = datetime(2026, 11, 28, 3, 30, tzinfo=timezone(timedelta(hours=1, minutes=30)))

    assert managed_snapshot_name("nightly", started) == "nightly-2026-11-28t02-00-00z"


@given(st.datetimes(timezones=st.just(UTC)))
def test_every_managed_name_passes_the_domain_rules(started):
    assert name_problem(managed_snapshot_name("nightly", started)) is None


def test_rules_report_the_first_problem_in_the_engines_order():
    assert name_problem("") == "cannot be empty"
    assert name_problem("Has Space") == "must not contain whitespace"
    assert name_problem("a,b") == "must not contain ','"
    assert name_problem("a#b") == "must not contain '#'"
    assert name_problem("_hidden") == "must not start with '_'"
    assert name_problem("Nightly") == "must be lowercase"
    assert name_problem("a/b").startswith("must not contain the following characters")
    assert name_problem("<nightly-{now/d}>").startswith("must not contain the following characters")
    assert name_problem("x" * 256) == "must be at most 255 bytes"


def test_a_plain_lowercase_name_with_dots_and_colons_is_valid():
    assert name_problem("before-upgrade-2.11.0:final") is None


@pytest.mark.parametrize(
    ("count", "noun", "expected"),
    [
        (1, "index", "1 index"),
        (4, "index", "4 indices"),
        (0, "index", "0 indices"),
        (1, "field", "1 field"),
        (2, "blocker", "2 blockers"),
        (3, "restored index", "3 restored indices"),
    ],
)
def test_a_count_and_its_noun_agree(count, noun, expected):
    assert counted(count, noun) == expected
