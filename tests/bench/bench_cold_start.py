"""Cold-start cost of each handler: the time to import it in a fresh Python process.

Run: ``python -m tests.bench.bench_cold_start [--runs 7] [--breakdown]``. Prints a table; asserts
nothing. ``--breakdown`` adds, per handler, what its heaviest dependencies cost (one extra run
with ``-X importtime``, cumulative microseconds of each package's first import).

Each figure is the median over ``--runs`` fresh subprocesses of the time ``import app`` takes
inside the subprocess (so interpreter start-up is not counted), taken in rounds that import every
handler and the references once each, so that load changing during the run hits every row alike, with
``PYTHONPATH=layers/common:functions/<handler>`` and the project venv's Python, as the Lambda
runtime sees the layer and the function. Two clocks: CPU time (``time.process_time``), which is
what wall time would be on an idle core and barely moves when other work shares the machine, and
wall time (``time.perf_counter``), which grows with the machine's load. The ratio to the naive
handler uses CPU time. By default one unmeasured run first writes the bytecode caches;
``--cold-bytecode`` compiles every module on each import instead, which is what Lambda sees:
``sam build`` ships no ``.pyc`` files and ``/opt`` is read-only, so no cache is ever written.

Tracing: by default the subprocesses run outside Lambda, so the handlers' tracer is off and the
X-Ray SDK is never imported, as in a stack deployed with ``Tracing=PassThrough``. ``--traced``
sets ``LAMBDA_TASK_ROOT`` as the Lambda runtime does, so the import builds Powertools' Tracer and
loads the X-Ray SDK, as in a stack deployed with ``Tracing=Active`` (the default).

The reference is a naive handler that imports boto3, requests, requests-aws4auth and Powertools.
Issue 2's target: each snapshot Lambda (validate, take, check, retention) at most half of it,
which means they must not import boto3.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LAYER = ROOT / "layers" / "common"
FUNCTIONS = ROOT / "functions"
HANDLERS = ("validate_input", "take_snapshot", "check_snapshot", "apply_retention", "send_alert", "register_repository")
SNAPSHOT_PATH = frozenset({"validate_input", "take_snapshot", "check_snapshot", "apply_retention"})
TARGET_RATIO = 0.5

NAIVE_HANDLER = """\
import boto3
import requests
from aws_lambda_powertools import Logger
from requests_aws4auth import AWS4Auth

logger = Logger()


def lambda_handler(event, context):
    return {}
