"""Registration of the stack's S3 snapshot repository: the SnapshotRepository custom resource.

Create and Update register ``PUT _snapshot/<repo>`` (type s3: bucket, region, role_arn, SSE-S3,
base_path, readonly) unless the domain already holds exactly these settings (a re-PUT fails while
a snapshot runs in the repository), then verify it with ``POST _snapshot/<repo>/_verify``. Delete
leaves the repository registered and its data untouched. Every request gets an answer, success or
failure, in words a person can act on, before the function's own timeout.

Conditions that pass on their own are waited out within the time left: a snapshot running in the
repository, IAM changes of this very deploy (the new role, the new PassRole grant) reaching the
domain, a busy domain. There is no state machine to wait in here, so this module sleeps, bounded
by the deadline the handler derives from the Lambda's remaining time.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import requests

from snapshot_sentinel import errors
from snapshot_sentinel.cfn_response import FAILED, SUCCESS, CustomResourceRequest, Responder
from snapshot_sentinel.client import DomainClient
from snapshot_sentinel.observability import logger
from snapshot_sentinel.settings import DomainSettings, drill_domain_settings, same_endpoint

RESERVED_PREFIX = "cs-"
_FORBIDDEN_NAME_CHARACTERS = frozenset('\\/*?"<>|, #')

# The watchdog answers FAILED this long before the Lambda would be killed mid-work...
WATCHDOG_MARGIN_SECONDS = 5.0
# ...and no new attempt starts with less than this left, so the work normally answers first.
WORK_MARGIN_SECONDS = 20.0
_DOMAIN_REASON_CHARS = 700

T = TypeVar("T")


@dataclass(frozen=True)
class RepositoryRegistration:
    """The repository CloudFormation asks for, from the custom resource's properties."""

    repository: str
    bucket: str
    region: str
    role_arn: str
    base_path: str = ""
    read_only: bool = False

    @classmethod
    def from_properties(cls, properties: Mapping[str, Any]) -> RepositoryRegistration:
        name = str(properties.get("RepositoryName", "")).strip()
        check_repository_name(name)
        missing = [key for key in ("Bucket", "Region", "RoleArn") if not str(properties.get(key, "")).strip()]
        if missing:
            raise errors.InvalidRegistrationError(
                f"the SnapshotRepository resource lacks {', '.join(missing)}; template.yaml sets them"
            )
        read_only = str(properties.get("ReadOnly", "false")).strip().lower()
        if read_only not in ("true", "false"):
            raise errors.InvalidRegistrationError(f'ReadOnly must be "true" or "false", got {read_only!r}')
        return cls(
            repository=name,
            bucket=str(properties["Bucket"]).strip(),
            region=str(properties["Region"]).strip(),
            role_arn=str(properties["RoleArn"]).strip(),
            base_path=str(properties.get("BasePath", "")).strip().strip("/"),
            read_only=read_only == "true",
        )

    def settings(self) -> dict[str, Any]:
        """The s3 settings of the AWS guide. ``region`` for every region, us-east-1 included: the
        guide's former ``endpoint: s3.amazonaws.com`` for us-east-1 is no longer required."""
        settings: dict[str, Any] = {
            "bucket": self.bucket,
            "region": self.region,
            "role_arn": self.role_arn,
            "server_side_encryption": True,
        }
        if self.base_path:
            settings["base_path"] = self.base_path
        if self.read_only:
            settings["readonly"] = True
        return settings

    def body(self) -> dict[str, Any]:
        return {"type": "s3", "settings": self.settings()}

    def where(self) -> str:
        return f"s3://{self.bucket}/{self.base_path}".rstrip("/")

    def elsewhere(self, registered: Mapping[str, Any] | None) -> str | None:
        """Where ``registered`` keeps its snapshots, when that is not this registration's bucket and
        base path; None when nothing is registered or it is the same place."""
        if not registered:
            return None
        settings = registered.get("settings") or {}
        kind = str(registered.get("type", ""))
        if kind != "s3":
            return f"a repository of type {kind or 'unknown'} ({', '.join(f'{k}={v}' for k, v in settings.items())})"
        bucket = str(settings.get("bucket", ""))
        base_path = str(settings.get("base_path", "")).strip("/")
        if bucket == self.bucket and base_path == self.base_path:
            return None
        return f"s3://{bucket}/{base_path}".rstrip("/")

    def matches(self, registered: Mapping[str, Any] | None) -> bool:
        """Whether the domain already holds this registration (its settings echo as strings)."""
        if not registered or registered.get("type") != "s3":
            return False
        return _comparable(registered.get("settings") or {}) == _comparable(self.settings())


