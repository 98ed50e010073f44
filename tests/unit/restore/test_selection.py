"""Selecting a snapshot's indices like the snapshot API, with system indices and the engine's rename."""

from __future__ import annotations

import pytest

from snapshot_sentinel.restore.selection import Rename, SkipReason, index_name_problem, select

SNAPSHOT = ("logs-1", "logs-2", "orders", ".kibana_1", ".opendistro-job-scheduler-lock", ".tasks")


def test_by_default_every_index_but_the_system_indices_is_restored_under_its_own_name():
    selection = select(SNAPSHOT, None, None)

    assert selection.pairs == (("logs-1", "logs-1"), ("logs-2", "logs-2"), ("orders", "orders"))
    assert {s.index for s in selection.skipped} == {".kibana_1", ".opendistro-job-scheduler-lock", ".tasks"}
    assert all(s.code is SkipReason.SYSTEM_INDEX for s in selection.skipped)
    assert "named exactly" in selection.skipped[0].reason


def test_a_wildcard_never_brings_a_system_index_in_but_its_exact_name_does():
    assert select(SNAPSHOT, ["*"], None).sources == ("logs-1", "logs-2", "orders")
    assert select(SNAPSHOT, [".k*"], None).sources == ()
    assert select(SNAPSHOT, ["orders", ".kibana_1"], None).sources == ("orders", ".kibana_1")


def test_exclusions_remove_what_the_entries_before_them_matched():
    assert select(SNAPSHOT, ["logs-*", "-logs-2"], None).sources == ("logs-1",)
    assert select(SNAPSHOT, ["-logs-*"], None).sources == ("orders",)


def test_a_name_the_snapshot_lacks_is_a_problem_naming_it():
    selection = select(SNAPSHOT, ["orders", "ordres"], None)

    assert selection.problems == ("the snapshot holds no index [ordres]",)


def test_the_security_index_is_never_restored_even_when_named():
    selection = select((*SNAPSHOT, ".opendistro_security"), [".opendistro_security"], None)

    assert selection.pairs == ()
    assert "securityadmin" in selection.problems[0]


@pytest.mark.parametrize(
    ("pattern", "replacement", "source", "target"),
    [
        ("^(.+)$", "$1_restored", "stories", "stories_restored"),
        ("logs-(.+)", "old-$1", "logs-2026", "old-2026"),
        ("a", "b", "banana", "bbnbnb"),
        ("(?<day>\\d+)", "d${day}", "logs-26", "logs-d26"),
        ("(x)", "\\$1", "x", "$1"),
    ],
)
def test_rename_follows_javas_replace_all(pattern, replacement, source, target):
    assert Rename(pattern, replacement).function()(source) == target


def test_the_prefix_form_is_a_literal_prefix():
    assert Rename.with_prefix("r$1-").function()("orders") == "r$1-orders"


def test_two_sources_on_one_target_and_invalid_targets_are_problems():
    selection = select(("logs-1", "logs-2", "orders"), None, Rename("logs-\\d", "logs"))

    assert selection.pairs == (("logs-1", "logs"), ("orders", "orders"))
    assert selection.problems == ("[logs-1] and [logs-2] would both be restored as [logs]",)
    assert "lowercase" in select(("orders",), None, Rename("o", "O")).problems[0]


def test_indices_with_failed_shards_are_skipped():
    selection = select(("a", "b"), None, None, failed={"b"})

    assert selection.sources == ("a",)
    assert [(s.index, s.code) for s in selection.skipped] == [("b", SkipReason.FAILED_SHARDS)]


@pytest.mark.parametrize("name", ["", ".", "_x", "-x", "A", "a b", "a,b", "a:b", "a#b", "x" * 256])
def test_invalid_index_names_are_named(name):
    assert index_name_problem(name)
