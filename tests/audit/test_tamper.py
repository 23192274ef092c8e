"""`ramp verify --db` refuses every single-row change of a store, on both backends.

A small real store (accounts, a batch of 300 transfers so the tree has a level-1 run, pending
transfers that later expire, a closed account, a last batch of 3 events, a witness's
cosignatures) is damaged one row at a time: a changed value in every column that carries
meaning, a deleted row, a truncated value, a truncated table. Each must fail with a message
naming the table (and row) that disagrees; the undamaged store verifies. Columns that are local
facts, not evidence (when a migration ran, when a cosignature arrived, where the writer keeps
its private key), are listed and shown not to matter.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from ramp.audit.verify import main
from ramp.journal import Journal
from ramp.journal.envelope import split_opening
from ramp.journal.log import LogSigner, create_log_key
from ramp.ledger import ChangeAccountFlags, CreateAccount, CreateTransfer
from ramp.ledger.events import decode_event
from ramp.store import open_store
from ramp.store.schema import TABLE_COLUMNS
from ramp.tlog.cosignature import Cosigner
from tests.store.backends import Backend

ORIGIN = "tamper.test/ramp"
T0_NS = 1_750_000_000 * 10**9
WITNESS = Cosigner.generate("witness.tamper.test")
WITNESS_KEY = WITNESS.verifier_key().encode()
LAST_BATCH_EVENTS = 3

# Columns whose value is a local fact of this store, not evidence about the log: changing them
# changes nothing an auditor relies on, so verify does not (and cannot) re-derive them.
NOT_EVIDENCE = {
    ("schema_migrations", "applied_ns"),  # when this database ran the migration
    ("cosignatures", "received_ns"),  # when the cosignature arrived (the line has the witness's time)
}


@dataclass
class Built:
    url: str
    backend: Backend
    sizes: list[int]  # the batches' sizes, oldest first
    log_key: str
    tmp: Path

    def one(self, sql: str):
        return self.backend.query(self.url, sql)[0][0]

    def run(self, sql: str) -> None:
        assert self.backend.execute(self.url, sql) >= 1, sql

    def blob(self, data: bytes) -> str:
        """A blob literal of this backend."""
        return f"X'{data.hex()}'" if self.backend.name == "sqlite" else f"decode('{data.hex()}', 'hex')"


def _text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def build(backend: Backend, tmp: Path) -> Built:
    url = backend.new_url()
    key = tmp / "log.key"
    if not key.exists():
        create_log_key(str(key), ORIGIN)
    log = LogSigner.from_key_file(str(key), ORIGIN)
    j = Journal(open_store(url), log=log)
    lines = [f"line:{i}" for i in range(4)]
    try:
        j.submit([CreateAccount(id="bank:issuer", asset="JPYD"), CreateAccount(id="spare", asset="JPYD")]
                 + [CreateAccount(id=a, asset="JPYD", flags=("debits_must_not_exceed_credits",)) for a in lines],
                 T0_NS)  # fmt: skip
        j.submit([CreateTransfer(id=f"t{k}", debit_account="bank:issuer" if k < 4 else lines[k % 4],
                                 credit_account=lines[(k + 1) % 4], amount=1000 if k < 4 else 1 + k % 7,
                                 asset="JPYD", code="ALLOT") for k in range(300)], T0_NS + 10**9)  # fmt: skip
        j.submit([CreateTransfer(id=f"p{k}", debit_account=lines[k], credit_account=lines[(k + 2) % 4], amount=5,
                                 asset="JPYD", code="ALLOT", flags=("pending",), timeout_s=1) for k in range(4)],
                 T0_NS + 2 * 10**9)  # fmt: skip
        # Seconds later: the pending transfers expire in this batch (PendingExpired events).
        j.submit([CreateTransfer(id="late", debit_account=lines[0], credit_account=lines[1], amount=3,
                                 asset="JPYD", code="ALLOT")], T0_NS + 10 * 10**9)  # fmt: skip
        j.submit([ChangeAccountFlags(id="close-spare", account="spare", set=("closed",))], T0_NS + 11 * 10**9)
        j.submit([CreateTransfer(id=f"z{k}", debit_account=lines[k], credit_account=lines[k + 1], amount=2,
                                 asset="JPYD", code="ALLOT") for k in range(LAST_BATCH_EVENTS)],
                 T0_NS + 12 * 10**9)  # fmt: skip
        checkpoints = j.store.checkpoints()
        for size, note in checkpoints[-2:]:  # a witness cosigned the last two checkpoints
            text = note.split("\n\n")[0] + "\n"
            j.store.add_cosignature(size, WITNESS_KEY, WITNESS.cosign(text, 1_750_000_100 + size).line())
    finally:
        j.close()
    sizes = [size for size, _note in checkpoints]
    assert sizes[-1] - sizes[-2] == LAST_BATCH_EVENTS
    return Built(url, backend, sizes, log.verifier_key, tmp)


def verify(built: Built, capsys, *extra: str) -> tuple[int, str]:
    code = main(["--db", built.url, "--log-key", built.log_key, *extra])
    out = capsys.readouterr()
    return code, out.out + out.err


@pytest.fixture
def built(store_backend: Backend, tmp_path: Path) -> Built:
    return build(store_backend, tmp_path)


# --- the mutations --------------------------------------------------------------------------
# Each: (name, the (table, column) it changes or None for a whole row, apply(built) -> the
# substrings the failure must contain).
Mutation = Callable[[Built], list[str]]


def _flip(data: bytes, pos: int = 0) -> bytes:
    return data[:pos] + bytes([data[pos] ^ 0x01]) + data[pos + 1 :]


def root_flip(which: int) -> Mutation:
    def apply(b: Built) -> list[str]:
        size = b.sizes[which]
        root = bytes(b.one(f"SELECT root FROM batches WHERE size = {size}"))
        b.run(f"UPDATE batches SET root = {b.blob(_flip(root, 7))} WHERE size = {size}")
        return [f"batches size {size}", "root"]

    return apply


def batches_first_seq(b: Built) -> list[str]:
    b.run(f"UPDATE batches SET first_seq = first_seq + 1 WHERE size = {b.sizes[2]}")
    return [f"batches size {b.sizes[2]}", "first_seq"]


def batches_size(b: Built) -> list[str]:
    b.run(f"UPDATE batches SET size = size - 1 WHERE size = {b.sizes[1]}")
    return [f"batches size {b.sizes[1] - 1}", "checkpoint signs size"]


def batches_committed_ns(b: Built) -> list[str]:
    b.run(f"UPDATE batches SET committed_ns = committed_ns + 1 WHERE size = {b.sizes[1]}")
    return [f"batches size {b.sizes[1]}", "committed_ns"]


def batches_checkpoint_swapped(b: Built) -> list[str]:
    other = b.one(f"SELECT checkpoint FROM batches WHERE size = {b.sizes[3]}")
    b.run(f"UPDATE batches SET checkpoint = {_text(other)} WHERE size = {b.sizes[2]}")
    return [f"batches size {b.sizes[2]}", "checkpoint signs size"]


def batches_checkpoint_null(b: Built) -> list[str]:
    b.run(f"UPDATE batches SET checkpoint = NULL WHERE size = {b.sizes[1]}")
    return [f"batches size {b.sizes[1]}", "checkpoint is missing"]


def batches_checkpoint_truncated(b: Built) -> list[str]:
    note = b.one(f"SELECT checkpoint FROM batches WHERE size = {b.sizes[-1]}")
    b.run(f"UPDATE batches SET checkpoint = {_text(note[:-10])} WHERE size = {b.sizes[-1]}")
    return [f"batches size {b.sizes[-1]}", "checkpoint"]


def batches_delete_last(b: Built) -> list[str]:
    b.run(f"DELETE FROM batches WHERE size = {b.sizes[-1]}")
    return [f"entry_runs first_seq {b.sizes[-2]}", "beyond the last batch"]


def meta_log_format(b: Built) -> list[str]:
    b.run("UPDATE meta SET value = 'ramp-events/0' WHERE key = 'log_format'")
    return ["meta", "log_format"]


def batches_delete_middle(b: Built) -> list[str]:
    b.run(f"DELETE FROM batches WHERE size = {b.sizes[2]}")
    return [f"batches size {b.sizes[3]}", "a batch row is missing"]


def _change_after(data: bytes, marker: bytes) -> bytes:
    pos = data.index(marker) + len(marker)
    return data[:pos] + (b"2" if data[pos : pos + 1] != b"2" else b"3") + data[pos + 1 :]


def entry_runs_data_changed(b: Built) -> list[str]:
    """A digit of an envelope's commitment: the opening no longer opens it."""
    data = bytes(b.one(f"SELECT data FROM entry_runs WHERE first_seq = {b.sizes[0]}"))
    changed = _change_after(data, b'"commitment":"')
    b.run(f"UPDATE entry_runs SET data = {b.blob(changed)} WHERE first_seq = {b.sizes[0]}")
    return [f"entry_runs first_seq {b.sizes[0]}", "does not match its commitment"]


