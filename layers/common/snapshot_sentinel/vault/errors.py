"""The vault copy's own failures; each class name is an error name the copy's state machine and alert use."""

from __future__ import annotations

from snapshot_sentinel.errors import SentinelError


class VaultIncompleteError(SentinelError):
    """After a copy, the vault lacks a file its ``index.latest`` reaches (the ``index-N`` it names, or a
    snapshot or index metadata file that ``index-N`` references): the vault would not restore.

    ``missing`` holds the vault keys that are absent (a bounded sample in the message)."""

    def __init__(self, message: str, missing: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.missing = missing


class VaultUnreadableError(SentinelError):
    """The vault's ``index.latest`` or the ``index-N`` it names cannot be read as a repository generation."""


class VaultSourceChangedError(SentinelError):
    """The source repository's ``index.latest`` changed while the copy ran (something wrote the
    repository): the vault keeps the generation it had; the next copy brings the new one."""


class VaultPlanIncompleteError(SentinelError):
    """A listing job of the copy's plan wrote no plan (or a batch file it wrote is gone): the plan is
    not the whole repository, so nothing is copied from it; the next copy lists again."""


class VaultBatchFailedError(SentinelError):
    """A batch of server-side copies failed after its retries, so its tier's Distributed Map failed
    (``States.ExceedToleratedFailureThreshold``) and no later tier ran: the vault keeps its previous
    generation. The copy's execution ends with this name (a Fail state may not end with ``States.*``);
    its Cause keeps the service's."""


class VaultCopyFailedError(SentinelError):
    """A step of the copy ended with one of Step Functions' own errors (``States.Timeout``,
    ``States.Runtime``, ...): the execution ends with this name, its Cause keeps the service's."""


class VaultListingFailedError(SentinelError):
    """A listing job (one index directory) failed after its retries, so the plan's Distributed Map
    failed (``States.ExceedToleratedFailureThreshold``) and nothing was copied. The copy's execution
    ends with this name; its Cause keeps the service's."""