def _comparable(settings: Mapping[str, Any]) -> dict[str, str]:
    as_text = {key: str(value).lower() if isinstance(value, bool) else str(value) for key, value in settings.items()}
    # An explicit false is the default: "readonly": "false" and no readonly at all are the same.
    return {key: value for key, value in as_text.items() if value != "false"}


def registration_domain(properties: Mapping[str, Any], environ: Mapping[str, str]) -> DomainSettings:
    """The domain a SnapshotRepository resource registers on: its ``DomainEndpoint`` property must be
    the stack's domain (``DOMAIN_ENDPOINT``) or its drill domain (``DRILL_DOMAIN_ENDPOINT``), never
    any other, and a drill domain only ever gets the repository read-only (one writer per repository:
    two writers corrupt it). No property means the stack's domain (a stack created before drills)."""
    domain = DomainSettings.from_env(environ)
    asked = str(properties.get("DomainEndpoint", "")).strip()
    if not asked or same_endpoint(asked, domain.endpoint):
        return domain
    drill = drill_domain_settings(domain, environ)
    if drill is domain or not same_endpoint(asked, drill.endpoint):
        raise errors.ConfigurationError(
            f"DomainEndpoint {asked!r} is neither the stack's domain nor its drill domain (DrillDomainEndpoint); "
            "this function registers the repository on those two only"
        )
    if str(properties.get("ReadOnly", "")).strip().lower() != "true":
        raise errors.InvalidRegistrationError(
            f'the drill domain {drill.name} must hold the repository read-only (ReadOnly: "true"): only the '
            "backed-up domain writes to it, and two writers corrupt a repository"
        )
    return drill


def check_repository_name(name: str) -> None:
    """Refuse, before any request, a name the domain would refuse or that Amazon reserves."""
    if not name:
        raise errors.InvalidRegistrationError("RepositoryName is empty")
    if name.lower().startswith(RESERVED_PREFIX):
        raise errors.InvalidRegistrationError(
            f"RepositoryName {name!r} starts with {RESERVED_PREFIX!r}, which Amazon reserves for its automated "
            "snapshot repositories (cs-automated, cs-automated-enc); choose another name, such as nightly-backups"
        )
    bad = sorted({ch for ch in name if ch in _FORBIDDEN_NAME_CHARACTERS or ch.isspace()})
    if bad or name.startswith("_"):
        raise errors.InvalidRegistrationError(
            f"RepositoryName {name!r} is not a valid repository name: it must not start with '_' nor contain "
            f'whitespace or any of \\ / * ? " < > | , # (found {"".join(bad) or "_"})'
        )


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


@dataclass(frozen=True)
class Deadline:
    """The moment after which no new attempt may start."""

    clock: Callable[[], float]
    at: float

    def remaining(self) -> float:
        return self.at - self.clock()


@dataclass(frozen=True)
class RegistrationOutcome:
    repository: str
    changed: bool
    verified_nodes: int

    def summary(self, registration: RepositoryRegistration) -> str:
        where = registration.where()
        mode = " (readonly)" if registration.read_only else ""
        done = "registered" if self.changed else "already registered with these settings"
        return f"Repository {self.repository}{mode} on {where}: {done}; verified on {self.verified_nodes} node(s)."

    def data(self) -> dict[str, str]:
        return {"RepositoryName": self.repository, "Changed": str(self.changed).lower()}


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


def _patiently(
    action: Callable[[], T],
    what: str,
    *,
    deadline: Deadline,
    patience: Patience,
    sleep: Callable[[float], None],
) -> T:
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


def register(
    client: DomainClient,
    registration: RepositoryRegistration,
    *,
    deadline: Deadline,
    patience: Patience = Patience(),
    sleep: Callable[[float], None] = time.sleep,
    claiming: bool = False,
) -> RegistrationOutcome:
    """Make the domain hold ``registration``, verified; PUT only when its settings differ.

    ``claiming`` (a Create, or an Update to another RepositoryName): a repository of that name that
    keeps its snapshots elsewhere (another bucket or base path) is refused, never re-pointed: its
    snapshots would vanish from the domain's view. An Update of the stack's own repository may move it.
    """
    name = registration.repository

    def patiently(action: Callable[[], T], what: str) -> T:
        return _patiently(action, what, deadline=deadline, patience=patience, sleep=sleep)

    current = patiently(lambda: client.get_repository(name), "read the registration")
    elsewhere = registration.elsewhere(current) if claiming else None
    if elsewhere is not None:
        raise errors.RepositoryElsewhereError(
            f"repository {name} is already registered on the domain with {elsewhere}; this stack would point it at "
            f"{registration.where()}, and the snapshots at {elsewhere} would vanish from the domain's view. Choose "
            "another RepositoryName, or, to use that repository, set SnapshotBucketName and SnapshotBasePath to its "
            "bucket and base path"
        )
    changed = not registration.matches(current)
    if changed:
        logger.info("registering the repository", extra={"settings": registration.settings(), "was": current})
        # Verified separately, so an S3 problem reads as one and not as a failed registration.
        patiently(lambda: client.put_repository(name, registration.body(), verify=False), "register")
    verification = patiently(lambda: client.verify_repository(name), "verify")
    return RegistrationOutcome(name, changed, len(verification.get("nodes") or {}))


