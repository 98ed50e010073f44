"""The real engine under the tests: OpenSearch 2.19 in one JVM (launcher.py, java/) behind Amazon's
front (front.py: the emulator's SigV4, refusals and faults, s3 repositories mapped onto fs).

``python -m tests.engine`` (``make engine``) starts both and serves until Ctrl-C; the ``engine``
marked tests (``make test-engine``) run the state machines against it.
"""
