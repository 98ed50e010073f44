"""Suite-wide settings."""

from hypothesis import settings

# No per-example deadline: a property test proves a rule, it does not time the code (benchmarks do),
# and a deadline would fail on a slow or busy CI machine for reasons unrelated to the rule.
settings.register_profile("sentinel", deadline=None)
settings.load_profile("sentinel")
