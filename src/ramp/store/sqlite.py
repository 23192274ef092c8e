"""SQLite store: the embedded default. WAL mode, synchronous=FULL: a commit is on disk.

One connection, used by the single writer and by readers under a lock; WAL lets a reader see
the last committed batch while a batch is being written. Each batch is one transaction.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator

import msgspec

from ramp.store.base import (
    BatchWrite,
    StoreCorrupt,
    StoreError,
    decode_bundle,
    fold_balance_changes,
)
from ramp.store.schema import MIGRATIONS_TABLE, latest_version, migrations

_json_encode = msgspec.json.Encoder().encode


class SQLiteStore:
    """The journal on one SQLite file."""

    dialect = "sqlite"

    def __init__(self, path: str, *, synchronous: str = "FULL") -> None:
        self.path = path
        try:
            self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
            self._db.execute("PRAGMA journal_mode=WAL")
            # FULL: the WAL is fsynced at every commit, so an acknowledged batch survives a
            # crash or power loss. Tests of non-durable paths may pass OFF; production never.
            self._db.execute(f"PRAGMA synchronous={synchronous}")
            self._db.execute("PRAGMA busy_timeout=5000")
            self._migrate()
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open {path}: {exc}") from exc
        self._lock = threading.RLock()

    def _migrate(self) -> None:
        db = self._db
        db.execute(MIGRATIONS_TABLE)
        have = {v for (v,) in db.execute("SELECT version FROM schema_migrations")}
        if have and max(have) > latest_version():
            raise StoreError(
                f"database schema {max(have)} is newer than this program ({latest_version()})"
            )
        for version, name, statements in migrations(self.dialect):
            if version in have:
                continue
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
        db = self._db
        with self._lock:
            try:
                db.execute("BEGIN IMMEDIATE")
                db.executemany(
                    "INSERT INTO entry_segments (bundle, upto, data) VALUES (?, ?, ?)",
                    batch.entry_segments,
                )
                db.executemany(
                    "INSERT INTO hash_segments (level, tile, upto, data) VALUES (?, ?, ?, ?)",
                    batch.hash_segments,
                )
                size = batch.size
                db.execute(
                    "INSERT INTO balance_changes (size, data) VALUES (?, ?)",
                    (size, _json_encode(batch.balances)),
                )
                db.execute(
                    "INSERT INTO batches (size, first_seq, root, committed_ns, checkpoint) VALUES (?, ?, ?, ?, ?)",
                    (size, batch.first_seq, batch.root, batch.committed_ns, batch.checkpoint),
                )
                db.execute("COMMIT")
            except sqlite3.Error as exc:
                if db.in_transaction:
                    db.execute("ROLLBACK")
                raise StoreError(f"commit of batch ending at {batch.size} failed: {exc}") from exc

    def put_meta(self, key: str, value: str) -> None:
        """Set a deployment fact once (origin, keys); a different second value is refused."""
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
        return 0 if last is None else last[0]

    def last_batch(self) -> tuple[int, bytes, str | None] | None:
        with self._lock:
            row = self._db.execute(
                "SELECT size, root, checkpoint FROM batches ORDER BY size DESC LIMIT 1"
            ).fetchone()
        return None if row is None else (int(row[0]), bytes(row[1]), row[2])

    def iter_entries(self, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        """Entries [start, end) in seq order, read bundle by bundle."""
        if end is None:
            end = self.log_size()
        bundle = start // 256
        seq = bundle * 256
        chunk = 64  # bundles per query: bounded memory while streaming a whole log
        while seq < end:
            last_bundle = min((end - 1) // 256, bundle + chunk - 1)
            with self._lock:
                rows = self._db.execute(
                    "SELECT bundle, data FROM entry_segments WHERE bundle BETWEEN ? AND ? ORDER BY bundle, upto",
                    (bundle, last_bundle),
                ).fetchall()
            by_bundle: dict[int, list[bytes]] = {}
            for b, data in rows:
                by_bundle.setdefault(b, []).append(data)
            for b in range(bundle, last_bundle + 1):
                entries = decode_bundle(b"".join(by_bundle.get(b, [])))
                for e in entries:
                    if start <= seq < end:
                        yield e
                    seq += 1
                if seq < min(end, (b + 1) * 256):
                    raise StoreCorrupt(f"entry bundle {b} is short: log is missing entries")
            bundle = last_bundle + 1

    def read_bundle(self, bundle: int, width: int | None = None) -> bytes | None:
        with self._lock:
            rows = self._db.execute(
                "SELECT upto, data FROM entry_segments WHERE bundle = ? ORDER BY upto", (bundle,)
            ).fetchall()
        return _assemble(rows, width)

    def read_tile(self, level: int, tile: int, width: int | None = None) -> bytes | None:
        with self._lock:
            rows = self._db.execute(
                "SELECT upto, data FROM hash_segments WHERE level = ? AND tile = ? ORDER BY upto",
                (level, tile),
            ).fetchall()
        data = _assemble(rows, width, item=32)
        return data

    def balances(self, size: int | None = None) -> dict[str, tuple[int, int, int, int]]:
        """Balances after the batch ending at `size` (default: the last), folded from changes."""
        with self._lock:
            rows = self._db.execute(
                "SELECT data FROM balance_changes WHERE size <= ? ORDER BY size",
                (2**63 - 1 if size is None else size,),
            ).fetchall()
        return fold_balance_changes(data for (data,) in rows)

    def close(self) -> None:
        with self._lock:
            self._db.close()


def _assemble(
    rows: list[tuple[int, bytes]], width: int | None, item: int | None = None
) -> bytes | None:
    """Concatenate segments up to `width` items (all when None); None if not that wide yet."""
    parts = []
    have = 0
    for upto, data in rows:
        if width is not None and have >= width:
            break
        parts.append(bytes(data))
        have = upto
    if not rows or (width is not None and have < width):
        return None
    if width is not None and have > width:
        if item is None:
            return None  # an entry bundle cut inside a segment: callers ask for segment ends
        joined = b"".join(parts)
        return joined[: width * item]
    return b"".join(parts)
