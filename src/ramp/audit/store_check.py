"""`ramp verify --db`: a store checked row by row, every stored fact re-derived or signed.

The last signed checkpoint binds the log (its size and root), each batch's checkpoint binds
its prefix, and everything else the store keeps is re-derived from the entries and compared
exactly, so any single changed, deleted or truncated row of any table fails, named by table,
key and column:

- meta: `origin` and `log_verifier_key` must verify the stored checkpoints (and equal the
  trusted key); `log_key_file` is the writer's local path to its private key, not evidence.
- schema_migrations: every migration of this program recorded under its own name (a missing
  one is refused when the store opens); `applied_ns` is local time, not evidence.
- batches: a chain from size 0 (`first_seq` = the previous `size`), each with a checkpoint
  signed by the log for exactly its `size` and `root`, `root` = the tree of the entries at that
  size, `committed_ns` = the timestamp of its last entry.
- entry_runs: exactly one run per batch, `first_seq` and `count` its batch's, `data` the
  canonical encoding of entries that replay through the ledger engine; no run past the last batch.
- hash_runs: exactly the runs the tree of the entries adds batch by batch, at every level.
- balance_changes: exactly one row per batch, listing exactly the accounts its entries touched,
  each with the balances the replay gives after that batch.
- cosignatures: each row a valid cosignature, by its `witness`, of the checkpoint at its
  `size`; every trusted witness (--witness-key) cosigned the last checkpoint. A deleted
  cosignature is caught only for a trusted witness: a cosignature adds evidence, its absence
  proves nothing. `received_ns` is local time, not evidence.
- checkpoints the auditor brings: each at a batch's size with its root; one beyond the store's
  last batch means the store lost batches (the only way to catch every table truncated alike).

Each table is read once, in key order, inside one read snapshot (so a writer may run beside),
and nothing is written. Memory: the batch rows and balance rows, and a digest per hash run.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass

import msgspec

from ramp.audit.replay import LogReplay
from ramp.audit.report import Report, VerifyFailure
from ramp.journal.envelope import LOG_FORMAT
from ramp.journal.log import CheckpointInvalid, verify_checkpoint
from ramp.store.base import Store, StoreError
from ramp.store.schema import migration_names
from ramp.tlog.cosignature import CosignatureVerifier
from ramp.tlog.note import NoteError, open_note
from ramp.tlog.tiles import TileError, decode_entries, encode_entries

_balance_row = msgspec.json.Decoder(list[tuple[str, int, int, int, int]])
_json_encode = msgspec.json.Encoder().encode


@dataclass(frozen=True, slots=True)
class _Batch:
    size: int
    first_seq: int
    root: bytes
    committed_ns: int
    checkpoint: str


def verify_store_url(
    url: str,
    *,
    log_key: str | None = None,
    witness_keys: tuple[str, ...] | None = None,
    known_checkpoints: tuple[str, ...] = (),
) -> Report:
    """Open `url` read-only and verify it (`verify_store`)."""
    from ramp.store import open_store

    try:
        store = open_store(url, readonly=True)
    except StoreError as exc:
        raise VerifyFailure("store", str(exc)) from exc
    try:
        return verify_store(store, log_key=log_key, witness_keys=witness_keys, known_checkpoints=known_checkpoints)
    except StoreError as exc:
        raise VerifyFailure("store", str(exc)) from exc
    finally:
        store.close()


def verify_store(
    store: Store,
    *,
    log_key: str | None = None,
    witness_keys: tuple[str, ...] | None = None,
    known_checkpoints: tuple[str, ...] = (),
) -> Report:
    """Verify every row of `store`; keys given here are trusted, otherwise the store's are used."""
    t0 = time.perf_counter()
    with store.read_snapshot():
        rows = _check_migrations(store)
        meta = {key: value for key, value in store.scan("meta")}
        rows += len(meta)
        batches = [_batch(row) for row in list(store.scan("batches"))]
        origin, vkey = _log_identity(meta, batches, log_key)
        _check_batch_chain(batches, origin, vkey)
        balance_rows = {}
        for size, data in list(store.scan("balance_changes")):
            balance_rows[_int(size, "balance_changes", "size")] = data
        cosignature_rows = list(store.scan("cosignatures"))
        log = LogReplay()
        expected_hash_runs: list[tuple[int, int, int, bytes]] = []  # (level, first index, bytes, sha256)
        _check_log_format(meta)
        with closing(store.scan("entry_runs")) as entry_runs, closing(store.scan("body_runs")) as body_runs:
            rows += _replay_entry_runs(entry_runs, body_runs, batches, balance_rows, log, expected_hash_runs)
        expected_hash_runs.sort()
        with closing(store.scan("hash_runs")) as hash_runs:
            rows += _check_hash_runs(hash_runs, expected_hash_runs)
        by_size = {b.size: b for b in batches}
        report = Report(origin=origin, size=batches[-1].size)
        report.cosigned_by = _check_cosignatures(cosignature_rows, by_size, batches[-1], witness_keys)
        rows += len(batches) + len(balance_rows) + len(cosignature_rows)
        _check_known(known_checkpoints, by_size, batches[-1].size, origin, vkey)
    try:
        log.engine.check_invariants()
    except AssertionError as exc:
        raise VerifyFailure("ledger", f"invariant broken after replay: {exc}") from exc
    report.checkpoints_checked = len(batches)
    report.levels = {level.value: n for level, n in log.levels.items()}
    report.accounts = log.engine.account_count()
    report.decisions = log.approvals.decisions_checked
    report.attestations = log.approvals.attestations_checked
    report.executions = log.approvals.executions_checked
    report.rows_checked = rows
    report.seconds = time.perf_counter() - t0
    return report


