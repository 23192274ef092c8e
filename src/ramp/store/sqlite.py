"""SQLite store: the embedded default. WAL mode, synchronous=FULL: a commit is on disk.

One connection, used by the single writer and by readers under a lock; WAL lets a reader see
the last committed batch while a batch is being written. Each batch is one transaction.

One writer per file: a writer holds an exclusive lock on `<path>-writer.lock` (flock, released
by the kernel when the process dies, even by SIGKILL), so `ramp identity add` cannot write
beside a running server. `readonly=True` opens without that lock (audits, exports of a live
store) and refuses every write.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import quote

from ramp.store.base import (
    BatchWrite,
    LastBatch,
    StoreError,
    encode_balance_changes,
    fold_balance_changes,
    iter_entry_runs,
    slice_runs,
)
from ramp.store.schema import MIGRATIONS_TABLE, pending_migrations, scan_sql

_RUNS_PER_READ = 16  # runs fetched per query while streaming: bounded memory


def _lock_writer(path: str) -> int:
    """Take the file's writer lock, or StoreError naming who to stop."""
    fd = os.open(path + "-writer.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise StoreError(
            f"{path} is already open by another writer (a running `ramp serve`?); stop it first,"
            " or open it read-only"
        ) from None
    return fd


class SQLiteStore:
    """The journal on one SQLite file."""

    dialect = "sqlite"

    def __init__(self, path: str, *, synchronous: str = "FULL", readonly: bool = False) -> None:
        self.path = path
        self.readonly = readonly
        self._writer_lock: int | None = None
        try:
            if readonly:
                if not os.path.exists(path):
                    raise StoreError(f"cannot open {path} read-only: no such file")
                self._db = sqlite3.connect(f"file:{quote(path)}?mode=ro", uri=True, isolation_level=None,
                                           check_same_thread=False)  # fmt: skip
                self._db.execute("PRAGMA busy_timeout=5000")
                self._check_schema()
            else:
                self._writer_lock = _lock_writer(path)
                self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
                self._db.execute("PRAGMA journal_mode=WAL")
                # FULL: the WAL is fsynced at every commit, so an acknowledged batch survives a
                # crash or power loss. Tests of non-durable paths may pass OFF; production never.
                self._db.execute(f"PRAGMA synchronous={synchronous}")
                self._db.execute("PRAGMA busy_timeout=5000")
                self._migrate()
        except sqlite3.Error as exc:
            self._release_writer_lock()
            raise StoreError(f"cannot open {path}: {exc}") from exc
        except BaseException:
            self._release_writer_lock()
            raise
        self._lock = threading.RLock()

    def _release_writer_lock(self) -> None:
        if self._writer_lock is not None:
            os.close(self._writer_lock)  # closing the descriptor drops the flock
            self._writer_lock = None

    def _check_schema(self) -> None:
        try:
            have = {v for (v,) in self._db.execute("SELECT version FROM schema_migrations")}
        except sqlite3.OperationalError as exc:
            raise StoreError(f"{self.path} is not a RAMP store: {exc}") from exc
        if pending_migrations(self.dialect, have):
            raise StoreError(f"{self.path} needs a schema migration: open it once as a writer")

    def _writable(self) -> None:
        if self.readonly:
            raise StoreError(f"{self.path} is open read-only")

    def _migrate(self) -> None:
        db = self._db
        db.execute(MIGRATIONS_TABLE)
        have = {v for (v,) in db.execute("SELECT version FROM schema_migrations")}
        for version, name, statements in pending_migrations(self.dialect, have):
            db.execute("BEGIN IMMEDIATE")
            try:
                for stmt in statements:
                    db.execute(stmt)
                db.execute(
                    "INSERT INTO schema_migrations (version, name, applied_ns) VALUES (?, ?, ?)",
                    (version, name, time.time_ns()),
                )
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise

    def schema_version(self) -> int:
        with self._lock:
            (v,) = self._db.execute("SELECT MAX(version) FROM schema_migrations").fetchone()
            return int(v)

    # --- write ---------------------------------------------------------------------------
    def commit(self, batch: BatchWrite) -> None:
        self._writable()
        db = self._db
        count = batch.size - batch.first_seq
        with self._lock:
            try:
                db.execute("BEGIN IMMEDIATE")
                db.execute(
                    "INSERT INTO entry_runs (first_seq, count, data) VALUES (?, ?, ?)",
                    (batch.first_seq, count, batch.entries),
                )
                db.execute(
                    "INSERT INTO body_runs (first_seq, count, data) VALUES (?, ?, ?)",
                    (batch.first_seq, count, batch.openings),
                )
                db.executemany("INSERT INTO hash_runs (level, first_index, data) VALUES (?, ?, ?)", batch.hash_runs)
                db.execute(
                    "INSERT INTO balance_changes (size, data) VALUES (?, ?)", (batch.size, encode_balance_changes(batch.balances))
                )
                db.execute(
                    "INSERT INTO batches (size, first_seq, root, committed_ns, checkpoint) VALUES (?, ?, ?, ?, ?)",
                    (batch.size, batch.first_seq, batch.root, batch.committed_ns, batch.checkpoint),
                )
                db.execute("COMMIT")
            except sqlite3.Error as exc:
                if db.in_transaction:
                    db.execute("ROLLBACK")
                raise StoreError(f"commit of batch ending at {batch.size} failed: {exc}") from exc

    def put_meta(self, key: str, value: str) -> None:
        """Set a deployment fact once (origin, keys); a different second value is refused."""
        self._writable()
        with self._lock:
            old = self.get_meta(key)
            if old is not None:
                if old != value:
                    raise StoreError(f"meta {key!r} is already set to a different value")
                return
            self._db.execute("INSERT INTO meta (key, value) VALUES (?, ?)", (key, value))

    # --- read ----------------------------------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        with self._lock:
            row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else row[0]

    def log_size(self) -> int:
        last = self.last_batch()
        return 0 if last is None else last.size

    def last_batch(self) -> LastBatch | None:
        with self._lock:
            row = self._db.execute(
                "SELECT size, root, checkpoint FROM batches ORDER BY size DESC LIMIT 1"
            ).fetchone()
        return None if row is None else LastBatch(int(row[0]), bytes(row[1]), row[2])

    def checkpoints(self) -> list[tuple[int, str | None]]:
        """(size, signed checkpoint) of every committed batch, oldest first."""
        with self._lock:
            rows = self._db.execute("SELECT size, checkpoint FROM batches ORDER BY size").fetchall()
        return [(int(size), note) for size, note in rows]

    def add_cosignature(self, size: int, witness: str, line: str) -> None:
        """Record a witness's cosignature of the checkpoint at `size` (the first one wins)."""
        self._writable()
        with self._lock:
            try:
                self._db.execute(
                    "INSERT INTO cosignatures (size, witness, line, received_ns) VALUES (?, ?, ?, ?)"
                    " ON CONFLICT (size, witness) DO NOTHING",
                    (size, witness, line, time.time_ns()),
                )
            except sqlite3.Error as exc:
                raise StoreError(f"cannot record a cosignature: {exc}") from exc

    def cosignatures(self, size: int) -> list[tuple[str, str]]:
        """(witness key, cosignature line) for the checkpoint at `size`."""
        with self._lock:
            rows = self._db.execute(
                "SELECT witness, line FROM cosignatures WHERE size = ? ORDER BY witness", (size,)
            ).fetchall()
        return [(w, line) for w, line in rows]

    def iter_entries(self, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        """Entries [start, end) in seq order, streamed run by run (bounded memory)."""
        if end is None:
            end = self.log_size()
        yield from iter_entry_runs(lambda seq, end: self._fetch_runs("entry_runs", seq, end), start, end)

    def iter_openings(self, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        """The entries' openings (salt || body) [start, end), as `iter_entries` streams entries."""
        if end is None:
            end = self.log_size()
        yield from iter_entry_runs(lambda seq, end: self._fetch_runs("body_runs", seq, end), start, end)

    def _fetch_runs(self, table: str, seq: int, end: int) -> list[tuple[int, int, bytes]]:
        assert table in ("entry_runs", "body_runs")
        with self._lock:
            rows = self._db.execute(
                f"SELECT first_seq, count, data FROM {table}"
                " WHERE first_seq <= ? ORDER BY first_seq DESC LIMIT 1",
                (seq,),
            ).fetchall()
            rows += self._db.execute(
                f"SELECT first_seq, count, data FROM {table} WHERE first_seq > ? AND first_seq < ?"
                " ORDER BY first_seq LIMIT ?",
                (seq, end, _RUNS_PER_READ),
            ).fetchall()
        return rows

    def read_hashes(self, level: int, start: int, end: int) -> bytes:
        """Hashes [start, end) of tile level `level` (tree level 8*level), concatenated."""
        with self._lock:
            rows = self._db.execute(
                "SELECT first_index, data FROM hash_runs WHERE level = ? AND first_index <= ?"
                " ORDER BY first_index DESC LIMIT 1",
                (level, start),
            ).fetchall()
            rows += self._db.execute(
                "SELECT first_index, data FROM hash_runs WHERE level = ? AND first_index > ? AND first_index < ?"
                " ORDER BY first_index",
                (level, start, end),
            ).fetchall()
        return slice_runs(rows, start, end, 32)

    def balances(self, size: int | None = None) -> dict[str, tuple[int, int, int, int]]:
        """Balances after the batch ending at `size` (default: the last), folded from changes."""
        with self._lock:
            rows = self._db.execute(
                "SELECT data FROM balance_changes WHERE size <= ? ORDER BY size",
                (2**63 - 1 if size is None else size,),
            ).fetchall()
        return fold_balance_changes(data for (data,) in rows)

    # --- audit ---------------------------------------------------------------------------
    @contextmanager
    def read_snapshot(self) -> Iterator[None]:
        """Every read inside sees one committed state (a WAL read transaction), even beside a
        writer committing batches meanwhile; writes nothing."""
        with self._lock:
            self._db.execute("BEGIN DEFERRED")
            try:
                yield
            finally:
                self._db.execute("ROLLBACK")

    def scan(self, table: str) -> Iterator[tuple]:
        """Every row of a schema table in primary-key order, streamed (see schema.TABLE_COLUMNS)."""
        sql = scan_sql(table)
        with self._lock:
            try:
                yield from self._db.execute(sql)
            except sqlite3.Error as exc:
                raise StoreError(f"cannot read {table}: {exc}") from exc

    def close(self) -> None:
        with self._lock:
            self._db.close()
            self._release_writer_lock()
