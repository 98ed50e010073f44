"""RestoreStateMachine's functions read one frozen RestoreSettings; a malformed variable names itself."""

from __future__ import annotations

from datetime import timedelta

import pytest

from snapshot_sentinel.errors import ConfigurationError
from snapshot_sentinel.restore.settings import RestoreSettings

ENVIRONMENT = {
    "DOMAIN_ENDPOINT": "https://search-logs-prod-abcdefghijklmnopqrstuvwxyz.us-east-1.es.amazonaws.com",
    "AWS_REGION": "us-east-1",
    "REPOSITORY_NAME": "nightly-backups",
    "SNAPSHOT_PREFIX": "nightly",
    "STACK_NAME": "sentinel",
    "MAX_WAIT_MINUTES": "120",
    "POLL_INTERVAL_SECONDS": "15",
    "REPOSITORY_READ_ONLY": "true",
    "CATALOG_TABLE_NAME": "sentinel-DrillCatalogTable",
}


def test_the_restore_functions_environment_gives_the_domain_the_wait_and_the_catalog() -> None:
    settings = RestoreSettings.from_env(ENVIRONMENT)

    assert settings.domain.repository == "nightly-backups" and settings.domain.name == "logs-prod"
    assert (settings.prefix, settings.stack_name) == ("nightly", "sentinel")
    assert settings.max_wait == timedelta(minutes=120)
    assert settings.poll_interval_seconds == 15
    assert settings.read_only
    assert settings.catalog_table == "sentinel-DrillCatalogTable"


def test_without_a_catalog_or_read_only_flag_the_restore_reads_no_catalog_and_may_take_safety_snapshots() -> None:
    environment = {k: v for k, v in ENVIRONMENT.items() if k not in ("CATALOG_TABLE_NAME", "REPOSITORY_READ_ONLY")}

    settings = RestoreSettings.from_env(environment)

    assert settings.catalog_table == "" and not settings.read_only


@pytest.mark.parametrize(
    ("name", "value"),
    [("MAX_WAIT_MINUTES", "two hours"), ("MAX_WAIT_MINUTES", "0"), ("POLL_INTERVAL_SECONDS", "fast")],
)
def test_a_malformed_variable_is_refused_naming_it(name: str, value: str) -> None:
    with pytest.raises(ConfigurationError, match=name):
        RestoreSettings.from_env({**ENVIRONMENT, name: value})


def test_a_missing_prefix_is_refused_naming_it() -> None:
    with pytest.raises(ConfigurationError, match="SNAPSHOT_PREFIX"):
        RestoreSettings.from_env({k: v for k, v in ENVIRONMENT.items() if k != "SNAPSHOT_PREFIX"})
