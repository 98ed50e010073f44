"""Patience: trying a domain request again through conditions that pass on their own (a snapshot
running in the repository, IAM changes of this very deploy reaching the domain, a busy domain),
bounded by a deadline.

A custom resource has no state machine to wait in, so registration sleeps here, within the time
its Lambda has left; everywhere else the state machine's Retry does the waiting.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from snapshot_sentinel import errors
from snapshot_sentinel.observability import logger

T = TypeVar("T")


@dataclass(frozen=True)
class Patience:
    """How long registration keeps trying through conditions that pass on their own."""

    retry_interval_seconds: float = 5.0
    in_use_interval_seconds: float = 15.0
    # IAM changes made by this deploy (the snapshot role, the PassRole grant) take seconds to reach
    # the domain; an access-denied answer inside this window is tried again.
    propagation_window_seconds: float = 60.0
    transient_window_seconds: float = 60.0
    min_attempt_seconds: float = 10.0


DEFAULT_PATIENCE = Patience()


@dataclass(frozen=True)
class Deadline:
    """The moment after which no new attempt may start."""

    clock: Callable[[], float]
    at: float

    def remaining(self) -> float:
        return self.at - self.clock()


def _retry_rule(error: errors.DomainError, patience: Patience) -> tuple[str, float, float] | None:
    """(kind, wait, window) for an error worth another attempt, or None."""
    if isinstance(error, errors.RepositoryInUseError):
        return "in use", patience.in_use_interval_seconds, float("inf")
    if isinstance(error, errors.RepositoryVerificationError):
        return "verification", patience.retry_interval_seconds, patience.propagation_window_seconds
    if isinstance(error, errors.AuthorizationError) and "is not authorized to perform" in error.reason:
        return "access denied", patience.retry_interval_seconds, patience.propagation_window_seconds
    if isinstance(error, errors.TRANSIENT_ERRORS):
        return "transient", patience.retry_interval_seconds, patience.transient_window_seconds
    return None


def patiently(
    action: Callable[[], T],
    what: str,
    *,
    deadline: Deadline,
    patience: Patience,
    sleep: Callable[[float], None],
) -> T:
    """``action()``, tried again after each error that passes on its own, as long as its window and
    the deadline allow; the last error is raised with a note of how long it was retried."""
    first_seen: dict[str, float] = {}
    while True:
        try:
            return action()
        except errors.DomainError as exc:
            rule = _retry_rule(exc, patience)
            if rule is None:
                raise
            kind, wait, window = rule
            started = first_seen.setdefault(kind, deadline.clock())
            waited = deadline.clock() - started
            if waited + wait > window or deadline.remaining() < wait + patience.min_attempt_seconds:
                if waited:
                    exc.add_note(f"still so after {waited:.0f} s of retrying")
                raise
            logger.info(f"{what}: {kind}, trying again", extra={"wait_seconds": wait, "error": str(exc)})
            sleep(wait)
