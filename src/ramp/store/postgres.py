"""PostgreSQL store: the production backend, same schema and semantics as the SQLite store.

Two connections: the writer (commits, meta, migrations) holds a session-level advisory lock
so that no second writer can open the same journal, and the reader serves other threads
while a batch commits. A batch is one transaction, pipelined: one round trip per commit.
The journal lives in the connection's current schema (the first existing one on search_path),
so one database can hold several journals, e.g. `?options=-csearch_path%3Dfy2025`.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager, suppress
from typing import Final

import psycopg
from psycopg.conninfo import conninfo_to_dict
from psycopg.pq import TransactionStatus

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

_RUNS_PER_READ: Final = 16  # runs fetched per query while streaming: bounded memory
# Balance rows held at once while folding; chunked fetches need libpq 17, else row by row.
_STREAM_CHUNK: Final = 64 if psycopg.pq.version() >= 170000 else 1
_CONNECT_TIMEOUT_S: Final = 10  # unless the URL says otherwise: a dead host must not hang open
_MAX_SIZE: Final = 2**63 - 1
# How long a writer waits for the journal's lock before refusing. A writer that closed or
# crashed releases it when its server session ends, which the server notices a moment
# later: the wait covers that moment, not a live second writer.
LOCK_WAIT_S: Final = 1.0

# The run holding `seq` and the runs after it, in one round trip.
_RUNS_SQL: Final = (
    "(SELECT first_seq, count, data FROM {table} WHERE first_seq <= %(seq)s"
    " ORDER BY first_seq DESC LIMIT 1)"
    " UNION ALL (SELECT first_seq, count, data FROM {table}"
    " WHERE first_seq > %(seq)s AND first_seq < %(end)s ORDER BY first_seq LIMIT %(limit)s)"
    " ORDER BY first_seq"
)
_ENTRY_RUNS_SQL: Final = _RUNS_SQL.format(table="entry_runs")
_OPENING_RUNS_SQL: Final = _RUNS_SQL.format(table="body_runs")
_HASH_RUNS_SQL: Final = (
    "(SELECT first_index, data FROM hash_runs WHERE level = %(level)s AND first_index <= %(start)s"
    " ORDER BY first_index DESC LIMIT 1)"
    " UNION ALL (SELECT first_index, data FROM hash_runs WHERE level = %(level)s"
    " AND first_index > %(start)s AND first_index < %(end)s)"
    " ORDER BY first_index"
)


@contextmanager
def _errors(what: str) -> Iterator[None]:
    """Any driver error (lost connection, constraint, I/O) becomes a StoreError."""
    try:
        yield
    except psycopg.Error as exc:
        raise StoreError(f"{what}: {exc}") from exc


def _lock_key(database: str, schema: str) -> int:
    """The advisory lock of one journal: stable across processes, versions and restarts."""
    digest = hashlib.sha256(f"ramp.journal\0{database}\0{schema}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class PostgresStore:
    """The journal in one schema of a PostgreSQL database."""

    dialect = "postgres"

    def __init__(self, url: str, *, lock_wait_s: float = LOCK_WAIT_S, readonly: bool = False) -> None:
        self.url = url
        self.readonly = readonly
        self._wlock = threading.RLock()
        self._rlock = threading.RLock()
        self._closed = False
        with _errors("cannot parse the PostgreSQL URL"):
            given = conninfo_to_dict(url)
        extra = {"application_name": "ramp-journal", "connect_timeout": _CONNECT_TIMEOUT_S}
        extra = {k: v for k, v in extra.items() if k not in given}
        if readonly:
            self._open_readonly(url, extra)
            return
        with _errors("cannot connect to PostgreSQL"):
            self._wdb = psycopg.connect(url, autocommit=True, **extra)
        try:
            with _errors("cannot open the journal"):
                self._configure_writer()
                self._lock_journal(lock_wait_s)
                self._migrate()
                self._rdb = psycopg.connect(url, autocommit=True, **extra)
        except BaseException:
            self._wdb.close()
            raise

    def _open_readonly(self, url: str, extra: dict) -> None:
        """A reader beside the writer: no advisory lock, no migration, and a session the server
        itself keeps read-only (audits and exports of a live journal)."""
        self._wdb = None
        with _errors("cannot connect to PostgreSQL"):
            self._rdb = psycopg.connect(url, autocommit=True, **extra)
        try:
            with _errors("cannot open the journal read-only"):
                self._rdb.execute("SET default_transaction_read_only = on")
                (schema,) = self._rdb.execute("SELECT current_schema()").fetchone()
                if schema is None:
                    raise StoreError("no existing schema on search_path: create it or fix the URL's options")
                self.schema = schema
                (exists,) = self._rdb.execute("SELECT to_regclass('schema_migrations') IS NOT NULL").fetchone()
                if not exists:
                    raise StoreError(f"schema {schema} holds no RAMP journal")
                have = {v for (v,) in self._rdb.execute("SELECT version FROM schema_migrations")}
                if pending_migrations(self.dialect, have):
                    raise StoreError(f"schema {schema} needs a migration: open it once as a writer")
        except BaseException:
            self._rdb.close()
            raise

    def _writable(self) -> psycopg.Connection:
        if self._wdb is None:
            raise StoreError(f"journal {self.schema} is open read-only")
        return self._wdb

    def _configure_writer(self) -> None:
        db = self._wdb
        # An acknowledged batch must survive a crash: a server (or role) default of `off`
        # is overridden for this session; stricter values (remote_apply, ...) are kept.
        (mode,) = db.execute("SHOW synchronous_commit").fetchone()
        if mode == "off":
            db.execute("SET synchronous_commit = on")
        # Runs are compressed on the way into TOAST: pglz (the server default) spends ~20 ms
        # on a full batch, two thirds of its commit; lz4 ~2 ms for about the same size. A
        # server built without lz4 refuses the setting and keeps pglz.
        with suppress(psycopg.errors.InvalidParameterValue):
            db.execute("SET default_toast_compression = lz4")

    def _lock_journal(self, wait_s: float) -> None:
        db = self._wdb
        database, schema = db.execute("SELECT current_database(), current_schema()").fetchone()
        if schema is None:
            raise StoreError("no existing schema on search_path: create it or fix the URL's options")
        self.schema = schema
        self._lock_id = _lock_key(database, schema)
        (got,) = db.execute("SELECT pg_try_advisory_lock(%s::bigint)", (self._lock_id,)).fetchone()
        if not got and wait_s > 0:
            db.execute(f"SET lock_timeout = {max(1, round(wait_s * 1000))}")
            try:
                db.execute("SELECT pg_advisory_lock(%s::bigint)", (self._lock_id,))
                got = True
            except psycopg.errors.LockNotAvailable:
                pass
            finally:
                db.execute("RESET lock_timeout")
        if not got:
            raise StoreError(
                f"journal {database}.{schema} is already open by another writer"
                f" (advisory lock {self._lock_id} is held); close that writer first"
            )

    def _migrate(self) -> None:
        db = self._wdb
        db.execute(MIGRATIONS_TABLE)
        have = {v for (v,) in db.execute("SELECT version FROM schema_migrations")}
        for version, name, statements in pending_migrations(self.dialect, have):
            with db.transaction():  # DDL is transactional: a migration applies whole or not at all
                for stmt in statements:
                    db.execute(stmt)
                db.execute(
                    "INSERT INTO schema_migrations (version, name, applied_ns) VALUES (%s, %s, %s)",
                    (version, name, time.time_ns()),
                )

    def schema_version(self) -> int:
        with self._rlock, _errors("cannot read the schema version"):
            (v,) = self._rdb.execute("SELECT MAX(version) FROM schema_migrations").fetchone()
        return int(v)

    # --- write ---------------------------------------------------------------------------
    def commit(self, batch: BatchWrite) -> None:
        db = self._writable()
        count = batch.size - batch.first_seq
        with self._wlock:
            try:
                # One round trip: BEGIN, the inserts and COMMIT go out as one pipeline and the
                # server answers at its end. After an error the server skips the rest (COMMIT
                # included) and the transaction is rolled back below: nothing becomes visible.
                with db.pipeline():
                    db.execute("BEGIN")
                    db.execute(
                        "INSERT INTO entry_runs (first_seq, count, data) VALUES (%s, %s, %b)",
                        (batch.first_seq, count, batch.entries),
                    )
                    db.execute(
                        "INSERT INTO body_runs (first_seq, count, data) VALUES (%s, %s, %b)",
                        (batch.first_seq, count, batch.openings),
                    )
                    db.cursor().executemany(
                        "INSERT INTO hash_runs (level, first_index, data) VALUES (%s, %s, %b)", batch.hash_runs
                    )
                    db.execute(
                        "INSERT INTO balance_changes (size, data) VALUES (%s, %s)",
                        (batch.size, encode_balance_changes(batch.balances).decode()),
                    )
                    db.execute(
                        "INSERT INTO batches (size, first_seq, root, committed_ns, checkpoint)"
                        " VALUES (%s, %s, %b, %s, %s)",
                        (batch.size, batch.first_seq, batch.root, batch.committed_ns, batch.checkpoint),
                    )
                    db.execute("COMMIT")
            except psycopg.Error as exc:
                self._rollback()
                raise StoreError(f"commit of batch ending at {batch.size} failed: {exc}") from exc

    def _rollback(self) -> None:
        if self._wdb.info.transaction_status in (TransactionStatus.INTRANS, TransactionStatus.INERROR):
            # A lost connection cannot roll back, but the server discards its transaction.
            with suppress(psycopg.Error):
                self._wdb.execute("ROLLBACK")

    def put_meta(self, key: str, value: str) -> None:
        """Set a deployment fact once (origin, keys); a different second value is refused."""
        db = self._writable()
        with self._wlock, _errors(f"cannot set meta {key!r}"):
            cur = db.execute(
                "INSERT INTO meta (key, value) VALUES (%s, %s) ON CONFLICT (key) DO NOTHING", (key, value)
            )
            if cur.rowcount == 1:
                return
            (old,) = db.execute("SELECT value FROM meta WHERE key = %s", (key,)).fetchone()
        if old != value:
            raise StoreError(f"meta {key!r} is already set to a different value")

    # --- read ----------------------------------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        with self._rlock, _errors(f"cannot read meta {key!r}"):
            row = self._rdb.execute("SELECT value FROM meta WHERE key = %s", (key,)).fetchone()
        return None if row is None else row[0]

    def log_size(self) -> int:
        last = self.last_batch()
        return 0 if last is None else last.size

    def last_batch(self) -> LastBatch | None:
        with self._rlock, _errors("cannot read the last batch"):
            row = self._rdb.execute(
                "SELECT size, root, checkpoint FROM batches ORDER BY size DESC LIMIT 1", binary=True
            ).fetchone()
        return None if row is None else LastBatch(int(row[0]), bytes(row[1]), row[2])

    def checkpoints(self) -> list[tuple[int, str | None]]:
        """(size, signed checkpoint) of every committed batch, oldest first."""
        with self._rlock, _errors("cannot read checkpoints"):
            rows = self._rdb.execute("SELECT size, checkpoint FROM batches ORDER BY size").fetchall()
        return [(int(size), note) for size, note in rows]

    def add_cosignature(self, size: int, witness: str, line: str) -> None:
        """Record a witness's cosignature of the checkpoint at `size` (the first one wins)."""
        db = self._writable()
        with self._wlock, _errors("cannot record a cosignature"):
            db.execute(
                "INSERT INTO cosignatures (size, witness, line, received_ns) VALUES (%s, %s, %s, %s)"
                " ON CONFLICT (size, witness) DO NOTHING",
                (size, witness, line, time.time_ns()),
            )

    def cosignatures(self, size: int) -> list[tuple[str, str]]:
        """(witness key, cosignature line) for the checkpoint at `size`."""
        with self._rlock, _errors("cannot read cosignatures"):
            rows = self._rdb.execute(
                "SELECT witness, line FROM cosignatures WHERE size = %s ORDER BY witness", (size,)
            ).fetchall()
        return [(w, line) for w, line in rows]

    def iter_entries(self, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        """Entries [start, end) in seq order, streamed run by run (bounded memory)."""
        if end is None:
            end = self.log_size()
        yield from iter_entry_runs(lambda seq, end: self._fetch_runs(_ENTRY_RUNS_SQL, seq, end), start, end)

    def iter_openings(self, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        """The entries' openings (salt || body) [start, end), as `iter_entries` streams entries."""
        if end is None:
            end = self.log_size()
        yield from iter_entry_runs(lambda seq, end: self._fetch_runs(_OPENING_RUNS_SQL, seq, end), start, end)

    def _fetch_runs(self, sql: str, seq: int, end: int) -> list[tuple[int, int, bytes]]:
        params = {"seq": seq, "end": end, "limit": _RUNS_PER_READ}
        with self._rlock, _errors(f"cannot read runs from {seq}"):
            return self._rdb.execute(sql, params, binary=True).fetchall()

    def read_hashes(self, level: int, start: int, end: int) -> bytes:
        """Hashes [start, end) of tile level `level` (tree level 8*level), concatenated."""
        params = {"level": level, "start": start, "end": end}
        with self._rlock, _errors(f"cannot read hashes {start}..{end - 1} of level {level}"):
            rows = self._rdb.execute(_HASH_RUNS_SQL, params, binary=True).fetchall()
        return slice_runs(rows, start, end, 32)

    def balances(self, size: int | None = None) -> dict[str, tuple[int, int, int, int]]:
        """Balances after the batch ending at `size` (default: the last), folded from changes."""
        limit = _MAX_SIZE if size is None else size
        with self._rlock, _errors("cannot read balances"):
            # Streamed: the rows of a long log need not all be in memory at once. Closed
            # explicitly so that a corrupt row mid-stream leaves the connection usable.
            rows = self._rdb.cursor().stream(
                "SELECT data FROM balance_changes WHERE size <= %s ORDER BY size", (limit,), size=_STREAM_CHUNK
            )
            with closing(rows):
                return fold_balance_changes(data for (data,) in rows)

    # --- audit ---------------------------------------------------------------------------
    @contextmanager
    def read_snapshot(self) -> Iterator[None]:
        """Every read inside sees one committed state (a REPEATABLE READ, READ ONLY transaction
        on the reader), even beside a writer committing batches meanwhile."""
        with self._rlock:
            with _errors("cannot start a read snapshot"):
                self._rdb.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            try:
                yield
            finally:
                with suppress(psycopg.Error):
                    self._rdb.execute("ROLLBACK")

    def scan(self, table: str) -> Iterator[tuple]:
        """Every row of a schema table in primary-key order, streamed (see schema.TABLE_COLUMNS)."""
        sql = scan_sql(table)
        # A server-side cursor, so scans of two tables can be read in step inside one snapshot
        # (a streamed query would hold the connection until it is drained).
        with self._rlock, _errors(f"cannot read {table}"):
            cursor = self._rdb.cursor(name=f"ramp_scan_{table}", binary=True)
            cursor.itersize = _STREAM_CHUNK
            with closing(cursor):
                cursor.execute(sql)
                yield from cursor

    def close(self) -> None:
        """Close both connections; ending the writer's session releases the advisory lock."""
        with self._wlock, self._rlock:
            if self._closed:
                return
            self._closed = True
            self._rdb.close()
            if self._wdb is None:
                return
            # Unlocked explicitly: the session ends only after the server notices the close,
            # and a writer opened right after this one must not find the lock still held.
            with suppress(psycopg.Error):
                self._wdb.execute("SELECT pg_advisory_unlock(%s::bigint)", (self._lock_id,))
            self._wdb.close()
