"""How a command calls AWS: the client configuration every boto3 client of the CLI uses, and botocore's
errors turned into :class:`~sentinel_cli.errors.CliError` subclasses whose message says what to do."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import botocore.exceptions
from botocore.config import Config

from sentinel_cli.errors import (
    AccessDeniedError,
    AwsCallError,
    CredentialsError,
    NetworkError,
    StackNotFoundError,
    UnknownExecutionError,
)

_ACCESS_DENIED = {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "UnrecognizedClientException"}
_EXPIRED = {"ExpiredToken", "ExpiredTokenException", "RequestExpired", "InvalidClientTokenId"}
CLIENT_CONFIG = Config(connect_timeout=10, read_timeout=60, retries={"mode": "standard", "max_attempts": 3})
"""A command waits at most about half a minute for an AWS endpoint that does not answer (botocore's
default would wait 60 s per attempt, five attempts), and retries throttling the way the AWS CLI does."""
NO_REGION = (
    "no AWS region: pass --region (the stack's region), set AWS_REGION or AWS_DEFAULT_REGION, "
    "or set region in your AWS profile (aws configure set region <region>)"
)


@contextmanager
def aws_errors(what: str, stack: str = "", region: str = "") -> Iterator[None]:
    """Turn botocore's exceptions into errors that tell the user what to do."""
    try:
        yield
    except botocore.exceptions.NoCredentialsError as exc:
        raise CredentialsError(
            "no AWS credentials found: set AWS_PROFILE (or pass --profile), run `aws sso login` or "
            "`aws configure`, or export AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY"
        ) from exc
    except botocore.exceptions.NoRegionError as exc:
        raise CredentialsError(NO_REGION) from exc
    except botocore.exceptions.ProfileNotFound as exc:
        raise CredentialsError(f"{exc}: check --profile / AWS_PROFILE against `aws configure list-profiles`") from exc
    except botocore.exceptions.TokenRetrievalError as exc:
        raise CredentialsError(f"{exc}; run `aws sso login` and try again") from exc
    except botocore.exceptions.ClientError as exc:
        error = exc.response.get("Error", {})
        code, message = str(error.get("Code", "")), str(error.get("Message", ""))
        if code == "ValidationError" and "does not exist" in message and stack:
            raise StackNotFoundError(
                f"stack {stack!r} not found in region {region or '(default)'}: pass --stack with the name you "
                "deployed (sam deploy --stack-name) and --region with its region, or deploy it first"
            ) from exc
        if code in _EXPIRED:
            raise CredentialsError(f"the AWS credentials were refused ({code}: {message}); refresh them") from exc
        if code in _ACCESS_DENIED:
            raise AccessDeniedError(
                f"{what} was denied ({code}: {message}); the README's 'Command line' section lists the "
                "permissions sentinel needs"
            ) from exc
        if code == "ExecutionDoesNotExist":
            raise UnknownExecutionError(f"{what}: no such execution ({message})") from exc
        raise AwsCallError(f"{what} failed: {code}: {message}", code) from exc
    except (botocore.exceptions.ConnectionError, botocore.exceptions.HTTPClientError) as exc:
        where = f" in region {region}" if region else ""
        raise NetworkError(
            f"could not reach AWS{where} ({what}: {exc}): check the network connection, a proxy "
            "(HTTPS_PROXY) or VPN, and that the region is spelt right; nothing is known about the stack"
        ) from exc
    except botocore.exceptions.BotoCoreError as exc:
        raise AwsCallError(f"{what} failed: {exc}") from exc
