"""Start the real engine behind Amazon's front until Ctrl-C: ``python -m tests.engine --port 9200``.

Builds the launcher with Maven when needed (first use downloads OpenSearch into ~/.m2), starts a
single-node OpenSearch 2.19 on a free port of 127.0.0.1, then serves the front on ``--port``. The
engine's data and its repositories (s3 registrations land under ``repo/<bucket>/<base_path>``) live in
a temporary directory removed on exit, unless ``--workdir`` names one to keep.
"""

from __future__ import annotations

import argparse
import errno
import shlex
import signal
import sys
import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path

from tests.emulator.server import EmulatorServer
from tests.emulator.sigv4 import EmulatorCredentials
from tests.engine.front import EngineFront
from tests.engine.launcher import EngineProcess, EngineUnavailable


def cannot_listen(port: int, error: OSError) -> str:
    reason = "is already in use" if error.errno == errno.EADDRINUSE else f"cannot be used ({error.strerror})"
    return f"make engine: port {port} on 127.0.0.1 {reason}; pick another with PORT=... (make engine PORT=9201)"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.engine", description=__doc__)
    parser.add_argument("--port", type=int, default=9200, help="the front's port on 127.0.0.1 (0: any free port)")
    parser.add_argument("--engine-port", type=int, default=0, help="the engine's own HTTP port (0: any free port)")
    parser.add_argument("--region", default="us-east-1")
    parser.add_argument("--no-sigv4", action="store_true", help="the front accepts unsigned requests")
    parser.add_argument("--workdir", type=Path, help="keep the engine's data here (default: a temporary directory)")
    args = parser.parse_args(argv)

    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())

    with tempfile.TemporaryDirectory(prefix="snapshot-sentinel-engine-") as scratch:
        engine = EngineProcess(args.workdir or Path(scratch), port=args.engine_port)
        try:
            engine.start()
        except EngineUnavailable as error:
            print(f"make engine: {error}", file=sys.stderr)
            return 2
        try:
            credentials = None if args.no_sigv4 else EmulatorCredentials.testing()
            front = EngineFront(engine.endpoint, engine.repository_root, credentials=credentials, region=args.region)
            try:
                server = EmulatorServer(front, args.port).start()
            except OSError as error:
                print(cannot_listen(args.port, error), file=sys.stderr)
                return 2
            print(engine.ready_line, flush=True)
            signing = "unsigned requests accepted" if credentials is None else f"SigV4 for service es in {args.region}"
            print(
                f"front: {server.endpoint} (Amazon's front: {signing}; s3 repositories on fs under "
                f"{engine.repository_root})",
                flush=True,
            )
            if credentials is not None:
                for name, value in credentials.as_environment().items():
                    print(f"  export {name}={shlex.quote(value)}", flush=True)
                print(f"  export AWS_REGION={args.region} DOMAIN_ENDPOINT={server.endpoint}", flush=True)
            print("Ctrl-C to stop.", flush=True)
            try:
                while not stop.wait(0.5) and engine.running:
                    pass
            finally:
                server.close()
        finally:
            engine.stop()
            print("engine: stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
