"""The repository functions' settings, read from the environment mapping their handler passes in.

RegisterRepositoryFunction (:class:`RegistrationSettings`) serves CloudFormation, which must get an
answer even when the function is misconfigured: its settings are read without raising, and a
malformed variable is raised, naming it, inside the request, where it becomes a FAILED answer.
EnsureRepositoryFunction (:class:`HealSettings`) is a state machine step and raises at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from snapshot_sentinel import errors
from snapshot_sentinel.repository.input import RepositoryRegistration
from snapshot_sentinel.settings import DomainSettings, domain_name, drill_domain_settings, read_text, same_endpoint

BACKUP = "backup"
DRILL = "drill"
TARGETS = (BACKUP, DRILL)


@dataclass(frozen=True)
class RegistrationSettings:
    """RegisterRepositoryFunction: the two domains a SnapshotRepository resource may register on.

    ``domain`` is the stack's domain and ``drill`` its drill domain (None when DrillDomainEndpoint is
    empty); a variable that cannot be read leaves its domain None and its message in ``problem`` or
    ``drill_problem``. ``fallback_name`` is the domain's name from the raw variables, for the
    resource's ``DomainName`` attribute when no domain could be chosen.
    """

    domain: DomainSettings | None
    drill: DomainSettings | None
    fallback_name: str
    problem: str = ""
    drill_problem: str = ""

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> RegistrationSettings:
        fallback_name = domain_name(environ.get("DOMAIN_ENDPOINT", ""), environ.get("DOMAIN_ARN", ""))
        try:
            domain = DomainSettings.from_env(environ)
        except errors.ConfigurationError as exc:
            return cls(domain=None, drill=None, fallback_name=fallback_name, problem=str(exc))
        try:
            drill = drill_domain_settings(domain, environ)
        except errors.ConfigurationError as exc:
            return cls(domain=domain, drill=None, fallback_name=fallback_name, drill_problem=str(exc))
        return cls(domain=domain, drill=None if drill is domain else drill, fallback_name=fallback_name)

    def domain_for(self, properties: Mapping[str, Any]) -> DomainSettings:
        """The domain a SnapshotRepository resource registers on: its ``DomainEndpoint`` property must
        be the stack's domain (``DOMAIN_ENDPOINT``) or its drill domain (``DRILL_DOMAIN_ENDPOINT``),
        never any other, and a drill domain only ever gets the repository read-only (one writer per
        repository: two writers corrupt it). No property means the stack's domain."""
        if self.domain is None:
            raise errors.ConfigurationError(self.problem)
        asked = str(properties.get("DomainEndpoint", "")).strip()
        if not asked or same_endpoint(asked, self.domain.endpoint):
            return self.domain
        if self.drill_problem:
            raise errors.ConfigurationError(self.drill_problem)
        if self.drill is None or not same_endpoint(asked, self.drill.endpoint):
            raise errors.ConfigurationError(
                f"DomainEndpoint {asked!r} is neither the stack's domain nor its drill domain (DrillDomainEndpoint); "
                "this function registers the repository on those two only"
            )
        if str(properties.get("ReadOnly", "")).strip().lower() != "true":
            raise errors.InvalidRegistrationError(
                f'the drill domain {self.drill.name} must hold the repository read-only (ReadOnly: "true"): only '
                "the backed-up domain writes to it, and two writers corrupt a repository"
            )
        return self.drill

    def domain_name_for(self, properties: Mapping[str, Any]) -> str:
        """The metrics' domain dimension (NoRecentBackupAlarm, the dashboard), or the drill domain's
        name (the drill functions' IAM scope): the name of the domain this resource registers on."""
        try:
            return self.domain_for(properties).name
        except errors.SentinelError:  # the request is answered FAILED, naming the problem
            return self.fallback_name


@dataclass(frozen=True)
class HealSettings:
    """EnsureRepositoryFunction: the domain to look at and the registration the stack gives it there.

    ``target`` ``backup`` is the backed-up domain with the stack's registration (read-only in a
    RepositoryReadOnly stack); ``drill`` is the drill domain (DrillDomainEndpoint), always read-only
    with the drill role, or the backed-up domain itself when the stack has no drill domain."""

    target: str
    domain: DomainSettings
    registration: RepositoryRegistration

    @classmethod
    def for_event(cls, environ: Mapping[str, str], event: Mapping[str, object]) -> HealSettings:
        """The settings for the domain a step's event names (``{"domain": "drill"}``), the backed-up one when unset."""
        return cls.from_env(environ, target=str(event.get("domain") or BACKUP))

    @classmethod
    def from_env(cls, environ: Mapping[str, str], *, target: str) -> HealSettings:
        if target not in TARGETS:
            raise errors.InvalidInputError(f'"domain" must be one of {", ".join(TARGETS)}, got {target!r}')
        domain = DomainSettings.from_env(environ)
        role_arn = read_text(environ, "SNAPSHOT_ROLE_ARN")
        read_only = environ.get("REPOSITORY_READ_ONLY", "false").strip().lower() or "false"
        if target == DRILL:
            drill = drill_domain_settings(domain, environ)
            if drill is not domain:
                # One writer per repository: the drill domain only ever holds it read-only.
                domain, role_arn, read_only = drill, read_text(environ, "DRILL_SNAPSHOT_ROLE_ARN"), "true"
        # The SnapshotRepository resource's own properties, read by its own parser.
        properties = {
            "RepositoryName": domain.repository,
            "Bucket": read_text(environ, "SNAPSHOT_BUCKET"),
            "Region": domain.region,
            "RoleArn": role_arn,
            "BasePath": environ.get("SNAPSHOT_BASE_PATH", ""),
            "ReadOnly": read_only,
        }
        try:
            registration = RepositoryRegistration.from_properties(properties)
        except errors.InvalidRegistrationError as exc:
            raise errors.ConfigurationError(f"the stack's repository settings are invalid: {exc}") from exc
        return cls(target=target, domain=domain, registration=registration)
