"""Where drills restore: DRILL_DOMAIN_ENDPOINT (template.yaml's DrillDomainEndpoint), read once."""

from __future__ import annotations

import pytest

from snapshot_sentinel.errors import ConfigurationError
from snapshot_sentinel.settings import DomainSettings, drill_domain_settings

PRODUCTION = "https://search-logs-prod-abcdefghijklmnopqrstuvwxyz.us-east-1.es.amazonaws.com"
DRILLS = "https://search-drills-abcdefghijklmnopqrstuvwxyz.us-east-1.es.amazonaws.com"
ENVIRONMENT = {"DOMAIN_ENDPOINT": PRODUCTION, "AWS_REGION": "us-east-1", "REPOSITORY_NAME": "nightly-backups"}


def source() -> DomainSettings:
    return DomainSettings.from_env(ENVIRONMENT)


def test_without_a_drill_domain_drills_restore_on_the_backed_up_domain() -> None:
    assert drill_domain_settings(source(), {**ENVIRONMENT, "DRILL_DOMAIN_ENDPOINT": ""}) == source()


def test_a_drill_domain_keeps_the_repository_and_region_and_is_named_by_its_arn_or_endpoint() -> None:
    drill = drill_domain_settings(source(), {**ENVIRONMENT, "DRILL_DOMAIN_ENDPOINT": DRILLS + "/"})
    assert (drill.endpoint, drill.repository, drill.region, drill.name) == (
        DRILLS,
        "nightly-backups",
        "us-east-1",
        "drills",
    )
    named = {
        **ENVIRONMENT,
        "DRILL_DOMAIN_ENDPOINT": DRILLS,
        "DRILL_DOMAIN_ARN": "arn:aws:es:us-east-1:1:domain/scratch",
    }
    assert drill_domain_settings(source(), named).name == "scratch"


@pytest.mark.parametrize(
    ("endpoint", "says"),
    [
        ("search-drills.us-east-1.es.amazonaws.com", "must be empty or a URL"),
        (PRODUCTION.upper() + "/", "names the backed-up domain itself"),
    ],
)
def test_a_drill_domain_that_is_not_a_url_or_is_the_domain_itself_is_refused_by_name(endpoint: str, says: str) -> None:
    with pytest.raises(ConfigurationError, match="DRILL_DOMAIN_ENDPOINT") as refused:
        drill_domain_settings(source(), {**ENVIRONMENT, "DRILL_DOMAIN_ENDPOINT": endpoint})
    assert says in str(refused.value)
