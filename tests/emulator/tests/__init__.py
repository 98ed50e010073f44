"""The emulator's own tests: its answers, faults, SigV4 front end, runner and the upstream stories."""
