"""What can go wrong before or around a run, each with the exit code and what to do."""

from __future__ import annotations

EXIT_OK = 0
EXIT_RUN_FAILED = 1
"""A run failed, or ``status`` / ``doctor`` found something wrong."""
EXIT_USAGE = 2
"""Bad usage, or something to fix before anything can run (stack, credentials, region, permissions)."""
EXIT_NETWORK = 3
"""AWS could not be reached (no network, a proxy or VPN in the way, a mistyped region): nothing was
learned about the stack, so nothing is said about the backups either."""
EXIT_WARNINGS = 4
"""``doctor`` found nothing failing but something to finish (a WARN line)."""


class CliError(Exception):
    """A problem the user must act on; ``str()`` says what happened and what to do."""

    exit_code = EXIT_USAGE


class StackNotFoundError(CliError):
    """The stack named by --stack does not exist in the region."""


class CredentialsError(CliError):
    """No usable AWS credentials or region."""


class AccessDeniedError(CliError):
    """The credentials work but may not call an API the command needs."""


class NotDeployedError(CliError):
    """The stack exists but lacks what the command needs (an output, a state machine)."""


class UnknownExecutionError(CliError):
    """``watch`` was given a name or ARN that no state machine of the stack knows."""


class UnknownSnapshotError(CliError):
    """The snapshot asked for is not in the repository."""


class AwsCallError(CliError):
    """An AWS API call failed for a reason the user did not cause."""

    exit_code = EXIT_RUN_FAILED

    def __init__(self, message: str, code: str = "") -> None:
        super().__init__(message)
        self.code = code
        """AWS's error code (``InvalidParameter``), "" when there was no answer."""


class ConfirmationRefusedError(CliError):
    """SNS did not accept the confirmation link or token (expired, mistyped, another topic's)."""


class NetworkError(CliError):
    """No answer from AWS's endpoint: connection refused or reset, DNS, TLS, a timeout."""

    exit_code = EXIT_NETWORK