def _int(value: object, where: str, column: str) -> int:
    if type(value) is not int:
        raise VerifyFailure(where, f"{column} is not an integer: {value!r}")
    return value


def _batch(row: tuple) -> _Batch:
    size, first_seq, root, committed_ns, checkpoint = row
    where = f"batches size {size}"
    size = _int(size, "batches", "size")
    if not isinstance(root, bytes | memoryview) or len(root) != 32:
        raise VerifyFailure(where, f"root is not a 32-byte hash: {root!r}")
    if not isinstance(checkpoint, str):
        raise VerifyFailure(where, "checkpoint is missing: every batch of a signed log has one")
    return _Batch(size, _int(first_seq, where, "first_seq"), bytes(root), _int(committed_ns, where, "committed_ns"),
                  checkpoint)  # fmt: skip


def _check_migrations(store: Store) -> int:
    names = migration_names()
    count = 0
    for version, name, _applied_ns in store.scan("schema_migrations"):
        count += 1
        if names.get(version) != name:
            raise VerifyFailure(f"schema_migrations version {version}",
                                f"name {name!r} is not this program's {names.get(version)!r}")  # fmt: skip
    if count != len(names):
        raise VerifyFailure("schema_migrations", f"records {count} migrations, this program has {len(names)}")
    return count


def _log_identity(meta: dict[str, str], batches: list[_Batch], trusted_key: str | None) -> tuple[str, str]:
    """The origin and the verifier key the checkpoints are checked with."""
    for key in ("origin", "log_verifier_key"):
        if key not in meta:
            raise VerifyFailure(f"meta {key}", "is missing: a signed log records it with its first batch")
    origin, vkey = meta["origin"], meta["log_verifier_key"]
    if trusted_key is not None and trusted_key != vkey:
        raise VerifyFailure("meta log_verifier_key", "differs from the trusted log key")
    if not batches:
        raise VerifyFailure("batches", "empty: the store holds no signed checkpoint")
    # A key or origin that verifies neither the first nor the last checkpoint is the meta's fault.
    failures = []
    for b in (batches[0], batches[-1]):
        try:
            verify_checkpoint(b.checkpoint, vkey, origin)
        except CheckpointInvalid as exc:
            failures.append(str(exc))
    if len(failures) == 2:
        raise VerifyFailure("meta origin/log_verifier_key", f"verifies neither the first nor the last checkpoint: "
                                                            f"{failures[0]}")  # fmt: skip
    return origin, vkey


def _check_batch_chain(batches: list[_Batch], origin: str, vkey: str) -> None:
    """Each batch starts where the previous ended and carries the log's checkpoint of itself."""
    previous = 0
    for b in batches:
        where = f"batches size {b.size}"
        if b.first_seq != previous:
            raise VerifyFailure(where, f"first_seq {b.first_seq}, but the previous batch ends at {previous}"
                                       + (": a batch row is missing" if b.first_seq > previous else ""))  # fmt: skip
        if b.size <= b.first_seq:
            raise VerifyFailure(where, f"size is not after first_seq {b.first_seq}")
        try:
            signed = verify_checkpoint(b.checkpoint, vkey, origin)
        except CheckpointInvalid as exc:
            raise VerifyFailure(where, f"checkpoint: {exc}") from exc
        if signed.size != b.size:
            raise VerifyFailure(where, f"checkpoint signs size {signed.size}")
        if signed.root_hash != b.root:
            raise VerifyFailure(where, "root differs from the root its checkpoint signs")
        previous = b.size


