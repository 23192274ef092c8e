"""The journal's durable store: one interface, one schema, SQLite (embedded) and PostgreSQL."""

from ramp.store.base import BatchWrite, LastBatch, Store, StoreCorrupt, StoreError
from ramp.store.sqlite import SQLiteStore

__all__ = ["BatchWrite", "LastBatch", "SQLiteStore", "Store", "StoreCorrupt", "StoreError", "open_store"]


def open_store(url: str, *, readonly: bool = False) -> Store:
    """A store for `url`: a SQLite file path (or sqlite:///path), or a postgresql:// URL.

    A writer excludes every other writer of the same journal; `readonly=True` opens beside a
    running writer (audits, exports) and refuses writes."""
    if url.startswith(("postgresql://", "postgres://")):
        from ramp.store.postgres import PostgresStore

        return PostgresStore(url, readonly=readonly)
    if url.startswith("sqlite:///"):
        url = url[len("sqlite:///") - 1 :]
    return SQLiteStore(url, readonly=readonly)
