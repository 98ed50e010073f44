"""Serve an emulated domain until Ctrl-C: ``python -m tests.emulator --port 9200``.

``--print-env`` prints the shell exports for a client (credentials, AWS_REGION, DOMAIN_ENDPOINT) and
exits, for ``eval "$(python -m tests.emulator --port 9200 --print-env)"``; ``--env-file PATH`` writes
the same exports to PATH once the server listens (useful with ``--port 0``).
"""

from __future__ import annotations

import argparse
import errno
import shlex
import signal
import sys
import threading
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.emulator.domain import EmulatedDomain
from tests.emulator.model import SnapshotProgress
from tests.emulator.server import EmulatorServer
from tests.emulator.sigv4 import EmulatorCredentials

DEMO_INDICES = {"logs-2026.11.27": 2, "logs-2026.11.28": 2, "metrics-app": 1, ".kibana_1": 1}


def build_domain(args: argparse.Namespace) -> EmulatedDomain:
    domain = EmulatedDomain(
        engine=args.engine,
        version=args.version,
        region=args.region,
        credentials=None if args.no_sigv4 else EmulatorCredentials.testing(),
        indices=DEMO_INDICES,
        progress=SnapshotProgress(polls=args.polls, outcome=args.outcome),
    )
    if args.repository:
        domain.register_repository(args.repository, bucket=args.bucket, region=args.region)
        if args.seed:
            now = datetime.now(UTC).replace(microsecond=0)
            for days in range(args.seed, 0, -1):
                moment = now - timedelta(days=days)
                domain.add_snapshot(
                    args.repository,
                    f"nightly-{moment:%Y-%m-%dt%H-%M-%Sz}",
                    start_time=moment,
                    metadata={"taken_by": "snapshot-sentinel"},
                )
    return domain


def exports(args: argparse.Namespace, endpoint: str) -> list[str]:
    """The shell lines a client evaluates to reach the emulator: the fake credentials (when SigV4 is
    checked), the region to sign for and the endpoint."""
    variables = {} if args.no_sigv4 else EmulatorCredentials.testing().as_environment()
    variables.update(AWS_REGION=args.region, DOMAIN_ENDPOINT=endpoint)
    return [f"export {name}={shlex.quote(value)}" for name, value in variables.items()]


def cannot_listen(port: int, error: OSError) -> str:
    """One line saying why the port cannot be used and how to pick another."""
    reason = "is already in use" if error.errno == errno.EADDRINUSE else f"cannot be used ({error.strerror})"
    other = 9201 if port == 9200 else 9200
    return (
        f"python -m tests.emulator: port {port} on 127.0.0.1 {reason}; pick another with --port {other} "
        f"(make emulator PORT={other}), or --port 0 for any free port."
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.emulator", description=__doc__)
    parser.add_argument("--port", type=int, default=9200, help="port on 127.0.0.1 (0: any free port)")
    parser.add_argument("--engine", choices=("opensearch", "elasticsearch"), default="opensearch")
    parser.add_argument("--version", default="2.11.0", help="engine version, e.g. 2.11.0, 3.1.0, 7.10.2, 7.4.2")
    parser.add_argument("--region", default="us-east-1")
    parser.add_argument("--no-sigv4", action="store_true", help="accept unsigned requests")
    parser.add_argument("--repository", default="nightly-backups", help="register this S3 repository ('' for none)")
    parser.add_argument("--bucket", default="snapshot-sentinel-demo")
    parser.add_argument("--polls", type=int, default=3, help="GETs a new snapshot stays IN_PROGRESS for")
    parser.add_argument("--outcome", choices=("SUCCESS", "PARTIAL", "FAILED"), default="SUCCESS")
    parser.add_argument("--seed", type=int, default=0, help="seed this many daily SUCCESS snapshots")
    parser.add_argument(
        "--print-env",
        action="store_true",
        help="print the shell exports (credentials, AWS_REGION, DOMAIN_ENDPOINT) for --port and exit",
    )
    parser.add_argument("--env-file", type=Path, help="once listening, write the same exports to this file")
    args = parser.parse_args(argv)

    if args.print_env:
        if args.port == 0:
            parser.error("--print-env needs the fixed --port the server uses (with --port 0, use --env-file)")
        print("\n".join(exports(args, f"http://127.0.0.1:{args.port}")))
        return 0

    domain = build_domain(args)
    try:
        server = EmulatorServer(domain, args.port).start()
    except OSError as error:
        print(cannot_listen(args.port, error), file=sys.stderr)
        return 2
    if args.env_file:
        args.env_file.write_text("\n".join(exports(args, server.endpoint)) + "\n")
    print(f"Emulated {args.engine} {args.version} domain listening on {server.endpoint}", flush=True)
    if domain.credentials is None:
        print("SigV4 is not checked: plain curl works, e.g.", flush=True)
        print(f"  curl -s {server.endpoint}/_snapshot/{args.repository or '_all'}?pretty=true", flush=True)
    else:
        print(f"Requests must be SigV4-signed for service 'es' in {args.region} with these credentials:", flush=True)
        for name, value in domain.credentials.as_environment().items():
            print(f"  export {name}={shlex.quote(value)}", flush=True)
        print(f"  export AWS_REGION={args.region} DOMAIN_ENDPOINT={server.endpoint}", flush=True)
        print(
            '  curl -s --aws-sigv4 "aws:amz:$AWS_REGION:es" --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" '
            f'-H "x-amz-security-token: $AWS_SESSION_TOKEN" "{server.endpoint}/_snapshot/_all?pretty=true"',
            flush=True,
        )
    print("Ctrl-C to stop.", flush=True)

    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    try:
        while not stop.wait(0.5):
            pass
    finally:
        server.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