def _check_log_format(meta: dict[str, str]) -> None:
    if "log_format" not in meta:
        raise VerifyFailure("meta log_format", f"missing (a log of envelopes records {LOG_FORMAT!r})")
    if meta["log_format"] != LOG_FORMAT:
        raise VerifyFailure("meta", f"log_format is {meta['log_format']!r}, not {LOG_FORMAT!r}")


def _opening_run(runs: Iterator[tuple], first: int, count: int) -> list[bytes]:
    """The openings of the batch whose entries start at `first`: the next body_runs row."""
    row = next(runs, None)
    where = "body_runs" if row is None else f"body_runs first_seq {row[0]}"
    if row is None or row[0] != first:
        raise VerifyFailure(where, f"no run of openings for the entries at {first}")
    _first, n, data = row
    if n != count or not isinstance(data, bytes | memoryview):
        raise VerifyFailure(where, f"count {n} or data does not match its {count} entries")
    try:
        openings = decode_entries(bytes(data), count)
    except TileError as exc:
        raise VerifyFailure(where, f"data: {exc}") from exc
    if encode_entries(openings) != bytes(data):
        raise VerifyFailure(where, "data is not the canonical encoding of its openings")
    return openings


def _replay_entry_runs(
    runs: Iterator[tuple],
    opening_runs: Iterator[tuple],
    batches: list[_Batch],
    balance_rows: dict[int, object],
    log: LogReplay,
    expected_hash_runs: list[tuple[int, int, int, bytes]],
) -> int:
    """Replay the runs batch by batch; check each batch's root, time, run and balance row."""
    for b in batches:
        row = next(runs, None)
        if row is None:
            raise VerifyFailure("entry_runs", f"no run for the batch at size {b.size} (entries {b.first_seq}..)")
        first, count, data = row
        where = f"entry_runs first_seq {first}"
        if first != b.first_seq:
            raise VerifyFailure(where if first < b.first_seq else "entry_runs",
                                f"the batch at size {b.size} starts at {b.first_seq}, the run at {first}")  # fmt: skip
        if count != b.size - b.first_seq:
            raise VerifyFailure(where, f"count {count}, its batch holds {b.size - b.first_seq} entries")
        if not isinstance(data, bytes | memoryview):
            raise VerifyFailure(where, f"data is not a blob: {type(data).__name__}")
        data = bytes(data)
        try:
            leaves = decode_entries(data, count)
        except TileError as exc:
            raise VerifyFailure(where, f"data: {exc}") from exc
        touched: set[str] = set()
        log.replay(leaves, _opening_run(opening_runs, first, count), first, f"{where}, ", touched)
        added = log.append(leaves)
        if added.entries != data:
            raise VerifyFailure(where, "data is not the canonical encoding of its entries")
        for level, first_index, hashes in added.hashes:
            expected_hash_runs.append((level, first_index, len(hashes), hashlib.sha256(hashes).digest()))
        if log.tree.root() != b.root:  # the row's root is its checkpoint's: the entries changed
            raise VerifyFailure(where, f"entries do not have the root the checkpoint of batch {b.size} signs")
        if b.committed_ns != log.engine.last_timestamp:
            raise VerifyFailure(f"batches size {b.size}",
                                f"committed_ns {b.committed_ns} is not its last entry's timestamp"
                                f" {log.engine.last_timestamp}")  # fmt: skip
        _check_balance_row(b.size, balance_rows.get(b.size), touched, log)
    extra = next(runs, None)
    if extra is not None:
        raise VerifyFailure(f"entry_runs first_seq {extra[0]}",
                            f"beyond the last batch (size {batches[-1].size}): a batch row is missing")  # fmt: skip
    stray_opening = next(opening_runs, None)
    if stray_opening is not None:
        raise VerifyFailure(f"body_runs first_seq {stray_opening[0]}", "beyond the last batch: no entries open with it")
    stray = sorted(set(balance_rows) - {b.size for b in batches})
    if stray:
        raise VerifyFailure(f"balance_changes size {stray[0]}", "matches no batch: a batch row is missing")
    return len(batches)


