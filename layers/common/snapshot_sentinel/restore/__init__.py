"""Restore: a guided, safe restore of a snapshot, planned before it acts.

- :mod:`.validation` checks RestoreStateMachine's input (pure).
- :mod:`.selection` turns a snapshot's indices and the input into source -> target pairs (pure).
- :mod:`.plan` checks those pairs against the live cluster: conflicts, aliases, shard headroom,
  PARTIAL advice; every decision with a reason (pure).
- :mod:`.cluster` reads what the planner needs from the domain; :mod:`.steps` are the state
  machine's steps (plan, safety snapshot, delete, start, check); :mod:`.report` renders the
  outcome for SNS.
"""
