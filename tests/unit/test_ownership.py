"""The ownership rule of issue 9, proven over arbitrary names and every engine generation, and held
to one wording in docs/retention.md, the template and the planner's docstring."""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from snapshot_sentinel.models import SUCCESS, SnapshotInfo
from snapshot_sentinel.naming import is_managed_name, managed_snapshot_name, name_problem, run_snapshot_name
from snapshot_sentinel.ownership import OWNERSHIP_RULE, TAKEN_BY, is_managed, snapshot_metadata
from snapshot_sentinel.retention import plan as retention_plan
from snapshot_sentinel.retention.plan import Action, RetentionPolicy, plan_retention

ROOT = Path(__file__).resolve().parents[2]
PREFIX = "nightly"
STACK = "prod-backups"
NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
OPENSEARCH = 0x08000000
GENERATIONS = {
    "Elasticsearch 5.6": (5_060_099, False),
    "Elasticsearch 6.8": (6_080_099, False),
    "Elasticsearch 7.1": (7_010_099, False),
    "Elasticsearch 7.3": (7_030_099, True),
    "Elasticsearch 7.10": (7_100_299, True),
    "OpenSearch 1.3": (1_030_099 ^ OPENSEARCH, True),
    "OpenSearch 2.11": (2_110_099 ^ OPENSEARCH, True),
    "OpenSearch 3.1": (3_010_099 ^ OPENSEARCH, True),
}
"""Version id as the snapshot reports it, and whether that engine stores snapshot metadata."""

PREFIXES = st.from_regex(r"[a-z0-9][a-z0-9-]{0,20}", fullmatch=True)
MOMENTS = st.datetimes(min_value=datetime(1000, 1, 1), max_value=datetime(9999, 12, 31), timezones=st.just(UTC))
NEAR_NAMES = st.text(alphabet="nightly-0123456789tzxZ_.", max_size=40)
"""Characters of our names and a few more: arbitrary strings under and around the prefix."""


def expected_managed_name(prefix: str, name: str) -> bool:
    """Independent oracle: parse the rest as our timestamp and print it back."""
    head = f"{prefix}-"
    if not name.startswith(head):
        return False
    rest = name[len(head) :]
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}t[0-9]{2}-[0-9]{2}-[0-9]{2}z", rest):
        return False
    try:
        moment = datetime.strptime(rest, "%Y-%m-%dt%H-%M-%Sz").replace(tzinfo=UTC)
    except ValueError:
        return False
    return managed_snapshot_name(prefix, moment) == name


@settings(max_examples=300, deadline=None)
@given(PREFIXES, MOMENTS)
def test_every_name_the_stack_writes_is_managed_and_valid(prefix: str, moment: datetime) -> None:
    name = managed_snapshot_name(prefix, moment)

    assert is_managed_name(prefix, name)
    assert name_problem(name) is None


@settings(max_examples=300, deadline=None)
@given(PREFIXES, MOMENTS, st.text(min_size=1, max_size=12))
def test_anything_before_or_after_a_managed_name_makes_it_unmanaged(prefix: str, moment: datetime, extra: str) -> None:
    name = managed_snapshot_name(prefix, moment)

    assert not is_managed_name(prefix, name + extra)
    assert not is_managed_name(prefix, extra + name) or (extra + name == name)
    assert not is_managed_name(prefix, run_snapshot_name(prefix, moment, subset=True))


@settings(max_examples=500, deadline=None)
@given(NEAR_NAMES)
def test_arbitrary_names_under_and_around_the_prefix_are_managed_only_in_the_exact_format(name: str) -> None:
    assert is_managed_name(PREFIX, name) == expected_managed_name(PREFIX, name)


@settings(max_examples=300, deadline=None)
@given(MOMENTS, st.sampled_from(["-archive-before-migration", "-before-upgrade-2-17", "-manual", "x", "-"]))
def test_the_names_people_keep_on_purpose_are_never_managed(moment: datetime, middle: str) -> None:
    stamp = managed_snapshot_name("", moment)[1:]

    assert not is_managed_name(PREFIX, f"{PREFIX}{middle}")
    assert not is_managed_name(PREFIX, f"{PREFIX}{middle}-{stamp}")
    assert not is_managed_name(PREFIX, f"{PREFIX}-{stamp}{middle}")


METADATA: dict[str, dict[str, Any]] = {
    "ours, full": snapshot_metadata(STACK, "arn:aws:states:us-east-1:1:execution:m:a", subset=False),
    "ours, subset": snapshot_metadata(STACK, "arn:aws:states:us-east-1:1:execution:m:b", subset=True),
    "ours, before scope": {"taken_by": TAKEN_BY, "stack": STACK, "execution_id": "arn:x"},
    "another stack": snapshot_metadata("staging-backups", "arn:x", subset=False),
    "another tool": {"taken_by": "curator", "stack": STACK},
    "by hand": {"note": "before the upgrade"},
    "none": {},
}


