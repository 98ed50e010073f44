"""DrillStateMachine's functions read one frozen DrillSettings; a malformed variable names itself."""

from __future__ import annotations

from datetime import timedelta

import pytest

from snapshot_sentinel.drills.settings import DrillSettings
from snapshot_sentinel.errors import ConfigurationError

PRODUCTION = "https://search-logs-prod-abcdefghijklmnopqrstuvwxyz.us-east-1.es.amazonaws.com"
DRILLS = "https://search-drills-abcdefghijklmnopqrstuvwxyz.us-east-1.es.amazonaws.com"
PLAN_ENVIRONMENT = {
    "DOMAIN_ENDPOINT": PRODUCTION,
    "AWS_REGION": "us-east-1",
    "REPOSITORY_NAME": "nightly-backups",
    "SNAPSHOT_PREFIX": "nightly",
    "STACK_NAME": "sentinel",
    "MAX_WAIT_MINUTES": "90",
    "POLL_INTERVAL_SECONDS": "30",
    "CATALOG_TABLE_NAME": "sentinel-DrillCatalogTable",
    "DRILL_INDICES": "orders-*, logs",
    "DRILL_MAX_SHARDS": "8",
    "DRILL_MAX_GIGABYTES": "2.5",
    "DRILL_DOMAIN_ENDPOINT": DRILLS,
}


def test_the_plan_functions_environment_gives_the_caps_the_domains_and_the_catalog() -> None:
    settings = DrillSettings.from_env(PLAN_ENVIRONMENT)

    assert settings.repository == "nightly-backups"
    assert (settings.prefix, settings.stack_name) == ("nightly", "sentinel")
    assert settings.max_wait == timedelta(minutes=90)
    assert settings.poll_interval_seconds == 30
    assert settings.caps.max_shards == 8
    assert settings.caps.max_bytes == int(2.5 * 1024**3)
    assert settings.indices == "orders-*, logs"
    assert settings.required_catalog_table() == "sentinel-DrillCatalogTable"
    assert settings.elsewhere
    assert settings.target.endpoint == DRILLS and settings.domain.endpoint == PRODUCTION


def test_a_function_without_the_caps_gets_the_parameters_defaults_and_drills_on_the_backed_up_domain() -> None:
    environment = {
        key: value
        for key, value in PLAN_ENVIRONMENT.items()
        if not key.startswith("DRILL_") and key != "CATALOG_TABLE_NAME"
    }

    settings = DrillSettings.from_env(environment)

    assert (settings.max_shards, settings.max_gigabytes, settings.indices) == (20, 20.0, "")
    assert not settings.elsewhere and settings.target == settings.domain
    with pytest.raises(ConfigurationError, match="CATALOG_TABLE_NAME"):
        settings.required_catalog_table()


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DRILL_MAX_SHARDS", "twenty"),
        ("DRILL_MAX_SHARDS", "0"),
        ("DRILL_MAX_GIGABYTES", "lots"),
        ("DRILL_MAX_GIGABYTES", "-1"),
        ("DRILL_MAX_GIGABYTES", "nan"),
        ("MAX_WAIT_MINUTES", "soon"),
    ],
)
def test_a_malformed_variable_is_refused_naming_it(name: str, value: str) -> None:
    with pytest.raises(ConfigurationError, match=name):
        DrillSettings.from_env({**PLAN_ENVIRONMENT, name: value})
