"""AWS failures become errors that say what to do, with the exit code of a problem to fix first."""

from __future__ import annotations

import botocore.exceptions
import pytest

from sentinel_cli.aws_calls import aws_errors
from sentinel_cli.errors import (
    EXIT_NETWORK,
    EXIT_RUN_FAILED,
    EXIT_USAGE,
    AccessDeniedError,
    AwsCallError,
    CredentialsError,
    NetworkError,
    StackNotFoundError,
)


def client_error(code: str, message: str) -> botocore.exceptions.ClientError:
    return botocore.exceptions.ClientError({"Error": {"Code": code, "Message": message}}, "DescribeStacks")


@pytest.mark.parametrize(
    ("raised", "expected", "says"),
    [
        (botocore.exceptions.NoCredentialsError(), CredentialsError, "aws sso login"),
        (botocore.exceptions.NoRegionError(), CredentialsError, "--region"),
        (botocore.exceptions.ProfileNotFound(profile="prod"), CredentialsError, "--profile"),
        (client_error("ValidationError", "Stack with id x does not exist"), StackNotFoundError, "--stack"),
        (
            client_error("ExpiredToken", "The security token included in the request is expired"),
            CredentialsError,
            "refresh",
        ),
        (
            client_error("AccessDeniedException", "not authorized to perform: states:StartExecution"),
            AccessDeniedError,
            "permissions",
        ),
    ],
)
def test_each_aws_failure_names_the_fix_and_is_a_usage_error(raised, expected, says):
    with pytest.raises(expected, match=says) as caught, aws_errors("describing the stack", "x", "eu-west-1"):
        raise raised

    assert caught.value.exit_code == EXIT_USAGE


def test_a_missing_stack_names_the_stack_and_the_region():
    missing = pytest.raises(StackNotFoundError, match="stack 'x' not found in region eu-west-1")
    with missing, aws_errors("describing the stack", "x", "eu-west-1"):
        raise client_error("ValidationError", "Stack with id x does not exist")


def test_any_other_aws_failure_is_a_failed_command():
    with pytest.raises(AwsCallError, match="ThrottlingException") as caught, aws_errors("listing executions"):
        raise client_error("ThrottlingException", "Rate exceeded")

    assert caught.value.exit_code == EXIT_RUN_FAILED


@pytest.mark.parametrize(
    "raised",
    [
        botocore.exceptions.EndpointConnectionError(endpoint_url="https://states.eu-west-1.amazonaws.com/"),
        botocore.exceptions.ConnectTimeoutError(endpoint_url="https://states.eu-west-1.amazonaws.com/"),
        botocore.exceptions.ReadTimeoutError(endpoint_url="https://states.eu-west-1.amazonaws.com/"),
        botocore.exceptions.ConnectionClosedError(endpoint_url="https://states.eu-west-1.amazonaws.com/"),
    ],
)
def test_a_network_failure_is_neither_a_failed_run_nor_bad_usage(raised):
    unreachable = pytest.raises(NetworkError, match="could not reach AWS in region eu-west-1")
    with unreachable as caught, aws_errors("listing executions", "x", "eu-west-1"):
        raise raised

    assert caught.value.exit_code == EXIT_NETWORK
