"""The project's emulator of an Amazon OpenSearch Service domain's snapshot API (see README.md)."""

from tests.emulator.domain import EmulatedDomain
from tests.emulator.engine import S3Store
from tests.emulator.indices import IndexRecord, IndexSnapshot, RecoveryProgress
from tests.emulator.model import (
    FAILED,
    IN_PROGRESS,
    PARTIAL,
    SUCCESS,
    Fault,
    RecordedRequest,
    SnapshotProgress,
    SnapshotRecord,
)
from tests.emulator.server import EmulatorServer, serve
from tests.emulator.sigv4 import EmulatorCredentials

__all__ = [
    "FAILED",
    "IN_PROGRESS",
    "PARTIAL",
    "SUCCESS",
    "EmulatedDomain",
    "EmulatorCredentials",
    "EmulatorServer",
    "Fault",
    "IndexRecord",
    "IndexSnapshot",
    "RecordedRequest",
    "RecoveryProgress",
    "S3Store",
    "SnapshotProgress",
    "SnapshotRecord",
    "serve",
]