def entry_runs_class_changed(b: Built) -> list[str]:
    """An envelope re-labelled: the opening seals to another leaf."""
    data = bytes(b.one(f"SELECT data FROM entry_runs WHERE first_seq = {b.sizes[1]}"))
    changed = data.replace(b'"class":"restricted"', b'"class":"secret\x20\x20\x20\x20"', 1)
    b.run(f"UPDATE entry_runs SET data = {b.blob(changed)} WHERE first_seq = {b.sizes[1]}")
    return [f"entry_runs first_seq {b.sizes[1]}", "not a RAMP envelope"]


def body_runs_data_changed(b: Built) -> list[str]:
    """An amount in an event's opening: its envelope's commitment no longer opens."""
    data = bytes(b.one(f"SELECT data FROM body_runs WHERE first_seq = {b.sizes[1]}"))
    changed = _change_after(data, b'"amount":"')
    b.run(f"UPDATE body_runs SET data = {b.blob(changed)} WHERE first_seq = {b.sizes[1]}")
    return [f"entry_runs first_seq {b.sizes[1]}", "does not match its commitment"]


def body_runs_salt_changed(b: Built) -> list[str]:
    data = bytes(b.one(f"SELECT data FROM body_runs WHERE first_seq = {b.sizes[2]}"))
    changed = _flip(data, 2 + 5)  # inside the first opening's salt (after its uint16 length)
    b.run(f"UPDATE body_runs SET data = {b.blob(changed)} WHERE first_seq = {b.sizes[2]}")
    return [f"entry_runs first_seq {b.sizes[2]}", "does not match its commitment"]


