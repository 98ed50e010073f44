"""The restore workflow's own failures; each class name is an error name of restore.asl.json."""

from __future__ import annotations

from snapshot_sentinel.errors import SentinelError


class RestoreBlockedError(SentinelError):
    """The plan found something that makes the restore unsafe; nothing on the domain changed."""


class RestoreTargetExistsError(SentinelError):
    """A target index appeared after the plan, or exists and was not restored by this run."""


class RestoreStartUnconfirmedError(SentinelError):
    """The restore request got no answer and no target index exists: safe to send it again."""


class SafetySnapshotFailedError(SentinelError):
    """The safety snapshot of the conflicting indices did not end in SUCCESS; nothing was deleted."""


class RestoreShardFailedError(SentinelError):
    """A restored primary shard cannot be allocated (allocation failed or was refused)."""


class RestoreDeadlineError(SentinelError):
    """Restored indices were still not active when MaxWaitMinutes ran out."""


RESTORE_TRANSIENT_ERRORS: tuple[type[SentinelError], ...] = (RestoreStartUnconfirmedError,)
