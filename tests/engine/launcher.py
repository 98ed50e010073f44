"""Build and run the real engine: a single-node OpenSearch 2.19 in one JVM (java/, a Maven project).

``build()`` compiles the launcher and writes its classpath with Maven (Maven Central on first use, then
~/.m2); ``EngineProcess.start()`` runs it with a small heap in a directory of its own and returns once
the node answers on its HTTP port. Java 17+ and Maven are the only tools needed; without them
``EngineUnavailable`` says which one is missing and how to get it.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Sequence
from pathlib import Path

JAVA_PROJECT = Path(__file__).resolve().parent / "java"
CLASSPATH_FILE = JAVA_PROJECT / "target" / "classpath.txt"
CLASSES = JAVA_PROJECT / "target" / "classes"
MAIN_CLASS = "dev.snapshotsentinel.engine.EngineLauncher"
READY = re.compile(
    r"^engine: OpenSearch (?P<version>\S+) at http://127\.0\.0\.1:(?P<port>\d+) \(java pid (?P<pid>\d+)\)$"
)
JVM_OPTIONS = (
    "-Xms256m",
    "-Xmx512m",
    "-XX:+UseSerialGC",  # one GC thread: the machine is shared
    "-XX:TieredStopAtLevel=1",  # C1 only: starts faster, compiles less, plenty for a test engine
    "-Djava.awt.headless=true",
    "-Dfile.encoding=UTF-8",
    "-Dlog4j2.disable.jmx=true",
)
START_TIMEOUT_SECONDS = 180.0
MINIMUM_JAVA = 17


class EngineUnavailable(RuntimeError):
    """Java or Maven is missing (or too old), or the engine did not start: the message says what to do."""


def java_command() -> str:
    """The java to run: $JAVA_HOME/bin/java, else the one on PATH; 17 or newer."""
    home = os.environ.get("JAVA_HOME")
    java = str(Path(home) / "bin" / "java") if home else shutil.which("java")
    if not java or not Path(java).exists():
        raise EngineUnavailable(
            "the real engine needs Java 17 or newer: none found (install a JDK, e.g. `apt-get install "
            "openjdk-17-jdk-headless`, or set JAVA_HOME)"
        )
    found = subprocess.run([java, "-version"], capture_output=True, text=True, check=False).stderr
    match = re.search(r'version "(\d+)(?:\.(\d+))?', found)
    major = int(match.group(1)) if match else 0
    if major == 1 and match and match.group(2):  # "1.8.0_392"
        major = int(match.group(2))
    if major < MINIMUM_JAVA:
        raise EngineUnavailable(
            f"the real engine needs Java {MINIMUM_JAVA} or newer; {java} is Java {major or 'of unknown version'} "
            "(set JAVA_HOME to a JDK 17+)"
        )
    return java


def maven_command() -> str:
    mvn = shutil.which("mvn")
    if not mvn:
        raise EngineUnavailable(
            "the real engine is built with Maven: `mvn` is not on PATH (install it, e.g. `apt-get install maven`)"
        )
    return mvn


def _stale() -> bool:
    if not CLASSPATH_FILE.exists():
        return True
    built = CLASSPATH_FILE.stat().st_mtime
    sources = [JAVA_PROJECT / "pom.xml", *JAVA_PROJECT.joinpath("src").rglob("*.java")]
    return any(source.stat().st_mtime > built for source in sources)


def build(*, quiet: bool = False) -> list[str]:
    """Compile the launcher and resolve its classpath (Maven downloads OpenSearch on first use); the
    classpath, launcher classes first. Does nothing when nothing changed since the last build."""
    java_command()
    if _stale():
        mvn = maven_command()
        if not quiet:
            print(
                "== maven: building the engine launcher (first use downloads OpenSearch 2.19 and its "
                "dependencies, about 60 MB, into ~/.m2)",
                flush=True,
            )
        command = [mvn, "-q", "-B", "compile", "dependency:build-classpath", f"-Dmdep.outputFile={CLASSPATH_FILE}"]
        done = subprocess.run(command, cwd=JAVA_PROJECT, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise EngineUnavailable(
                f"Maven could not build the engine launcher in {JAVA_PROJECT} (exit {done.returncode}):\n"
                + (done.stdout + done.stderr)[-3000:]
            )
    return [str(CLASSES), *CLASSPATH_FILE.read_text().strip().split(os.pathsep)]


class EngineProcess:
    """One running engine: ``endpoint``, ``version``, ``pid``; ``stop()`` closes the node and the JVM."""

    def __init__(self, workdir: Path, *, port: int = 0, jvm_options: Sequence[str] = JVM_OPTIONS) -> None:
        self.workdir = workdir
        self.repository_root = workdir / "repo"
        self.requested_port = port
        self.jvm_options = tuple(jvm_options)
        self.log_path = workdir / "engine.log"
        self.endpoint = ""
        self.version = ""
        self.port = 0
        self.pid = 0
        self.ready_line = ""
        self._process: subprocess.Popen[str] | None = None
        self._drain: threading.Thread | None = None

    def start(self, *, quiet: bool = False) -> EngineProcess:
        classpath = build(quiet=quiet)
        self.workdir.mkdir(parents=True, exist_ok=True)
        command = [
            java_command(),
            *self.jvm_options,
            "-cp",
            os.pathsep.join(classpath),
            MAIN_CLASS,
            str(self.requested_port),
            str(self.workdir / "home"),
            str(self.repository_root),
        ]
        self._process = subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.PIPE,  # the JVM stops when this closes: it never outlives its parent
            text=True,
            start_new_session=True,  # Ctrl-C reaches the Python side only, which stops the JVM in order
        )
        self._wait_until_ready()
        return self

    def _wait_until_ready(self) -> None:
        assert self._process is not None and self._process.stdout is not None
        found = threading.Event()
        log = self.log_path.open("w")
        stdout = self._process.stdout

        def drain() -> None:
            with log:
                for line in stdout:
                    log.write(line)
                    log.flush()
                    match = READY.match(line.strip())
                    if match and not found.is_set():
                        self.ready_line = line.strip()
                        self.version, self.port, self.pid = match["version"], int(match["port"]), int(match["pid"])
                        found.set()

        self._drain = threading.Thread(target=drain, name="engine-log", daemon=True)
        self._drain.start()
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while not found.wait(0.2):
            if self._process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                tail = self.log_path.read_text()[-3000:]
                raise EngineUnavailable(f"the engine did not start (log {self.log_path}):\n{tail}")
        self.endpoint = f"http://127.0.0.1:{self.port}"

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def stop(self, timeout: float = 60.0) -> None:
        """SIGTERM (the launcher's shutdown hook closes the node), then SIGKILL if it hangs."""
        process = self._process
        if process is None:
            return
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if self._drain is not None:
            self._drain.join(5)
        self._process = None

    def __enter__(self) -> EngineProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
