"""The world the tests share, named once: where the rehearsal runs, the repository the schedule backs
up to and the bucket behind it, the indices of the emulated domain, the moment a nightly run starts,
and the domain a template test deploys the stack for.

A test that needs a different value on purpose declares it beside the test, under a name that says
what differs (``VAULT_REGION``, ``REPO``); a value that is the same everywhere lives here.
"""

from __future__ import annotations

from datetime import UTC, datetime

REGION = "us-east-1"
ACCOUNT = "123456789012"

REPOSITORY = "nightly-backups"
"""The repository the schedule backs up to (the stack's SnapshotRepositoryName in every rehearsal)."""
BUCKET = "sentinel-backups"
"""The bucket behind REPOSITORY (the rehearsal stack's SnapshotBucket)."""
INDICES = ("logs-2026.11.26", "logs-2026.11.27", "logs-2026.11.28", ".kibana_1")
"""The indices the rehearsal's emulated domain holds before a test adds its own."""
NIGHTLY_START = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)
"""02:00 UTC, when the default schedule starts a nightly run: the rehearsal's virtual time starts here."""

DOMAIN_ARN = f"arn:aws:es:{REGION}:{ACCOUNT}:domain/logs-prod"
"""The domain the template tests deploy the stack for (its endpoint is ENDPOINT)."""
ENDPOINT = "https://search-logs-prod-abcdefghijklmnopqrstuvwxyz.us-east-1.es.amazonaws.com"