def body_runs_data_truncated(b: Built) -> list[str]:
    data = bytes(b.one(f"SELECT data FROM body_runs WHERE first_seq = {b.sizes[1]}"))
    b.run(f"UPDATE body_runs SET data = {b.blob(data[:-5])} WHERE first_seq = {b.sizes[1]}")
    return [f"body_runs first_seq {b.sizes[1]}", "data"]


def body_runs_count(b: Built) -> list[str]:
    b.run(f"UPDATE body_runs SET count = count - 1 WHERE first_seq = {b.sizes[-2]}")
    return [f"body_runs first_seq {b.sizes[-2]}", "count"]


def body_runs_first_seq(b: Built) -> list[str]:
    b.run(f"UPDATE body_runs SET first_seq = first_seq + 1 WHERE first_seq = {b.sizes[2]}")
    return ["body_runs", f"no run of openings for the entries at {b.sizes[2]}"]


def body_runs_delete(which: int) -> Mutation:
    def apply(b: Built) -> list[str]:
        first = 0 if which == 0 else b.sizes[which - 1]
        b.run(f"DELETE FROM body_runs WHERE first_seq = {first}")
        return ["body_runs", f"no run of openings for the entries at {first}"]

    return apply


def entry_runs_data_truncated(b: Built) -> list[str]:
    data = bytes(b.one(f"SELECT data FROM entry_runs WHERE first_seq = {b.sizes[1]}"))
    b.run(f"UPDATE entry_runs SET data = {b.blob(data[:-5])} WHERE first_seq = {b.sizes[1]}")
    return [f"entry_runs first_seq {b.sizes[1]}", "data"]


def entry_runs_count(b: Built) -> list[str]:
    b.run(f"UPDATE entry_runs SET count = count - 1 WHERE first_seq = {b.sizes[-2]}")
    return [f"entry_runs first_seq {b.sizes[-2]}", "count"]


