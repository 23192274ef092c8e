"""The one schema, as SQL for each backend, and its migrations (applied in order, recorded)."""

from __future__ import annotations

from typing import Final

from ramp.store.base import StoreError

# Each migration is (version, name, statements). Types are written per backend below.
_MIGRATIONS: Final = [
    (
        1,
        "journal",
        [
            "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
            # One run per batch: entries first_seq .. first_seq+count-1, entry-bundle encoded.
            "CREATE TABLE entry_runs (first_seq BIGINT PRIMARY KEY, count INTEGER NOT NULL,"
            " data {blob} NOT NULL)",
            # One run per batch and tile level L: the hashes it adds at tree level 8L.
            "CREATE TABLE hash_runs (level INTEGER NOT NULL, first_index BIGINT NOT NULL,"
            " data {blob} NOT NULL, PRIMARY KEY (level, first_index))",
            "CREATE TABLE batches (size BIGINT PRIMARY KEY, first_seq BIGINT NOT NULL,"
            " root {blob} NOT NULL, committed_ns BIGINT NOT NULL, checkpoint TEXT)",
            # Balances after each batch of the accounts it touched, as a JSON array of
            # [account, debits_pending, debits_posted, credits_pending, credits_posted].
            # Append-only: current balances are the fold of all rows (done and checked at
            # open); the balances as of any batch are the fold up to that size.
            "CREATE TABLE balance_changes (size BIGINT PRIMARY KEY, data TEXT NOT NULL)",
        ],
    ),
    (
        2,
        "cosignatures",
        [
            # A witness's cosignature of the checkpoint at `size` (witness = its verifier key).
            # Witnesses answer after the batch is committed, so these arrive in rows of their own.
            "CREATE TABLE cosignatures (size BIGINT NOT NULL, witness TEXT NOT NULL, line TEXT NOT NULL,"
            " received_ns BIGINT NOT NULL, PRIMARY KEY (size, witness))",
        ],
    ),
    (
        3,
        "openings",
        [
            # Leaves are public envelopes (journal/envelope.py); one run per batch of their
            # openings, `salt || body`, entry-bundle encoded: the private half of the log.
            "CREATE TABLE body_runs (first_seq BIGINT PRIMARY KEY, count INTEGER NOT NULL,"
            " data {blob} NOT NULL)",
        ],
    ),
]

_DIALECTS: Final = {
    "sqlite": {"blob": "BLOB"},
    "postgres": {"blob": "BYTEA"},
}

# Every table with its columns and primary key, for an audit that reads each row exactly once
# (`ramp verify --db`): rows come in primary-key order.
TABLE_COLUMNS: Final[dict[str, tuple[tuple[str, ...], str]]] = {
    "schema_migrations": (("version", "name", "applied_ns"), "version"),
    "meta": (("key", "value"), "key"),
    "batches": (("size", "first_seq", "root", "committed_ns", "checkpoint"), "size"),
    "entry_runs": (("first_seq", "count", "data"), "first_seq"),
    "body_runs": (("first_seq", "count", "data"), "first_seq"),
    "hash_runs": (("level", "first_index", "data"), "level, first_index"),
    "balance_changes": (("size", "data"), "size"),
    "cosignatures": (("size", "witness", "line", "received_ns"), "size, witness"),
}


def scan_sql(table: str) -> str:
    """The query reading every row of `table` in primary-key order (tables of TABLE_COLUMNS only)."""
    columns, key = TABLE_COLUMNS[table]
    return f"SELECT {', '.join(columns)} FROM {table} ORDER BY {key}"


MIGRATIONS_TABLE: Final = (
    "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY,"
    " name TEXT NOT NULL, applied_ns BIGINT NOT NULL)"
)


def migrations(dialect: str) -> list[tuple[int, str, list[str]]]:
    subst = _DIALECTS[dialect]
    return [(v, name, [s.format(**subst) for s in stmts]) for v, name, stmts in _MIGRATIONS]


def migration_names() -> dict[int, str]:
    return {v: name for v, name, _stmts in _MIGRATIONS}


def latest_version() -> int:
    return _MIGRATIONS[-1][0]


def pending_migrations(dialect: str, applied: set[int]) -> list[tuple[int, str, list[str]]]:
    """The migrations a database that recorded `applied` still needs, oldest first."""
    if applied and max(applied) > latest_version():
        raise StoreError(f"database schema {max(applied)} is newer than this program ({latest_version()})")
    return [m for m in migrations(dialect) if m[0] not in applied]