def _quote(reason: str) -> str:
    return reason if len(reason) <= _DOMAIN_REASON_CHARS else reason[: _DOMAIN_REASON_CHARS - 1] + "…"


def _notes(error: BaseException) -> str:
    notes = getattr(error, "__notes__", [])
    return f" ({'; '.join(notes)})" if notes else ""


@dataclass(frozen=True)
class StackNames:
    """The stack's names a registration failure points a person to: the backed-up domain's
    (SnapshotRepository) or the drill domain's (DrillSnapshotRepository)."""

    domain_arn: str = "DomainArn"
    endpoint: str = "DomainEndpoint"
    role: str = "SnapshotRole"
    s3_actions: str = "s3:Get/Put/DeleteObject"


DRILL_NAMES = StackNames("DrillDomainArn", "DrillDomainEndpoint", "DrillSnapshotRole", "s3:GetObject")
DRILL_RESOURCE = "DrillSnapshotRepository"


def explain(
    error: errors.SentinelError,
    registration: RepositoryRegistration | None,
    endpoint: str,
    names: StackNames = StackNames(),
) -> str:
    """What went wrong and what to do about it, for the stack's events."""
    said = f"The domain said: {_quote(str(error))}{_notes(error)}"
    repo = registration.repository if registration else "the repository"
    role = registration.role_arn if registration else "the snapshot role"
    if isinstance(error, errors.RepositoryElsewhereError):
        return f"Refused to re-point an existing repository: {error}. Nothing was changed on the domain."
    if isinstance(error, errors.InvalidRegistrationError):
        return f"Invalid repository registration: {error}. Nothing was sent to the domain."
    if isinstance(error, errors.ConfigurationError):
        return f"The registration function is misconfigured: {error}."
    if isinstance(error, errors.AuthorizationError):
        if error.error_type == "security_exception":
            user = re.search(r"User \[name=([^,\]]+)", error.reason)
            who = user.group(1) if user else "this function's role (stack output RegisterRepositoryRoleArn)"
            return (
                f"Fine-grained access control refused to register {repo}. Map {who} as a backend role of the "
                "manage_snapshots role (OpenSearch Dashboards > Security > Roles > manage_snapshots > Mapped users), "
                f"then update the stack again. {said}"
            )
        if "iam:PassRole" in error.reason:
            return (
                f"This function may not pass the snapshot role {role} to the domain (iam:PassRole). The stack grants "
                f"it on {names.role} with iam:PassedToService es.amazonaws.com; a permissions boundary or a service "
                f"control policy may deny it. {said}"
            )
        return (
            f"The domain refused this function's signed request to register {repo}. Its IAM policy allows "
            f"es:ESHttpGet/Put/Post on <{names.domain_arn}>/_snapshot*: check that the {names.domain_arn} parameter is "
            "this domain's ARN and that the domain's access policy does not deny the role of stack output "
            "RegisterRepositoryRoleArn. "
            f"{said}"
        )
    if isinstance(error, errors.RepositoryVerificationError):
        where = f"bucket {registration.bucket} ({registration.region})" if registration else "its bucket"
        return (
            f"The domain holds {repo} but cannot use {where} with role {role}. Check that the bucket exists in that "
            "region, that the role trusts es.amazonaws.com for this domain (its aws:SourceArn condition is the "
            f"{names.domain_arn} parameter), that it may s3:ListBucket and {names.s3_actions} there, and that no "
            f"bucket policy or KMS key denies it. {said}"
        )
    if isinstance(error, errors.RepositoryInUseError):
        return (
            f"A snapshot, deletion or restore is running in {repo}, and the domain refuses to change a repository "
            f"while it is in use. Update the stack again once it finished (GET _snapshot/{repo}/_current lists what "
            f"runs). {said}"
        )
    if isinstance(error, errors.DomainConnectionError | errors.GatewayTimeoutError):
        return (
            f"Could not reach the domain at {endpoint}. If it is in a VPC, set SubnetIds and SecurityGroupIds so this "
            "function runs there, and let the domain's security group admit it on port 443; otherwise check the "
            f"{names.endpoint} parameter. {said}"
        )
    if isinstance(error, errors.ThrottledError | errors.DomainUnavailableError):
        return f"The domain at {endpoint} was too busy or unavailable to register {repo}; deploy again later. {said}"
    if isinstance(error, errors.DomainError) and error.error_type == "repository_exception":
        return (
            f"The domain refused to register {repo}; if the reason is the name, choose another RepositoryName. {said}"
        )
    if isinstance(error, errors.DomainError):
        return f"The domain refused to register {repo}. {said}"
    return f"Registering {repo} failed: {error}{_notes(error)}."


