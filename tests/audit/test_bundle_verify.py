"""Audit bundles: a real log exports, verifies offline, and every alteration is caught."""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import pytest

from ramp.audit.bundle import entry_bundle_ids, export_store
from ramp.audit.verify import VerifyFailure, main, verify_bundle
from ramp.journal import Journal
from ramp.journal.log import LogSigner, create_log_key
from ramp.ledger import CreateAccount, CreateTransfer
from ramp.store import SQLiteStore
from ramp.tlog.tiles import decode_entry_bundle, encode_entry_bundle

ORIGIN = "audit.test/ramp"


def _log(tmp: Path) -> LogSigner:
    key = tmp / "log.key"
    if not key.exists():
        create_log_key(str(key), ORIGIN)
    return LogSigner.from_key_file(str(key), ORIGIN)


def _history(j: Journal, rng: random.Random, batches: int, tag: str = "t") -> None:
    lines = [f"line:{i}" for i in range(6)]
    for b in range(batches):
        cmds = []
        for k in range(rng.randrange(1, 300)):
            debit = rng.choice(["bank:issuer", *lines])
            credit = rng.choice([x for x in lines if x != debit])
            flags = ("pending",) if rng.random() < 0.1 else ()
            cmds.append(CreateTransfer(id=f"{tag}{b}-{k}", debit_account=debit, credit_account=credit,
                                       amount=rng.randrange(1, 1000), asset="JPYD", code="ALLOT", flags=flags))  # fmt: skip
        j.submit(cmds)


def make_log(tmp: Path, batches: int = 12, seed: int = 1) -> tuple[Path, LogSigner]:
    db = tmp / "ledger.db"
    log = _log(tmp)
    j = Journal(SQLiteStore(str(db)), log=log)
    j.submit([CreateAccount(id="bank:issuer", asset="JPYD")]
             + [CreateAccount(id=f"line:{i}", asset="JPYD", flags=("debits_must_not_exceed_credits",)) for i in range(6)])  # fmt: skip
    _history(j, random.Random(seed), batches)
    j.close()
    return db, log


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> tuple[Path, str]:
    tmp = tmp_path_factory.mktemp("bundle")
    db, log = make_log(tmp)
    store = SQLiteStore(str(db))
    export_store(store, str(tmp / "bundle"))
    store.close()
    return tmp / "bundle", log.verifier_key


def test_a_real_bundle_verifies(bundle):
    path, vkey = bundle
    report = verify_bundle(str(path), log_key=vkey)
    assert report.size > 1000 and report.accounts == 7
    assert report.checkpoints_checked == 13  # every batch's checkpoint, the last one included, consistent
    assert main([str(path), "--log-key", vkey]) == 0


def test_every_single_byte_change_is_detected(bundle, tmp_path):
    path, vkey = bundle
    files = sorted(p for p in path.rglob("*") if p.is_file())
    assert {p.name for p in files} >= {"manifest.json", "checkpoint", "checkpoints.jsonl", "balances.json"}
    rng = random.Random(42)
    work = tmp_path / "work"
    shutil.copytree(path, work)
    trials = 0
    for f in files:  # every file, several random bytes each
        rel = f.relative_to(path)
        original = f.read_bytes()
        for _ in range(6):
            pos = rng.randrange(len(original))
            mutated = bytearray(original)
            mutated[pos] = (mutated[pos] + rng.randrange(1, 256)) % 256
            (work / rel).write_bytes(bytes(mutated))
            with pytest.raises(VerifyFailure):
                verify_bundle(str(work), log_key=vkey)
            trials += 1
        (work / rel).write_bytes(original)
    verify_bundle(str(work), log_key=vkey)  # restored: verifies again
    assert trials >= 6 * 10


def _rewrite_bundle(work: Path, index: int, edit) -> None:
    bid = entry_bundle_ids(10**9)[index]
    p = work / bid.path
    entries = decode_entry_bundle(p.read_bytes())
    p.write_bytes(encode_entry_bundle(edit(entries)))


@pytest.mark.slow  # every drop and swap of a real bundle's entries
def test_dropped_or_reordered_entries_are_detected(bundle, tmp_path):
    path, vkey = bundle
    for name, edit in [
        ("reorder", lambda es: [es[1], es[0], *es[2:]]),
        ("drop", lambda es: es[:5] + es[6:]),
        ("duplicate", lambda es: es[:5] + [es[4]] + es[6:]),
    ]:
        work = tmp_path / name
        shutil.copytree(path, work)
        _rewrite_bundle(work, 1, edit)
        with pytest.raises(VerifyFailure) as failure:
            verify_bundle(str(work), log_key=vkey)
        where = failure.value.where
        # The first failure is named: an entry of bundle 1 (entries 256..511) or the bundle itself.
        assert where == "tile/entries/001" or 256 <= int(where.removeprefix("entry ")) < 512, where


def test_a_forked_log_is_detected_with_an_earlier_checkpoint(tmp_path):
    db, log = make_log(tmp_path, batches=4)
    fork_db = tmp_path / "fork.db"
    shutil.copy(db, fork_db)
    for suffix in ("-wal", "-shm"):
        if Path(f"{db}{suffix}").exists():
            shutil.copy(f"{db}{suffix}", f"{fork_db}{suffix}")
    # The honest log goes on; an auditor keeps its checkpoint.
    j = Journal(SQLiteStore(str(db)), log=log)
    _history(j, random.Random(5), 2, tag="honest")
    honest_checkpoint = j.store.last_batch().checkpoint
    j.close()
    # The fork rewrites what came after the copy, signed with the same key.
    f = Journal(SQLiteStore(str(fork_db)), log=log)
    _history(f, random.Random(6), 3, tag="fork")
    f.close()
    store = SQLiteStore(str(fork_db))
    export_store(store, str(tmp_path / "fork-bundle"))
    store.close()
    # On its own the fork is self-consistent...
    verify_bundle(str(tmp_path / "fork-bundle"), log_key=log.verifier_key)
    # ...but not with the checkpoint the auditor saw earlier.
    with pytest.raises(VerifyFailure) as failure:
        verify_bundle(str(tmp_path / "fork-bundle"), log_key=log.verifier_key, known_checkpoints=(honest_checkpoint,))
    assert "fork" in failure.value.reason or "beyond" in failure.value.reason


def test_wrong_trusted_key_fails(bundle, tmp_path):
    path, _ = bundle
    other = create_log_key(str(tmp_path / "other.key"), ORIGIN)
    assert main([str(path), "--log-key", other]) == 1


def test_verify_db_reads_the_store_directly(tmp_path, capsys):
    db, _ = make_log(tmp_path, batches=3)
    assert main(["--db", str(db)]) == 0
    assert "OK audit.test/ramp" in capsys.readouterr().out
