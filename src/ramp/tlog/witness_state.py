"""A witness's durable memory: the latest cosigned tree head per log origin, in SQLite.

Each update is a compare-and-set inside one IMMEDIATE transaction with synchronous=FULL, so
the check "old size is what I last cosigned" and the write of the new head are atomic, even
between processes sharing the file, and survive power loss once acknowledged.
"""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path

from ramp.tlog.merkle import EMPTY_ROOT, HASH_SIZE, TREE_SIZE_MAX

# How long a writer waits for another process holding the database lock.
STATE_BUSY_TIMEOUT_S = 10.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS log_state (
    origin     TEXT PRIMARY KEY,
    size       TEXT NOT NULL,   -- decimal: tree sizes are uint64, SQLite integers are int64
    root_hash  BLOB NOT NULL,
    checkpoint TEXT NOT NULL    -- the cosigned checkpoint body, kept as evidence
) STRICT
"""


@dataclass(frozen=True, slots=True)
class LogState:
    size: int
    root_hash: bytes

    def __post_init__(self) -> None:
        assert 0 <= self.size <= TREE_SIZE_MAX, "tree size is a uint64"
        assert len(self.root_hash) == HASH_SIZE, "root hash is 32 bytes"


# What a witness knows of a log it has never cosigned: the empty tree.
EMPTY_STATE = LogState(0, EMPTY_ROOT)


class StateConflictError(Exception):
    """The stored state moved since it was read; `current` is what is stored now."""

    def __init__(self, current: LogState) -> None:
        super().__init__(f"stored tree size is {current.size}")
        self.current = current


class WitnessStateStore:
    """Thread-safe; one connection, serialised by a lock (each call is a few ms at most)."""

    def __init__(self, path: Path | str) -> None:
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(
            str(path),
            isolation_level=None,  # explicit BEGIN/COMMIT below
            check_same_thread=False,
            timeout=STATE_BUSY_TIMEOUT_S,
        )
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=FULL")
        self._conn.execute(_SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def get(self, origin: str) -> LogState:
        with self._lock:
            return self._read(origin)

    def _read(self, origin: str) -> LogState:
        row = self._conn.execute(
            "SELECT size, root_hash FROM log_state WHERE origin = ?", (origin,)
        ).fetchone()
        if row is None:
            return EMPTY_STATE
        return LogState(int(row[0]), bytes(row[1]))

    def advance(self, origin: str, expected: LogState, new: LogState, checkpoint: str) -> None:
        """Replace `expected` by `new` for `origin`, or raise StateConflictError."""
        assert new.size >= expected.size, "a witness never rolls a log back"
        assert new.size != expected.size or new.root_hash == expected.root_hash, "fork"
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                current = self._read(origin)
                if current != expected:
                    raise StateConflictError(current)
                self._conn.execute(
                    "INSERT INTO log_state (origin, size, root_hash, checkpoint)"
                    " VALUES (?, ?, ?, ?) ON CONFLICT (origin) DO UPDATE SET"
                    " size = excluded.size, root_hash = excluded.root_hash,"
                    " checkpoint = excluded.checkpoint",
                    (origin, str(new.size), new.root_hash, checkpoint),
                )
                self._conn.execute("COMMIT")
            except BaseException:
                if self._conn.in_transaction:
                    self._conn.execute("ROLLBACK")
                raise
            stored = self._read(origin)
        assert stored == new, "state read back differs from state written"