def entry_runs_first_seq(b: Built) -> list[str]:
    b.run(f"UPDATE entry_runs SET first_seq = first_seq + 1 WHERE first_seq = {b.sizes[2]}")
    return ["entry_runs", f"the batch at size {b.sizes[3]} starts at {b.sizes[2]}"]


def entry_runs_delete_last(b: Built) -> list[str]:
    b.run(f"DELETE FROM entry_runs WHERE first_seq = {b.sizes[-2]}")
    return ["entry_runs", f"no run for the batch at size {b.sizes[-1]}"]


def entry_runs_delete_middle(b: Built) -> list[str]:
    b.run(f"DELETE FROM entry_runs WHERE first_seq = {b.sizes[1]}")
    return ["entry_runs", f"the batch at size {b.sizes[2]} starts at {b.sizes[1]}"]


def hash_runs_flip(level: int, which: str) -> Mutation:
    def apply(b: Built) -> list[str]:
        first = b.one(f"SELECT {which}(first_index) FROM hash_runs WHERE level = {level}")
        data = bytes(b.one(f"SELECT data FROM hash_runs WHERE level = {level} AND first_index = {first}"))
        b.run(f"UPDATE hash_runs SET data = {b.blob(_flip(data, len(data) - 1))}"
              f" WHERE level = {level} AND first_index = {first}")  # fmt: skip
        return [f"hash_runs level {level} first_index {first}", "data differs"]

    return apply


def hash_runs_truncated(b: Built) -> list[str]:
    data = bytes(b.one(f"SELECT data FROM hash_runs WHERE level = 0 AND first_index = {b.sizes[0]}"))
    b.run(f"UPDATE hash_runs SET data = {b.blob(data[:-32])} WHERE level = 0 AND first_index = {b.sizes[0]}")
    return [f"hash_runs level 0 first_index {b.sizes[0]}", "data differs"]


def hash_runs_first_index(b: Built) -> list[str]:
    b.run(f"UPDATE hash_runs SET first_index = first_index + 1 WHERE level = 0 AND first_index = {b.sizes[2]}")
    return [f"hash_runs level 0 first_index {b.sizes[2]}", "is missing"]


def hash_runs_level(b: Built) -> list[str]:
    b.run("UPDATE hash_runs SET level = 2 WHERE level = 1")
    return ["hash_runs level 1 first_index 0", "is missing"]


def hash_runs_delete(which: str) -> Mutation:
    def apply(b: Built) -> list[str]:
        first = b.one(f"SELECT {which}(first_index) FROM hash_runs WHERE level = 0")
        b.run(f"DELETE FROM hash_runs WHERE level = 0 AND first_index = {first}")
        return [f"hash_runs level 0 first_index {first}", "is missing"]

    return apply


def balance_digit(which: int) -> Mutation:
    def apply(b: Built) -> list[str]:
        size = b.sizes[which]
        data = b.one(f"SELECT data FROM balance_changes WHERE size = {size}")
        text = bytes(data).decode() if isinstance(data, bytes | memoryview) else data
        pos = next(i for i, c in enumerate(text) if c.isdigit() and c != "0")
        changed = text[:pos] + str((int(text[pos]) + 1) % 10) + text[pos + 1 :]
        b.run(f"UPDATE balance_changes SET data = {_text(changed)} WHERE size = {size}")
        return [f"balance_changes size {size}", "data"]

    return apply


def balance_account_dropped(b: Built) -> list[str]:
    size = b.sizes[1]
    b.run(f"UPDATE balance_changes SET data = (SELECT data FROM balance_changes WHERE size = {b.sizes[-1]})"
          f" WHERE size = {size}")  # fmt: skip
    return [f"balance_changes size {size}", "data"]


def balance_truncated(b: Built) -> list[str]:
    size = b.sizes[2]
    data = b.one(f"SELECT data FROM balance_changes WHERE size = {size}")
    text = bytes(data).decode() if isinstance(data, bytes | memoryview) else data
    b.run(f"UPDATE balance_changes SET data = {_text(text[:-3])} WHERE size = {size}")
    return [f"balance_changes size {size}", "data unreadable"]


def balance_size(b: Built) -> list[str]:
    b.run(f"UPDATE balance_changes SET size = size + 1 WHERE size = {b.sizes[1]}")
    return ["balance_changes", f"no row for the batch at size {b.sizes[1]}"]