def _requested_name(request: CustomResourceRequest) -> str:
    return str(request.properties.get("RepositoryName", "")).strip()


def handle_request(
    event: Mapping[str, Any],
    *,
    connect: Callable[[], DomainClient],
    remaining_seconds: Callable[[], float],
    session: requests.Session,
    logs_hint: str = "",
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    patience: Patience = Patience(),
    attributes: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Serve one custom resource request and answer CloudFormation; returns the answer sent.

    ``attributes`` are added to every SUCCESS answer's ``Data`` (``Fn::GetAtt`` of the resource),
    for values the stack needs but CloudFormation cannot compute, such as the domain's short name.

    A watchdog answers FAILED shortly before the Lambda's timeout if the work has not answered
    by then, so a stack never waits on an answer that will not come.
    """
    request = CustomResourceRequest.from_event(event)
    responder = Responder(request, session, sleep=sleep)
    logger.append_keys(request_type=request.request_type, repository=_requested_name(request) or None)
    hint = f" {logs_hint}" if logs_hint else ""
    names = DRILL_NAMES if request.logical_resource_id == DRILL_RESOURCE else StackNames()
    failed_id = (
        request.physical_resource_id
        or _requested_name(request)
        or f"{request.logical_resource_id or 'SnapshotRepository'}-{request.request_id[:8]}"
    )

    def give_up() -> None:
        logger.error("out of time; answering FAILED before the function times out")
        responder.answer(
            FAILED,
            "The domain did not answer before the registration function's timeout (its last request is still "
            f"waiting); check that {names.endpoint} is reachable from the function and deploy again.{hint}",
            failed_id,
        )

    watchdog = threading.Timer(max(0.0, remaining_seconds() - WATCHDOG_MARGIN_SECONDS), give_up)
    watchdog.daemon = True
    watchdog.start()
    try:
        if request.request_type == "Delete":
            name = request.physical_resource_id or failed_id
            return responder.answer(
                SUCCESS,
                f"Left repository {name} registered and its snapshots untouched: deleting the stack never deletes "
                f"backups. To unregister it yourself: DELETE _snapshot/{name} (the bucket keeps the data).",
                name,
                {"RepositoryName": name, **(attributes or {})},
            )
        registration: RepositoryRegistration | None = None
        endpoint = "the domain"
        try:
            registration = RepositoryRegistration.from_properties(request.properties)
            client = connect()
            endpoint = client.endpoint
            deadline = Deadline(clock, clock() + remaining_seconds() - WORK_MARGIN_SECONDS)
            # A Create, or an Update to a new name (its physical ID is the name), claims the name.
            claiming = request.request_type == "Create" or request.physical_resource_id != registration.repository
            outcome = register(
                client, registration, deadline=deadline, patience=patience, sleep=sleep, claiming=claiming
            )
        except errors.SentinelError as exc:
            logger.warning("registration failed", extra={"error_class": type(exc).__name__, "error": str(exc)})
            return responder.answer(FAILED, explain(exc, registration, endpoint, names) + hint, failed_id)
        except Exception as exc:
            logger.exception("unexpected failure while registering")
            return responder.answer(
                FAILED, f"Unexpected {type(exc).__name__} while registering the repository: {exc}.{hint}", failed_id
            )
        logger.info("repository ready", extra={"changed": outcome.changed, "nodes": outcome.verified_nodes})
        return responder.answer(
            SUCCESS, outcome.summary(registration), registration.repository, {**outcome.data(), **(attributes or {})}
        )
    finally:
        watchdog.cancel()