"""
BOTO3_ONLY = "import boto3\n"
NAIVE_LABEL = "naive (boto3+requests+aws4auth+powertools)"
BOTO3_LABEL = "boto3 alone"

BREAKDOWN_PACKAGES = (
    "snapshot_sentinel",
    "requests",
    "urllib3",
    "requests_aws4auth",
    "aws_lambda_powertools",
    "boto3",
    "botocore",
    "aws_xray_sdk",
)

PROBE = """\
import sys, time
wall, cpu = time.perf_counter(), time.process_time()
import app
print(time.perf_counter() - wall, time.process_time() - cpu, int("boto3" in sys.modules))
"""


@dataclass(frozen=True)
class Measurement:
    label: str
    seconds: list[float]  # wall time of each import
    cpu_seconds: list[float]  # CPU time of each import
    loads_boto3: bool

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def cpu_median(self) -> float:
        return statistics.median(self.cpu_seconds)


def venv_python() -> str:
    candidate = ROOT / ".venv" / "bin" / "python"
    return str(candidate) if candidate.exists() else sys.executable


TRACING_VARIABLES = ("LAMBDA_TASK_ROOT", "POWERTOOLS_TRACE_DISABLED", "AWS_SAM_LOCAL", "AWS_CHALICE_CLI_MODE")


def _environment(handler_dir: Path, *, traced: bool = False) -> dict[str, str]:
    environ = {
        key: value for key, value in os.environ.items() if not key.startswith("PYTHON") and key not in TRACING_VARIABLES
    }
    environ["PYTHONPATH"] = os.pathsep.join([str(LAYER), str(handler_dir)])
    if traced:
        environ["LAMBDA_TASK_ROOT"] = str(handler_dir)
    return environ


def import_once(
    python: str, handler_dir: Path, *, cold_bytecode: bool = False, traced: bool = False
) -> tuple[float, float, bool]:
    """One import in a fresh process; ``cold_bytecode`` compiles every module afresh (empty cache),
    ``traced`` imports it as in Lambda with tracing on."""
    environ = _environment(handler_dir, traced=traced)
    with tempfile.TemporaryDirectory(prefix="pycache-") as empty_cache:
        if cold_bytecode:
            environ["PYTHONPYCACHEPREFIX"] = empty_cache
        completed = subprocess.run([python, "-c", PROBE], cwd=handler_dir, env=environ, capture_output=True, text=True)
    if completed.returncode != 0:
        raise RuntimeError(f"importing {handler_dir / 'app.py'} failed:\n{completed.stderr.strip()}")
    wall, cpu, boto3_loaded = completed.stdout.split()
    return float(wall), float(cpu), boto3_loaded == "1"


def breakdown(python: str, handler_dir: Path, *, traced: bool = False) -> dict[str, float]:
    """Cumulative import time in ms of each package in BREAKDOWN_PACKAGES that the handler loads."""
    completed = subprocess.run(
        [python, "-X", "importtime", "-c", "import app"],
        cwd=handler_dir,
        env=_environment(handler_dir, traced=traced),
        capture_output=True,
        text=True,
    )
    costs: dict[str, float] = {}
    for line in completed.stderr.splitlines():
        fields = line.removeprefix("import time:").split("|")
        if len(fields) != 3 or not fields[1].strip().isdigit():
            continue
        package = fields[2].strip()
        if package in BREAKDOWN_PACKAGES and package not in costs:
            costs[package] = int(fields[1]) / 1000
    return costs


def measure_in_rounds(
    subjects: list[tuple[str, Path, bool]], python: str, runs: int, *, cold_bytecode: bool
) -> dict[str, Measurement]:
    """Each (label, directory, traced) imported ``runs`` times, in rounds that import every subject
    once: a change in the machine's load during the run weighs on every row alike, so the ratios
    to the naive handler stay comparable even when the absolute figures drift."""
    for _, handler_dir, traced in subjects:
        import_once(python, handler_dir, traced=traced)
    samples: dict[str, list[tuple[float, float, bool]]] = {label: [] for label, _, _ in subjects}
    for _ in range(runs):
        for label, handler_dir, traced in subjects:
            samples[label].append(import_once(python, handler_dir, cold_bytecode=cold_bytecode, traced=traced))
    return {
        label: Measurement(
            label,
            [wall for wall, _, _ in taken],
            [cpu for _, cpu, _ in taken],
            any(loaded for _, _, loaded in taken),
        )
        for label, taken in samples.items()
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="fresh processes per handler (default 7)")
    parser.add_argument("--breakdown", action="store_true", help="also show the heaviest dependencies per handler")
    parser.add_argument(
        "--cold-bytecode", action="store_true", help="compile every module on import, as without shipped .pyc files"
    )
    parser.add_argument(
        "--traced", action="store_true", help="import as in Lambda with tracing on (a stack with Tracing=Active)"
    )
    args = parser.parse_args(argv)
    python = venv_python()

    present = [name for name in HANDLERS if (FUNCTIONS / name / "app.py").exists()]
    missing = [name for name in HANDLERS if name not in present]
    with (
        tempfile.TemporaryDirectory(prefix="naive-handler-") as naive_dir,
        tempfile.TemporaryDirectory(prefix="boto3-only-") as boto3_dir,
    ):
        (Path(naive_dir) / "app.py").write_text(NAIVE_HANDLER)
        (Path(boto3_dir) / "app.py").write_text(BOTO3_ONLY)
        subjects = [(name, FUNCTIONS / name, args.traced) for name in present]
        subjects += [(NAIVE_LABEL, Path(naive_dir), False), (BOTO3_LABEL, Path(boto3_dir), False)]
        rows = measure_in_rounds(subjects, python, args.runs, cold_bytecode=args.cold_bytecode)
    measured = [(name, rows[name]) for name in present]
    naive, boto3_only = rows[NAIVE_LABEL], rows[BOTO3_LABEL]

    caches = "no bytecode caches, every module compiled" if args.cold_bytecode else "bytecode cached"
    tracing = "tracing on, as Tracing=Active in Lambda" if args.traced else "tracing off, as Tracing=PassThrough"
    print(f"Handler import time in a fresh process: median of {args.runs} runs, {caches}, {tracing} ({python})")
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"{os.cpu_count()} cores, load average {load}; x naive compares CPU times")
    print()
    header = (
        f"{'handler':<44} {'cpu ms':>7} {'wall ms':>8} {'wall min':>8} {'wall max':>8}"
        f" {'x naive':>7}  {'boto3':<5}  target"
    )
    print(header)
    print("-" * len(header))
    for name, row in measured:
        ratio = row.cpu_median / naive.cpu_median
        if name in SNAPSHOT_PATH:
            target = f"<= {TARGET_RATIO:.2f}: {'met' if ratio <= TARGET_RATIO else 'MISSED'}"
        else:
            target = "-"
        print(_row(row, ratio, target))
    print("-" * len(header))
    print(_row(naive, 1.0, "reference"))
    print(_row(boto3_only, boto3_only.cpu_median / naive.cpu_median, "reference"))
    if missing:
        print()
        print(f"not measured (no functions/<name>/app.py yet): {', '.join(missing)}")
    if args.breakdown:
        print()
        print("cumulative import time of each dependency, ms (-X importtime, one run; nested packages overlap)")
        for name, _ in measured:
            costs = breakdown(python, FUNCTIONS / name, traced=args.traced)
            print(f"  {name:<20} " + ", ".join(f"{package} {ms:.1f}" for package, ms in costs.items()))


def _row(row: Measurement, ratio: float, target: str) -> str:
    return (
        f"{row.label:<44} {row.cpu_median * 1000:>7.1f} {row.median * 1000:>8.1f}"
        f" {min(row.seconds) * 1000:>8.1f} {max(row.seconds) * 1000:>8.1f}"
        f" {ratio:>7.2f}  {'yes' if row.loads_boto3 else 'no':<5}  {target}"
    )


if __name__ == "__main__":
    main()