def balance_delete(which: int) -> Mutation:
    def apply(b: Built) -> list[str]:
        b.run(f"DELETE FROM balance_changes WHERE size = {b.sizes[which]}")
        return ["balance_changes", f"no row for the batch at size {b.sizes[which]}"]

    return apply


def meta_value(key: str, value: Callable[[Built], str]) -> Mutation:
    def apply(b: Built) -> list[str]:
        b.run(f"UPDATE meta SET value = {_text(value(b))} WHERE key = {_text(key)}")
        return ["meta", "differs from the trusted log key" if key == "log_verifier_key" else "origin"]

    return apply


def meta_key(b: Built) -> list[str]:
    b.run("UPDATE meta SET key = 'origin2' WHERE key = 'origin'")
    return ["meta origin", "missing"]


def meta_delete(key: str) -> Mutation:
    def apply(b: Built) -> list[str]:
        b.run(f"DELETE FROM meta WHERE key = {_text(key)}")
        return [f"meta {key}", "missing"]

    return apply


def migrations_name(b: Built) -> list[str]:
    b.run("UPDATE schema_migrations SET name = 'other' WHERE version = 2")
    return ["schema_migrations version 2", "name"]


def migrations_version(b: Built) -> list[str]:
    b.run("UPDATE schema_migrations SET version = 9 WHERE version = 2")
    return ["schema"]


def migrations_delete(b: Built) -> list[str]:
    b.run("DELETE FROM schema_migrations WHERE version = 2")
    return ["migration"]


def cosignature_line(b: Built) -> list[str]:
    size = b.sizes[-2]
    line = b.one(f"SELECT line FROM cosignatures WHERE size = {size}")
    head, blob = line.rsplit(" ", 1)
    changed = head + " " + ("A" if blob[10] != "A" else "B").join((blob[:10], blob[11:]))
    b.run(f"UPDATE cosignatures SET line = {_text(changed)} WHERE size = {size}")
    return [f"cosignatures size {size}", "not this witness's cosignature"]


def cosignature_witness(b: Built) -> list[str]:
    other = Cosigner.generate("witness.tamper.test").verifier_key().encode()
    b.run(f"UPDATE cosignatures SET witness = {_text(other)} WHERE size = {b.sizes[-1]}")
    return [f"cosignatures size {b.sizes[-1]}", "not this witness's cosignature"]


def cosignature_size(b: Built) -> list[str]:
    b.run(f"UPDATE cosignatures SET size = {b.sizes[1]} WHERE size = {b.sizes[-2]}")
    return [f"cosignatures size {b.sizes[1]}", "not this witness's cosignature"]


def cosignature_size_no_batch(b: Built) -> list[str]:
    b.run(f"UPDATE cosignatures SET size = {b.sizes[-1] + 5} WHERE size = {b.sizes[-1]}")
    return [f"cosignatures size {b.sizes[-1] + 5}", "no batch ends at this size"]


def cosignature_delete_last(b: Built) -> list[str]:
    b.run(f"DELETE FROM cosignatures WHERE size = {b.sizes[-1]}")
    return [f"cosignatures size {b.sizes[-1]}", "no cosignature by trusted witness"]


def truncate(table: str, expected: Callable[[Built], list[str]]) -> Mutation:
    def apply(b: Built) -> list[str]:
        b.run(f"DELETE FROM {table}")
        return expected(b)

    return apply


