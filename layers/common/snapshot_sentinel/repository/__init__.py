"""Repository: the stack's S3 snapshot repository, registered on deploy and kept registered at night.

- :mod:`.input` reads a SnapshotRepository resource's properties into a :class:`RepositoryRegistration`
  and checks the name (pure).
- :mod:`.settings` holds the two functions' settings: which domains a resource may register on
  (RegisterRepositoryFunction) and what a run registers again (EnsureRepositoryFunction).
- :mod:`.patience` waits out, within a deadline, the conditions that pass on their own.
- :mod:`.steps` registers and verifies the repository on a domain.
- :mod:`.advice` turns a failure into words a person can act on (pure).
- :mod:`.custom_resource` serves a CloudFormation request from start to answer;
  :mod:`.cfn_response` is the answer itself (one JSON document, at most 4 KB).
- :mod:`.healing` is the run's own check: register a vanished repository again.
"""
