"""Restore: a guided, safe restore of a snapshot, planned before it acts.

- :mod:`.validation` checks RestoreStateMachine's input (pure).
- :mod:`.selection` turns a snapshot's indices and the input into source -> target pairs (pure).
- :mod:`.plan` checks those pairs against the live cluster: conflicts, aliases, shard headroom,
  PARTIAL advice; every decision with a reason (pure).
- :mod:`.cluster` reads what the planner needs from the domain and asks of it.
- The state machine's steps: :mod:`.steps` (the run every step works on, and the plan step),
  :mod:`.safety` (safety snapshot, set aside, open again), :mod:`.start` (the restore request),
  :mod:`.watch` (the checks, and the measurement for the report); :mod:`.settings` their settings.
- :mod:`.report` renders the outcome in the shape of :mod:`.outcome`; :mod:`.publish` sends it.
"""