MUTATIONS: list[tuple[str, tuple[str, str] | None, Mutation]] = [
    ("batches.root last row bit", ("batches", "root"), root_flip(-1)),
    ("batches.root earlier row bit", ("batches", "root"), root_flip(1)),
    ("batches.first_seq", ("batches", "first_seq"), batches_first_seq),
    ("batches.size", ("batches", "size"), batches_size),
    ("batches.committed_ns", ("batches", "committed_ns"), batches_committed_ns),
    ("batches.checkpoint of another size", ("batches", "checkpoint"), batches_checkpoint_swapped),
    ("batches.checkpoint NULL", ("batches", "checkpoint"), batches_checkpoint_null),
    ("batches.checkpoint truncated", ("batches", "checkpoint"), batches_checkpoint_truncated),
    ("batches last row deleted", None, batches_delete_last),
    ("batches middle row deleted", None, batches_delete_middle),
    ("batches truncated", None, truncate("batches", lambda b: ["batches", "empty"])),
    ("entry_runs.data changed", ("entry_runs", "data"), entry_runs_data_changed),
    ("entry_runs.data class changed", ("entry_runs", "data"), entry_runs_class_changed),
    ("entry_runs.data truncated", ("entry_runs", "data"), entry_runs_data_truncated),
    ("entry_runs.count", ("entry_runs", "count"), entry_runs_count),
    ("entry_runs.first_seq", ("entry_runs", "first_seq"), entry_runs_first_seq),
    ("entry_runs last row deleted", None, entry_runs_delete_last),
    ("entry_runs middle row deleted", None, entry_runs_delete_middle),
    ("entry_runs truncated", None, truncate("entry_runs", lambda b: ["entry_runs", "no run for the batch at size"])),
    ("body_runs.data amount changed", ("body_runs", "data"), body_runs_data_changed),
    ("body_runs.data salt changed", ("body_runs", "data"), body_runs_salt_changed),
    ("body_runs.data truncated", ("body_runs", "data"), body_runs_data_truncated),
    ("body_runs.count", ("body_runs", "count"), body_runs_count),
    ("body_runs.first_seq", ("body_runs", "first_seq"), body_runs_first_seq),
    ("body_runs first row deleted", None, body_runs_delete(0)),
    ("body_runs last row deleted", None, body_runs_delete(-1)),
    ("body_runs truncated", None, truncate("body_runs", lambda b: ["body_runs", "no run of openings for the entries at 0"])),
    ("hash_runs.data level 0 first", ("hash_runs", "data"), hash_runs_flip(0, "MIN")),
    ("hash_runs.data level 0 last", ("hash_runs", "data"), hash_runs_flip(0, "MAX")),
    ("hash_runs.data level 1", ("hash_runs", "data"), hash_runs_flip(1, "MIN")),
    ("hash_runs.data truncated", ("hash_runs", "data"), hash_runs_truncated),
    ("hash_runs.first_index", ("hash_runs", "first_index"), hash_runs_first_index),
    ("hash_runs.level", ("hash_runs", "level"), hash_runs_level),
    ("hash_runs last row deleted", None, hash_runs_delete("MAX")),
    ("hash_runs first row deleted", None, hash_runs_delete("MIN")),
    ("hash_runs truncated", None, truncate("hash_runs", lambda b: ["hash_runs level 0 first_index 0", "is missing"])),
    ("balance_changes.data digit, earlier row", ("balance_changes", "data"), balance_digit(1)),
    ("balance_changes.data digit, last row", ("balance_changes", "data"), balance_digit(-1)),
    ("balance_changes.data other accounts", ("balance_changes", "data"), balance_account_dropped),
    ("balance_changes.data truncated", ("balance_changes", "data"), balance_truncated),
    ("balance_changes.size", ("balance_changes", "size"), balance_size),
    ("balance_changes earlier row deleted", None, balance_delete(2)),
    ("balance_changes last row deleted", None, balance_delete(-1)),
    ("balance_changes truncated", None,
     truncate("balance_changes", lambda b: ["balance_changes", f"no row for the batch at size {b.sizes[0]}"])),
    ("meta.value origin", ("meta", "value"), meta_value("origin", lambda b: "other.test/ramp")),
    ("meta.value log_verifier_key", ("meta", "value"),
     meta_value("log_verifier_key", lambda b: create_log_key(str(b.tmp / "other.key"), ORIGIN))),
    ("meta.key origin", ("meta", "key"), meta_key),
    ("meta origin deleted", None, meta_delete("origin")),
    ("meta.value log_format", ("meta", "value"), meta_log_format),
    ("meta log_format deleted", None, meta_delete("log_format")),
    ("meta log_verifier_key deleted", None, meta_delete("log_verifier_key")),
    ("meta truncated", None, truncate("meta", lambda b: ["meta origin", "missing"])),
    ("schema_migrations.name", ("schema_migrations", "name"), migrations_name),
    ("schema_migrations.version", ("schema_migrations", "version"), migrations_version),
    ("schema_migrations row deleted", None, migrations_delete),
    ("cosignatures.line", ("cosignatures", "line"), cosignature_line),
    ("cosignatures.witness", ("cosignatures", "witness"), cosignature_witness),
    ("cosignatures.size to another batch", ("cosignatures", "size"), cosignature_size),
    ("cosignatures.size to no batch", ("cosignatures", "size"), cosignature_size_no_batch),
    ("cosignatures last row deleted", None, cosignature_delete_last),
    ("cosignatures truncated", None,
     truncate("cosignatures", lambda b: [f"cosignatures size {b.sizes[-1]}", "no cosignature by trusted witness"])),
]  # fmt: skip


