"""The store interface both backends implement, and the one batch it commits atomically.

Per committed batch the store holds: one run of entries (the log's leaves: public envelopes,
entry-bundle encoding) and one of their openings (salt || body, the private half), one run of
hashes per tile level, one row with the log size after it, its root (and signed checkpoint),
and the balances of the accounts it touched: current balances are their fold, rebuilt from the
events and checked at every open. tlog-tiles tiles and bundles are slices of the runs.
Every table is append-only: rows are inserted, never updated or deleted.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Final, NamedTuple, Protocol

import msgspec

from ramp.ledger.model import BalanceRow
from ramp.tlog.tiles import TileError, decode_entries

SCHEMA_VERSION: Final = 1


class StoreError(Exception):
    """The store could not do what was asked (I/O error, lost connection): nothing was committed."""


class StoreCorrupt(StoreError):
    """The stored data contradicts itself (a bug or tampering): refuse to serve it."""


@dataclass(frozen=True, slots=True)
class BatchWrite:
    """Everything one committed batch adds, written in one database transaction."""

    first_seq: int
    size: int  # log size after this batch
    root: bytes
    committed_ns: int
    entries: bytes  # entries first_seq..size-1, entry-bundle encoded
    hash_runs: list[tuple[int, int, bytes]]  # (tile level, index of the first hash, hashes)
    balances: list[BalanceRow]  # every account the batch touched, as it stands after it
    checkpoint: str | None = None  # the signed note for `size`, when signing is on
    openings: bytes = b""  # the entries' openings (salt || body), entry-bundle encoded


class LastBatch(NamedTuple):
    """The last committed batch: the log size after it, its tree root, its signed checkpoint."""

    size: int
    root: bytes
    checkpoint: str | None  # None when the batch was committed without signing


class Store(Protocol):
    def commit(self, batch: BatchWrite) -> None: ...

    def log_size(self) -> int: ...

    def last_batch(self) -> LastBatch | None: ...

    def checkpoints(self) -> list[tuple[int, str | None]]: ...

    def add_cosignature(self, size: int, witness: str, line: str) -> None: ...

    def cosignatures(self, size: int) -> list[tuple[str, str]]: ...

    def iter_entries(self, start: int = 0, end: int | None = None) -> Iterator[bytes]: ...

    def iter_openings(self, start: int = 0, end: int | None = None) -> Iterator[bytes]: ...

    def read_hashes(self, level: int, start: int, end: int) -> bytes: ...

    def balances(self, size: int | None = None) -> dict[str, tuple[int, int, int, int]]: ...

    def get_meta(self, key: str) -> str | None: ...

    def put_meta(self, key: str, value: str) -> None: ...

    def schema_version(self) -> int: ...

    # Audits (`ramp verify --db`): one consistent committed state, every row of a table once.
    def read_snapshot(self) -> AbstractContextManager[None]: ...

    def scan(self, table: str) -> Iterator[tuple]: ...

    def close(self) -> None: ...


_balance_rows = msgspec.json.Decoder(list[BalanceRow])
_json_encode = msgspec.json.Encoder().encode


def encode_balance_changes(balances: list[BalanceRow]) -> bytes:
    """One batch's balance row: the JSON array that `fold_balance_changes` reads back."""
    return _json_encode(balances)


def fold_balance_changes(rows: Iterable[str | bytes]) -> dict[str, tuple[int, int, int, int]]:
    """Current balances from the per-batch balance rows, oldest first."""
    out: dict[str, tuple[int, int, int, int]] = {}
    for data in rows:
        try:
            for row in _balance_rows.decode(data):
                out[row.account] = (
                    row.debits_pending, row.debits_posted, row.credits_pending, row.credits_posted
                )
        except msgspec.DecodeError as exc:
            raise StoreCorrupt(f"unreadable balance row: {exc}") from exc
    return out


# (first seq, count, entry bundle) of the run holding a seq and of some runs after it, in order.
FetchEntryRuns = Callable[[int, int], Sequence[tuple[int, int, bytes]]]


def iter_entry_runs(fetch: FetchEntryRuns, start: int, end: int) -> Iterator[bytes]:
    """Entries [start, end), streamed run by run: `fetch(seq, end)` returns the run holding
    `seq` (if stored) and a bounded number of the runs after it that start before `end`."""
    seq = start
    while seq < end:
        progressed = False
        for first, count, data in fetch(seq, end):
            if first + count <= seq:
                continue
            if first > seq:
                raise StoreCorrupt(f"entries {seq}..{first - 1} are missing from the log")
            try:
                entries = decode_entries(bytes(data), count)
            except TileError as exc:
                raise StoreCorrupt(f"entry run at {first}: {exc}") from exc
            yield from entries[seq - first : min(count, end - first)]
            seq = min(first + count, end)
            progressed = True
            if seq >= end:
                return
        if not progressed:
            raise StoreCorrupt(f"entry {seq} is missing from the log")


def slice_runs(rows: list[tuple[int, bytes]], start: int, end: int, item: int) -> bytes:
    """Items [start, end) from runs (first index, fixed-size items), which must cover them."""
    out = []
    pos = start
    for first, data in rows:
        n = len(data) // item
        if first + n <= pos:
            continue
        if first > pos:
            break
        take_end = min(first + n, end)
        out.append(bytes(data[(pos - first) * item : (take_end - first) * item]))
        pos = take_end
        if pos >= end:
            break
    if pos < end:
        raise StoreCorrupt(f"items {pos}..{end - 1} are missing")
    return b"".join(out)
