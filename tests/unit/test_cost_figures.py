"""The cost figures a reader budgets with are the ones the code and the template imply.

The counts CloudWatch bills (metric names the handlers publish, alarms and dashboards the template
creates) are derived by tests.bench.cost_model; docs/figures.md and the README must state those
counts, price them at the model's list prices, add up, and show the S3 model's own numbers.
"""

from __future__ import annotations

import re

import pytest

from tests.bench import cost_model
from tests.support.template import ROOT

FIGURES = ROOT / "docs" / "figures.md"
README = ROOT / "README.md"


def cost_section() -> str:
    text = FIGURES.read_text()
    return text.split("## What a month costs", 1)[1].split("\n## ", 1)[0]


def table(section: str, header_start: str) -> list[list[str]]:
    lines = section.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(header_start))
    rows = []
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip().strip("*") for cell in line.strip().strip("|").split("|")])
    return [rows[0], *rows[2:]]


def number(cell: str) -> float:
    return float(cell.replace(",", "").replace("< ", ""))


def test_the_metric_alarm_and_dashboard_counts_are_derived_from_the_code_and_template():
    # The derivation itself: every handler that publishes metrics is understood, nothing is typed in
    published = cost_model.published_metrics()
    assert set(published) == {
        "check_snapshot",
        "apply_retention",
        "report_restore",
        "report_drill",
        "publish_drill_freshness",
        "verify_vault",
    }
    assert "SnapshotSucceeded" in published["check_snapshot"]
    assert "NoRecentBackupAlarm" in cost_model.alarm_names()
    assert cost_model.observability().dashboards == 1


def test_the_cost_table_states_the_derived_counts_at_their_prices():
    counts = cost_model.observability()
    rows = table(cost_section(), "| per month")
    header = rows[0]
    assert f"{counts.metrics} metrics" in header, header
    assert f"{counts.alarms} alarms" in header, header
    metrics, alarms, dashboard, total = (header.index(name) for name in header[-4:])
    for row in rows[1:]:
        assert number(row[metrics]) == pytest.approx(counts.metrics * cost_model.PRICE_PER_METRIC_MONTH)
        assert number(row[alarms]) == pytest.approx(counts.alarms * cost_model.PRICE_PER_ALARM_MONTH)
        assert number(row[dashboard]) == pytest.approx(counts.dashboards * cost_model.PRICE_PER_DASHBOARD_MONTH)
        assert number(row[total]) == pytest.approx(sum(number(cell) for cell in row[1:total]), abs=0.011)


def test_the_prose_and_the_readme_quote_the_same_counts():
    counts = cost_model.observability()
    for text in (cost_section(), README.read_text()):
        stated_metrics = {int(n) for n in re.findall(r"(\d+) (?:custom )?metric(?: name)?s\b", text)}
        stated_alarms = {int(n) for n in re.findall(r"(\d+) alarms\b", text)}
        assert stated_metrics <= {counts.metrics, 10}, stated_metrics  # 10: the free tier, and the scoped extra
        assert stated_alarms <= {counts.alarms, 10}, stated_alarms
        assert counts.metrics in stated_metrics and counts.alarms in stated_alarms


def test_the_s3_tables_are_the_models_numbers_at_the_dated_prices():
    section = cost_section()
    assert "$0.023 per GB-month" in section and "2026-12-06" in section
    storage = table(section, "| GB the repository holds")
    for row in storage[1:]:
        assert number(row[1]) == pytest.approx(cost_model.monthly_storage_cost(number(row[0])))
    requests = table(section, "| indices | primary shards")
    documented = [[number(cell) for cell in row] for row in requests[1:]]
    from tests.bench.bench_cost import REPOSITORIES

    for repository, row in zip(REPOSITORIES, documented, strict=True):
        night = repository.nightly_requests()
        assert row == pytest.approx(
            [
                repository.indices,
                repository.shards,
                repository.changed_gigabytes,
                night["put"],
                night["get"],
                night["list"],
                round(repository.monthly_request_cost(), 2),
            ]
        )


def test_a_new_metric_in_a_handler_changes_the_derived_count(tmp_path, monkeypatch):
    # Given a handler that publishes a metric from a function of its own
    handler = tmp_path / "count_things" / "app.py"
    handler.parent.mkdir()
    handler.write_text(
        "from snapshot_sentinel.observability import publish_metrics\n"
        "from snapshot_sentinel.observability import retention_metrics\n"
        "publish_metrics('d', retention_metrics({}, dry_run=False))\n"
    )
    monkeypatch.setattr(cost_model, "FUNCTIONS", tmp_path)
    # Then its metric names are found, and a handler whose metrics cannot be read is refused
    assert cost_model.published_metrics() == {"count_things": {"SnapshotsPruned", "RetentionDeferred"}}
    handler.write_text("from snapshot_sentinel.observability import publish_metrics\npublish_metrics('d', VALUES)\n")
    with pytest.raises(ValueError, match="cannot tell which metrics"):
        cost_model.published_metrics()
