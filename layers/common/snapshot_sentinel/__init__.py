"""Snapshot Sentinel: unattended, verified, pruned snapshots of Amazon OpenSearch Service domains.

The package holds the domain logic shared by every Lambda of the stack: one folder per capability
(``backup/``, ``retention/``, ``repository/``, ``restore/``, ``drills/``, ``alerts/``, ``vault/``)
beside the flat modules two or more of them share.

Settings are read from the environment mapping a handler passes in (``from_env(environ)``), never
from ``os.environ`` directly. The one exception is :mod:`.observability`, which, like Powertools
itself, reads the ``POWERTOOLS_*`` switches of tracing and metrics from the process environment.
Nothing creates a client at import time: handlers build clients with :mod:`.wiring` and pass them in.
"""
