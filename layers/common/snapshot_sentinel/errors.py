"""One exception class per failure a user or the state machine must tell apart.

The class name is the error name Step Functions sees (``errorType`` of a failed Lambda), so the
ASL's ``Retry`` and ``Catch`` blocks match on these names: renaming a class is a breaking change
of ``statemachine/backup.asl.json``.
"""

from __future__ import annotations


class SentinelError(Exception):
    """Base class of every error this project raises on purpose."""


class ConfigurationError(SentinelError):
    """A function's environment is missing a variable or holds a malformed value."""


class InvalidInputError(SentinelError):
    """The state machine input is malformed; the message names the field and the fix."""


class InvalidRegistrationError(SentinelError):
    """The repository registration CloudFormation asked for is invalid (a reserved ``cs-`` name,
    a missing bucket or role); nothing was sent to the domain."""


class RepositoryElsewhereError(InvalidRegistrationError):
    """On Create, the repository name is already registered on the domain with another bucket or
    base path (or another type): re-registering it would hide that location's snapshots from the
    domain, so nothing is sent."""


class DomainError(SentinelError):
    """The domain answered with an error, or could not be reached.

    ``status`` is the HTTP status (0 when no response arrived), ``error_type`` the engine's
    exception type (``repository_missing_exception``) or ``""`` when the body had none, and
    ``reason`` the human sentence the domain gave.
    """

    def __init__(self, reason: str, *, status: int = 0, error_type: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status
        self.error_type = error_type

    def __str__(self) -> str:
        parts = [f"HTTP {self.status}" if self.status else "no response"]
        if self.error_type:
            parts.append(self.error_type)
        return f"{self.reason} ({', '.join(parts)})"


class RepositoryMissingError(DomainError):
    """The snapshot repository is not registered on the domain."""


class SnapshotMissingError(DomainError):
    """The named snapshot does not exist in the repository."""


class InvalidSnapshotNameError(DomainError):
    """The domain rejected the snapshot name (rules of invalid_snapshot_name_exception)."""


class SnapshotAlreadyExistsError(DomainError):
    """A snapshot with that name exists, or is running, and it is not this execution's."""


class ConcurrentSnapshotError(DomainError):
    """Another snapshot operation blocks this one (concurrent_snapshot_execution_exception).

    On Amazon ES before 7.9 the hourly automated snapshot in ``cs-automated`` blocks every
    manual snapshot while it runs; the state machine retries with backoff for about an hour.
    """


class ThrottledError(DomainError):
    """The domain refused the request for load (429, rejected_execution_exception)."""


class GatewayTimeoutError(DomainError):
    """The request timed out in front of the domain (504, or no response in time).

    The work may still have been done: the caller must look before deciding anything.
    """


class DomainConnectionError(DomainError):
    """The connection failed or was reset before a response arrived."""


class EndpointRefusedError(DomainConnectionError):
    """Nothing accepted the connection at the endpoint's host and port (connection refused).

    Retried like any lost connection (a proxy or endpoint restarting); if it lasts, DomainEndpoint's
    scheme or port is wrong (Amazon OpenSearch Service listens on 443 only).
    """


class EndpointNotResolvedError(DomainError):
    """The endpoint's host name does not resolve (DNS): a typo in DomainEndpoint, a deleted domain,
    or a VPC domain looked up from outside its VPC. Not transient."""


class EndpointTlsError(DomainError):
    """The TLS handshake with the endpoint failed: https spoken to a plain-HTTP port, or a certificate
    that does not match or is not trusted. Not transient."""


class EndpointNotApiError(DomainError):
    """The endpoint answered 2xx with a body that is not the domain's JSON API (an HTML page of a
    proxy, a login portal or OpenSearch Dashboards). Not transient."""


class DomainUnavailableError(DomainError):
    """The domain is temporarily unable to answer (502/503 without an engine error)."""


class AuthorizationError(DomainError):
    """The request was refused: IAM policy, signature, token, iam:PassRole or FGAC mapping."""


class RepositoryInUseError(DomainError):
    """The repository cannot be changed while a snapshot, delete or restore runs in it."""


class RepositoryVerificationError(DomainError):
    """The domain could not read or write the repository's bucket with the snapshot role."""


class RestoreRefusedError(DomainError):
    """The engine refused the restore (snapshot_restore_exception: an open index with the same
    name, a closed index with other shard counts, an invalid name): its reason says which."""


class ShardLimitError(DomainError):
    """The engine refused to open more shards (cluster.max_shards_per_node x data nodes)."""


class IndexMissingError(DomainError):
    """A named index does not exist (index_not_found_exception)."""


class PrimaryShardsUnallocatedError(DomainError):
    """The domain refused to start a whole snapshot: an index it covers has a primary shard that is not
    allocated (the cluster is red). The reason names the indices; nothing was written."""


class DomainRequestError(DomainError):
    """Any other error answer of the domain."""


class SnapshotStartUnconfirmedError(SentinelError):
    """The create request got no answer and the snapshot is not there: safe to try again."""


class SnapshotDeadlineError(SentinelError):
    """The snapshot was still running when MaxWaitMinutes ran out."""


class PartialSnapshotError(SentinelError):
    """The snapshot ended PARTIAL: some shards failed, their data is not in it."""


class SnapshotFailedError(SentinelError):
    """The snapshot ended FAILED: it holds no usable data."""


class SnapshotIncompatibleError(SentinelError):
    """The snapshot is INCOMPATIBLE with the domain's engine version."""


class AlertNotSentError(SentinelError):
    """Publishing the alert to AlertTopic failed; the execution's own Error and Cause say so."""


TRANSIENT_ERRORS: tuple[type[SentinelError], ...] = (
    ThrottledError,
    GatewayTimeoutError,
    DomainConnectionError,
    EndpointRefusedError,
    DomainUnavailableError,
    SnapshotStartUnconfirmedError,
)
"""The one definition of "transient": a failure that passes on its own, so trying the same thing
again later is safe. The client never retries; the state machine's Retry blocks of the domain
steps list exactly these names (a test holds them to it), and repository registration, which has
no state machine, waits them out within the deploy's time."""

UNANSWERED: tuple[type[SentinelError], ...] = tuple(
    error for error in TRANSIENT_ERRORS if error not in (ThrottledError, SnapshotStartUnconfirmedError)
)
"""The transient errors that mean no answer came back: the request may still have been applied,
so the caller looks before sending it again."""


class CatalogWriteError(SentinelError):
    """DynamoDB kept refusing the drill catalog's writes (throttling); the state machine retries."""
