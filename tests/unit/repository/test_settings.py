"""RegisterRepositoryFunction's settings: read from the mapping the handler passes in, never raising
(CloudFormation must get an answer, so a misconfigured function fails the request, naming the variable)."""

from __future__ import annotations

import pytest

from snapshot_sentinel import errors
from snapshot_sentinel.repository.settings import RegistrationSettings

DOMAIN = "https://search-logs-prod-abcdefghijklmnopqrstuvwxyz.us-east-1.es.amazonaws.com"
DRILL = "https://search-drills-abcdefghijklmnopqrstuvwxyz.us-east-1.es.amazonaws.com"
ENVIRON = {
    "DOMAIN_ENDPOINT": DOMAIN,
    "DOMAIN_ARN": "arn:aws:es:us-east-1:123456789012:domain/logs-prod",
    "AWS_REGION": "us-east-1",
    "REPOSITORY_NAME": "nightly-backups",
    "DRILL_DOMAIN_ENDPOINT": DRILL,
}


def test_a_malformed_domain_endpoint_fails_the_request_naming_the_variable() -> None:
    # Given a function whose DOMAIN_ENDPOINT is not a URL
    settings = RegistrationSettings.from_env({**ENVIRON, "DOMAIN_ENDPOINT": "not a url"})

    # Then reading the settings did not raise, the request's domain names the variable...
    with pytest.raises(errors.ConfigurationError, match="DOMAIN_ENDPOINT must be a URL"):
        settings.domain_for({})
    # ...and the resource still gets a DomainName to answer with
    assert settings.domain_name_for({}) == "logs-prod"


def test_the_drill_domain_is_chosen_by_its_endpoint_and_only_read_only() -> None:
    settings = RegistrationSettings.from_env(ENVIRON)

    assert settings.domain_for({}).name == "logs-prod"
    assert settings.domain_for({"DomainEndpoint": DRILL + "/", "ReadOnly": "true"}).name == "drills"
    with pytest.raises(errors.InvalidRegistrationError, match="read-only"):
        settings.domain_for({"DomainEndpoint": DRILL, "ReadOnly": "false"})
    with pytest.raises(errors.ConfigurationError, match="neither the stack's domain nor its drill domain"):
        settings.domain_for({"DomainEndpoint": "https://search-other-abcdefghijklmnopqrstuvwxyz.es.amazonaws.com"})


def test_a_bad_drill_endpoint_only_fails_the_drill_domains_resource() -> None:
    # Given a DRILL_DOMAIN_ENDPOINT that names the backed-up domain itself
    settings = RegistrationSettings.from_env({**ENVIRON, "DRILL_DOMAIN_ENDPOINT": DOMAIN})

    # Then the stack's own repository still registers, and a resource naming another domain is told why not
    assert settings.domain_for({"DomainEndpoint": DOMAIN}).endpoint == DOMAIN
    with pytest.raises(errors.ConfigurationError, match="DRILL_DOMAIN_ENDPOINT names the backed-up domain"):
        settings.domain_for({"DomainEndpoint": DRILL, "ReadOnly": "true"})