def _check_balance_row(size: int, data: object, touched: set[str], log: LogReplay) -> None:
    where = f"balance_changes size {size}"
    if data is None:
        raise VerifyFailure("balance_changes", f"no row for the batch at size {size}")
    try:
        listed = _balance_row.decode(data)  # type: ignore[arg-type]
    except (msgspec.DecodeError, TypeError) as exc:
        raise VerifyFailure(where, f"data unreadable: {exc}") from exc
    claimed = {account: tuple(values) for account, *values in listed}
    if len(claimed) != len(listed):
        raise VerifyFailure(where, "data lists an account twice")
    if claimed.keys() != touched:
        odd = sorted(claimed.keys() ^ touched)[:3]
        raise VerifyFailure(where, f"data lists other accounts than the batch touched, e.g. {odd}")
    # Through the stored form (a JSON array per account), whatever the engine's row type.
    replayed = _balance_row.decode(_json_encode(log.engine.balances_of(sorted(touched))))
    for account, *counters in replayed:
        if claimed[account] != tuple(counters):
            raise VerifyFailure(where, f"data: {account} {list(claimed[account])}, the replay gives {counters}")


def _check_hash_runs(rows: Iterator[tuple], expected: list[tuple[int, int, int, bytes]]) -> int:
    """Both sides in (level, first index) order: a merge that names the first difference."""
    pending = iter(expected)
    want = next(pending, None)
    count = 0
    for level, first_index, data in rows:
        count += 1
        where = f"hash_runs level {level} first_index {first_index}"
        if want is None or (level, first_index) < want[:2]:
            raise VerifyFailure(where, "no batch adds hashes there")
        if (level, first_index) > want[:2]:
            raise VerifyFailure(f"hash_runs level {want[0]} first_index {want[1]}", "is missing")
        if not isinstance(data, bytes | memoryview):
            raise VerifyFailure(where, f"data is not a blob: {type(data).__name__}")
        if len(data) != want[2] or hashlib.sha256(data).digest() != want[3]:
            raise VerifyFailure(where, "data differs from the tree of the entries")
        want = next(pending, None)
    if want is not None:
        raise VerifyFailure(f"hash_runs level {want[0]} first_index {want[1]}", "is missing")
    return count


def _check_cosignatures(
    rows: list[tuple], by_size: dict[int, _Batch], last: _Batch, trusted: tuple[str, ...] | None
) -> list[str]:
    """Every stored cosignature verifies; the trusted witnesses (or, untrusted, every witness
    that cosigned it) cosigned the last checkpoint. Returns the witnesses of the last one."""
    of_last: list[str] = []
    for size, witness, line, _received_ns in rows:
        where = f"cosignatures size {size} witness {str(witness).split('+')[0]}"
        batch = by_size.get(size)
        if batch is None:
            raise VerifyFailure(where, "no batch ends at this size: a batch row is missing")
        try:
            open_note(batch.checkpoint + str(line).rstrip("\n") + "\n", [CosignatureVerifier.from_vkey(witness)])
        except (NoteError, ValueError) as exc:
            raise VerifyFailure(where, f"line is not this witness's cosignature of the checkpoint: {exc}") from exc
        if size == last.size:
            of_last.append(witness)
    for key in trusted or ():
        if key not in of_last:
            raise VerifyFailure(f"cosignatures size {last.size}", f"no cosignature by trusted witness {key.split('+')[0]}")
    return [key.split("+")[0] for key in (trusted or of_last)]


def _check_known(known: tuple[str, ...], by_size: dict[int, _Batch], size: int, origin: str, vkey: str) -> None:
    for i, note in enumerate(known):
        where = f"known checkpoint #{i + 1}"
        try:
            old = verify_checkpoint(note, vkey, origin)
        except CheckpointInvalid as exc:
            raise VerifyFailure(where, str(exc)) from exc
        if old.size > size:
            raise VerifyFailure(where, f"size {old.size} is beyond the store's last batch ({size}): the store lost batches")
        if old.size == 0:
            continue
        batch = by_size.get(old.size)
        if batch is None:
            raise VerifyFailure(where, f"the log signed size {old.size}, but no batch of the store ends there (fork)")
        if batch.root != old.root_hash:
            raise VerifyFailure(where, f"not consistent with the store's log at size {old.size} (fork)")
