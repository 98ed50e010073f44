"""A drill's own failures; each class name is an error name of drill.asl.json and the alert."""

from __future__ import annotations

from snapshot_sentinel.errors import SentinelError


class DrillNothingToRestoreError(SentinelError):
    """No full SUCCESS managed snapshot, or none of its indices fits the caps."""


class DrillTargetExistsError(SentinelError):
    """A drill name is held by a live index: the drill restores nothing over it."""


class DrillShardFailedError(SentinelError):
    """A restored primary shard cannot be allocated: the snapshot did not restore."""


class DrillDeadlineError(SentinelError):
    """Restored indices were not all active when the drill's deadline passed."""


class DrillVerificationError(SentinelError):
    """A restored index came back, but not as the snapshot held it (count, mapping or search)."""