def test_the_undamaged_store_verifies(built, capsys):
    code, out = verify(built, capsys, "--witness-key", WITNESS_KEY)
    assert code == 0, out
    assert f"OK {ORIGIN} size {built.sizes[-1]}" in out and "cosigned by witness.tamper.test" in out
    assert f"{len(built.sizes)} checkpoints consistent" in out
    store = open_store(built.url, readonly=True)
    kinds = {type(decode_event(split_opening(opening)[1])).__name__ for opening in store.iter_openings()}
    store.close()
    assert kinds >= {"AccountCreated", "TransferApplied", "PendingExpired", "AccountFlagsChanged"}


@pytest.mark.parametrize(("name", "column", "mutate"), MUTATIONS, ids=[m[0] for m in MUTATIONS])
def test_every_single_row_change_is_refused(built, capsys, name, column, mutate):
    expected = mutate(built)
    code, out = verify(built, capsys, "--witness-key", WITNESS_KEY)
    assert code == 1, f"{name}: verified a damaged store\n{out}"
    assert "FAILED" in out and "Traceback" not in out
    for text in expected:
        assert text in out, f"{name}: {text!r} not in {out!r}"


def test_every_column_that_carries_meaning_is_mutated():
    mutated = {column for _name, column, _m in MUTATIONS if column is not None}
    every = {(table, column) for table, (columns, _key) in TABLE_COLUMNS.items() for column in columns}
    assert every - mutated == NOT_EVIDENCE
    deleted = {name.split()[0].split(".")[0] for name, column, _m in MUTATIONS if column is None}
    assert deleted == set(TABLE_COLUMNS)  # a deleted row or a truncated table of every table


def test_the_schema_has_no_table_the_audit_does_not_read(tmp_path):
    db = tmp_path / "empty.db"
    open_store(str(db)).close()
    with sqlite3.connect(db) as raw:
        tables = {name for (name,) in raw.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert tables == set(TABLE_COLUMNS)


def test_local_facts_do_not_matter(built, capsys):
    for table, column in sorted(NOT_EVIDENCE):
        built.run(f"UPDATE {table} SET {column} = {column} + 1")
    # The writer's path to its private key: local configuration, not evidence.
    built.run("INSERT INTO meta (key, value) VALUES ('log_key_file', '/elsewhere/log.key')")
    code, out = verify(built, capsys, "--witness-key", WITNESS_KEY)
    assert code == 0, out


def test_every_table_truncated_alike_needs_a_checkpoint_seen_before(built, capsys, tmp_path):
    """Removing the last batch from every table at once leaves an older, self-consistent store:
    only a checkpoint someone kept (an auditor, a witness) can tell, and then it fails."""
    last, before = built.sizes[-1], built.sizes[-2]
    note = built.one(f"SELECT checkpoint FROM batches WHERE size = {last}")
    for sql in (f"DELETE FROM batches WHERE size = {last}", f"DELETE FROM entry_runs WHERE first_seq = {before}",
                f"DELETE FROM body_runs WHERE first_seq = {before}",
                f"DELETE FROM hash_runs WHERE level = 0 AND first_index = {before}",
                f"DELETE FROM balance_changes WHERE size = {last}", f"DELETE FROM cosignatures WHERE size = {last}"):
        built.run(sql)  # fmt: skip
    code, out = verify(built, capsys)
    assert code == 0, out  # on its own, the older store is whole
    (tmp_path / "seen").write_text(note)
    code, out = verify(built, capsys, "--known-checkpoint", str(tmp_path / "seen"))
    assert code == 1 and f"size {last} is beyond the store's last batch ({before})" in out, out
    # The witness cosigned that older checkpoint too: only the newer one it saw would tell.
    code, out = verify(built, capsys, "--witness-key", WITNESS_KEY)
    assert code == 0, out