@settings(max_examples=400, deadline=None)
@given(
    st.one_of(MOMENTS.map(lambda m: managed_snapshot_name(PREFIX, m)), NEAR_NAMES),
    st.sampled_from(sorted(METADATA)),
    st.sampled_from([*sorted(GENERATIONS), "unknown"]),
)
def test_managed_means_exact_name_and_this_stacks_metadata_or_an_engine_without_metadata(
    name: str, metadata_kind: str, generation: str
) -> None:
    version_id, stores_metadata = GENERATIONS.get(generation, (None, True))
    metadata = METADATA[metadata_kind] if stores_metadata else {}
    snapshot = SnapshotInfo(name=name, state=SUCCESS, start_time=NOW, metadata=metadata, version_id=version_id)

    if not expected_managed_name(PREFIX, name):
        expected = False
    elif stores_metadata:
        expected = metadata_kind.startswith("ours")
    else:
        expected = True
    assert is_managed(snapshot, PREFIX, STACK) == expected

    # And retention deletes it, when old and among newer nightlies, exactly when it is managed
    newer = [
        SnapshotInfo(
            name=managed_snapshot_name(PREFIX, datetime(2026, 11, day, 2, tzinfo=UTC)),
            state=SUCCESS,
            start_time=datetime(2026, 11, day, 2, tzinfo=UTC),
            metadata=METADATA["ours, full"],
        )
        for day in range(1, 4)
    ]
    ancient = replace(snapshot, start_time=datetime(2000, 1, 1, tzinfo=UTC))
    if name not in {n.name for n in newer}:
        plan = plan_retention([ancient, *newer], RetentionPolicy(PREFIX, STACK, days=1, min_count=1), NOW)
        [decision] = [d for d in plan.decisions if d.name == name]
        assert (decision.action is Action.DELETE) == expected


def test_the_hand_taken_snapshots_of_the_issue_are_never_deleted() -> None:
    # Given the two snapshots issue 9 lost, decades old, among this stack's nightlies, on OpenSearch
    kept_on_purpose = [
        SnapshotInfo("nightly-archive-before-migration", SUCCESS, start_time=datetime(2020, 1, 1, tzinfo=UTC)),
        SnapshotInfo(
            "nightly-before-upgrade-2-17",
            SUCCESS,
            start_time=datetime(2020, 1, 1, tzinfo=UTC),
            metadata=snapshot_metadata(STACK, "arn:aws:states:us-east-1:1:execution:m:manual", subset=False),
            version_id=GENERATIONS["OpenSearch 2.11"][0],
        ),
    ]
    nightlies = [
        SnapshotInfo(
            managed_snapshot_name(PREFIX, datetime(2026, 11, day, 2, tzinfo=UTC)),
            SUCCESS,
            start_time=datetime(2026, 11, day, 2, tzinfo=UTC),
            metadata=METADATA["ours, full"],
        )
        for day in range(1, 20)
    ]

    # When retention plans with the tightest policy
    plan = plan_retention(kept_on_purpose + nightlies, RetentionPolicy(PREFIX, STACK, days=1, min_count=1), NOW)

    # Then neither is deleted; old nightlies are
    deleted = {d.name for d in plan.to_delete}
    assert deleted.isdisjoint({s.name for s in kept_on_purpose})
    assert len(deleted) == 18


def normalized(text: str) -> str:
    """Words only: Markdown's quote markers and code ticks and line wrapping aside."""
    return " ".join(re.sub(r"^\s*> ?", "", text, flags=re.MULTILINE).replace("`", "").split())


def test_the_ownership_rule_is_stated_once_in_the_same_words_everywhere() -> None:
    template = yaml.load((ROOT / "template.yaml").read_text(), Loader=_Loader)
    rule = normalized(OWNERSHIP_RULE)

    assert rule in normalized((ROOT / "docs" / "retention.md").read_text())
    assert rule in normalized(template["Description"])
    assert rule in normalized(template["Parameters"]["SnapshotPrefix"]["Description"])
    assert rule in normalized(retention_plan.__doc__ or "")


class _Loader(yaml.SafeLoader):
    """Reads template.yaml's short-form intrinsics (!Ref, !Sub...) as plain values."""


_Loader.add_multi_constructor("!", lambda loader, suffix, node: None)


def test_the_planner_imports_no_io_module() -> None:
    # Given a fresh interpreter / When only the planner is imported
    code = (
        "import sys; import snapshot_sentinel.retention.plan; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('requests', 'urllib3', 'boto3', 'botocore') "
        "or m in ('snapshot_sentinel.client', 'snapshot_sentinel.settings', 'snapshot_sentinel.backup.steps')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": str(ROOT / "layers" / "common")},
    )

    # Then neither the HTTP client nor the settings came with it
    assert result.stdout.strip() == "[]"
