"""``sentinel vault``: the vault in another region: its newest snapshot, its lag, its retention."""

from __future__ import annotations

from collections.abc import Callable

import click

from sentinel_cli import render
from sentinel_cli.context import Runtime, stack_options
from sentinel_cli.errors import EXIT_OK, EXIT_RUN_FAILED, EXIT_USAGE
from sentinel_cli.gateway import AwsGateway
from sentinel_cli.vault_bucket import vault_state
from snapshot_sentinel.vault.errors import VaultIncompleteError, VaultUnreadableError
from snapshot_sentinel.vault.report import lag_hours

STALE_AFTER_HOURS = 48.0
"""A vault whose newest snapshot is older than this is reported as a problem (exit 1)."""


@click.command()
@stack_options
def vault(runtime: Runtime, gateway: Callable[[], AwsGateway]) -> int:
    """The vault: its newest snapshot, how many hours behind it is, and its Object Lock retention.

    Exit 1 when the vault does not verify (a file its index.latest reaches is missing) or lags more
    than 48 hours; exit 2 when the stack has no vault.
    """
    stack = gateway()
    bucket = stack.parameters.get("VaultBucketName", "")
    if not bucket:
        runtime.error(f"stack {stack.stack_name!r} has no vault: VaultBucketName is empty (docs/vault.md sets one up)")
        return EXIT_USAGE
    region = stack.parameters.get("VaultRegion") or stack.region
    report: dict[str, object] = {"bucket": bucket, "region": region}
    try:
        state = vault_state(stack.session, bucket, region, stack.parameters.get("SnapshotBasePath", ""))
    except (VaultIncompleteError, VaultUnreadableError) as exc:
        report.update(problem=f"{type(exc).__name__}: {exc}")
        return _show(runtime, report, EXIT_RUN_FAILED)
    lag = lag_hours(state.pop("newest_end_millis"), runtime.now())
    report.update(state, lag_hours=lag)
    stale = lag is not None and lag > STALE_AFTER_HOURS
    if stale:
        report["problem"] = f"the vault's newest snapshot ended {lag} hours ago (more than {STALE_AFTER_HOURS:.0f})"
    return _show(runtime, report, EXIT_RUN_FAILED if stale else EXIT_OK)


def _show(runtime: Runtime, report: dict[str, object], code: int) -> int:
    if runtime.as_json:
        runtime.emit_json(report)
    else:
        render.vault_report(runtime.out, report)
    return code
