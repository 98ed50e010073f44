"""Where the CLI looks for its region (as the AWS CLI does), and what it says when AWS cannot be reached."""

from __future__ import annotations

import socket

import pytest
from click.testing import CliRunner

from sentinel_cli.app import cli
from sentinel_cli.context import Runtime
from sentinel_cli.errors import EXIT_NETWORK, EXIT_USAGE

REGION_VARIABLES = ("AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE", "AWS_CONFIG_FILE")


@pytest.fixture
def no_region(monkeypatch, tmp_path):
    """No region anywhere: no variable, and a config file without one."""
    for name in REGION_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    config = tmp_path / "config"
    config.write_text("")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    return config


def test_aws_region_alone_is_enough(sentinel, no_region, monkeypatch):
    monkeypatch.setenv("AWS_REGION", "us-east-1")

    code, report = sentinel.json("status")

    assert report.get("region") == "us-east-1", report
    assert code in (0, 1)  # the stack was read; what it says about the backups is another test's


def test_aws_region_wins_over_aws_default_region_as_in_the_aws_cli(sentinel, no_region, monkeypatch):
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")

    result = sentinel("status")

    assert result.exit_code == EXIT_USAGE
    assert "stack 'snapshot-sentinel' not found in region eu-west-1" in result.stderr


def test_aws_default_region_alone_is_enough(sentinel, no_region, monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")

    _, report = sentinel.json("status")

    assert report.get("region") == "us-east-1", report


def test_the_profiles_region_is_used(sentinel, no_region, monkeypatch):
    no_region.write_text(
        "[profile ops]\nregion = us-east-1\naws_access_key_id = testing\naws_secret_access_key = testing\n"
    )

    _, report = sentinel.json("status", "--profile", "ops")

    assert report.get("region") == "us-east-1", report


def test_the_region_flag_wins_over_the_environment(sentinel, no_region, monkeypatch):
    monkeypatch.setenv("AWS_REGION", "eu-west-1")

    _, report = sentinel.json("status", "--region", "us-east-1")

    assert report.get("region") == "us-east-1", report


def test_no_region_anywhere_names_every_place_to_set_one_and_exits_2(sentinel, no_region):
    result = sentinel("status")

    assert result.exit_code == EXIT_USAGE
    assert "no AWS region" in result.stderr
    for place in ("--region", "AWS_REGION", "AWS_DEFAULT_REGION", "profile"):
        assert place in result.stderr


def test_the_region_flags_help_names_the_places_it_is_read_from():
    result = CliRunner().invoke(cli, ["status", "--help"], obj=Runtime())

    assert "AWS_REGION, then AWS_DEFAULT_REGION, then the profile's region" in " ".join(result.output.split())


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_an_unreachable_aws_has_its_own_exit_code_and_says_so(monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{closed_port()}")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.setenv("AWS_REGION", "eu-west-1")

    result = CliRunner().invoke(cli, ["status"], obj=Runtime(sleep=lambda _s: None))
    as_json = CliRunner().invoke(cli, ["status", "--json"], obj=Runtime(sleep=lambda _s: None))

    assert result.exit_code == EXIT_NETWORK == 3
    assert "could not reach AWS in region eu-west-1" in result.output
    assert "proxy" in result.output
    assert as_json.exit_code == EXIT_NETWORK
    assert '"error": "NetworkError"' in as_json.output
