"""Retention: prune this stack's old snapshots by the ownership rule and the policy, reporting every decision.

- :mod:`.input` checks the retention step's input (pure).
- :mod:`.plan` decides keep or delete for every snapshot, each with the rule that decided (pure;
  the property tests prove its rules).
- :mod:`.apply` lists once, plans and deletes within a time budget; :mod:`.report` is what it
  decided and did, bounded for the execution's output (pure).
- :mod:`.settings` holds ApplyRetentionFunction's settings and the policy they make.
"""
