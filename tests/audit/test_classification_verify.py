"""`ramp verify` holds the writer to the classification rule: an envelope may be stricter than the
rule (a log written with everything sealed verifies), never looser (a restricted event published
in clear fails, naming the entry)."""

from __future__ import annotations

from ramp.audit.verify import main as verify
from ramp.journal import Journal
from ramp.journal.envelope import Level
from ramp.journal.log import LogSigner, create_log_key
from ramp.ledger import CreateAccount, CreateTransfer
from ramp.store import SQLiteStore

ORIGIN = "classify.test/ramp"
PROJECT = "ops:project-1"  # restricted by the rule (not one of the law's public accounts), outside the fence


def _write(tmp_path, classifier) -> str:
    key = str(tmp_path / "log.key")
    create_log_key(key, ORIGIN)
    db = str(tmp_path / "ramp.db")
    journal = Journal(SQLiteStore(db), log=LogSigner.from_key_file(key, ORIGIN), classifier=classifier)
    results = journal.submit([
        CreateAccount(id="ops:issuer", asset="JPYD"), CreateAccount(id=PROJECT, asset="JPYD"),
        CreateTransfer(id="t1", debit_account="ops:issuer", credit_account=PROJECT, amount=7, asset="JPYD", code="X"),
    ])  # fmt: skip
    assert all(r.result == "ok" for r in results), results
    journal.close()
    return db


def test_a_log_sealed_more_than_the_rule_asks_verifies(tmp_path, capsys):
    db = _write(tmp_path, None)  # no classifier: everything restricted
    assert verify(["--db", db]) == 0, capsys.readouterr()


def test_a_restricted_event_published_in_clear_fails(tmp_path, capsys):
    db = _write(tmp_path, lambda _event, _engine: Level.PUBLIC)  # a writer that leaks
    assert verify(["--db", db]) == 1
    err = capsys.readouterr().err
    assert "entry 0" in err and "public in the log, but the classification rule says restricted" in err
