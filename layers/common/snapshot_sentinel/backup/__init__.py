"""Backup: the nightly snapshot, taken once and watched to its end.

- :mod:`.input` checks BackupStateMachine's input and decides the run's snapshot name (pure).
- :mod:`.settings` holds the snapshot functions' settings (:class:`~.settings.SnapshotSettings`).
- :mod:`.steps` are the state machine's steps: take the snapshot (adopting this execution's own,
  standing down for a duplicate start) and check on it.

Its errors are in :mod:`snapshot_sentinel.errors`: the alert's advice and the restore's safety
snapshot match on the same classes.
"""
