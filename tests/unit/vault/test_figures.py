"""The vault copy's time and cost in docs/figures.md are the model's (tests.bench.vault_model), which
takes its batch bounds, memory sizes and concurrency from the code, the template and the definition."""

from __future__ import annotations

import pytest

from tests.bench import vault_model
from tests.bench.vault_model import FirstCopy
from tests.support.template import ROOT


def figures() -> dict[str, str]:
    section = (ROOT / "docs" / "figures.md").read_text().split("## The vault copy", 1)[1].split("\n## ", 1)[0]
    rows = [line.strip().strip("|").split("|") for line in section.splitlines() if line.startswith("| ")]
    return {cells[0].strip(): cells[-1].strip() for cells in rows}


def test_the_documented_first_copy_is_the_models() -> None:
    copy, stated = FirstCopy(), figures()

    assert stated["plan"] == f"{copy.plan_seconds():,.0f} s"
    assert stated["copy, by objects"] == f"{copy.copy_seconds_by_objects():,.0f} s"
    assert stated["copy, by bytes"] == f"{copy.copy_seconds_by_bytes():,.0f} s"
    assert stated["copy items, listing jobs"] == f"{copy.copy_items:,}, {copy.indices:,}"
    assert stated["COPY requests"] == f"${copy.copy_requests_cost():,.2f}"
    assert stated["inter-region transfer"] == f"${copy.transfer_cost():,.2f}"
    assert stated["Lambda"] == f"${copy.lambda_cost():,.2f}"
    assert stated["Step Functions"] == f"${copy.step_functions_cost():,.2f}"
    assert stated["vault storage"] == f"${copy.storage_cost_per_month():,.2f} a month"


def test_the_model_follows_the_definition_and_the_template(monkeypatch: pytest.MonkeyPatch) -> None:
    assert (FirstCopy().listing_concurrency, FirstCopy().copy_concurrency) == (100, 100)
    assert vault_model.memory_gb("PlanVaultPrefixFunction") == 4

    monkeypatch.setattr(vault_model, "map_concurrency", lambda state: 200)

    assert FirstCopy().copy_seconds_by_objects() == pytest.approx(5_000)
