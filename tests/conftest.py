"""The suite's fixtures and settings live in tests/support/fixtures.py, loaded here once as a plugin:
tests ask for fixtures by name and import nothing from another test module or a conftest
(tests/unit/test_test_imports.py keeps it so)."""

pytest_plugins = ["tests.support.fixtures"]
