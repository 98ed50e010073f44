"""Snapshot Sentinel: unattended, verified, pruned snapshots of Amazon OpenSearch Service domains.

The package holds the domain logic shared by every Lambda of the stack. It reads no
environment variables and creates no clients at import time: handlers build what they need
from typed settings (``settings.py``) and pass it in.
"""
