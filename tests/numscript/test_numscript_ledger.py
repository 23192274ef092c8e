"""Numscript on the ledger, on each store: one run is one linked batch, recorded with its
script and vars; every refusal has its code and writes nothing; a retry answers `exists`."""

from __future__ import annotations

import dataclasses
import hashlib

import pytest

from ramp.journal import Journal
from ramp.ledger import AppendRecord, CreateAccount, CreateTransfer, RecordAppended
from ramp.ledger.events import TransferApplied
from ramp.ledger.model import RECORD_BODY_MAX_BYTES
from ramp.numscript.ledger import ScriptPlanner, run_on_journal, settle
from ramp.numscript.runs import SCRIPT_ID_MAX_CHARS, ScriptRefused, ScriptRun, prepare

S = 1_000_000_000
NO_OVERDRAFT = ("debits_must_not_exceed_credits",)

SPLIT = """vars {
  monetary $amount
  account $to
}
send $amount (
  source = @fy2025:pool
  destination = {
    1/3 to $to
    remaining to @fy2025:reserve
  }
)
set_tx_meta("purpose", "test split")
set_account_meta($to, "allotted", $amount)
"""


@pytest.fixture
def journal(store):
    j = Journal(store)
    j.submit([
        CreateAccount(id="treasury:issuer", asset="JPYD"),
        CreateAccount(id="fy2025:pool", asset="JPYD", flags=NO_OVERDRAFT, metadata={"cap": "JPYD 40"}),
        CreateAccount(id="fy2025:a", asset="JPYD", flags=NO_OVERDRAFT),
        CreateAccount(id="fy2025:reserve", asset="JPYD", flags=NO_OVERDRAFT),
        CreateAccount(id="usd:a", asset="USD/2", flags=NO_OVERDRAFT),
        CreateTransfer(id="fund", debit_account="treasury:issuer", credit_account="fy2025:pool", amount=1000,
                       asset="JPYD", code="MINT"),
    ], 1 * S)  # fmt: skip
    yield j
    j.close()


def run(j: Journal, id: str, script: str, vars: dict[str, str] | None = None, **kw):
    return run_on_journal(j, ScriptRun(id, script, vars or {}, **kw))


def refused(j: Journal, id: str, script: str, vars: dict[str, str] | None = None, **kw) -> ScriptRefused:
    size = j.engine.next_seq
    with pytest.raises(ScriptRefused) as info:
        run(j, id, script, vars, **kw)
    j.flush()
    assert j.engine.next_seq == size == j.size, "a refused run wrote something"
    return info.value


def balance(j: Journal, account: str) -> int:
    return j.read.account(account).balance


def test_a_run_is_a_record_then_one_linked_transfer_per_posting(journal):
    out = run(journal, "split-1", SPLIT, {"amount": "JPYD 100", "to": "fy2025:a"}, code="ALLOT",
              submitted_by="fo.tanaka")  # fmt: skip
    # 1/3 of 100 is 33 1/3: floor gives 33 and 66, the one yen left goes to the first part.
    assert [(p.transfer_id, p.source, p.destination, p.amount, p.asset) for p in out.postings] == [
        ("split-1:0", "fy2025:pool", "fy2025:a", 34, "JPYD"),
        ("split-1:1", "fy2025:pool", "fy2025:reserve", 66, "JPYD"),
    ]
    assert out.record.result == "ok" and [p.result for p in out.postings] == ["ok", "ok"]
    assert [out.record.seq] + [p.seq for p in out.postings] == [6, 7, 8]
    assert (balance(journal, "fy2025:pool"), balance(journal, "fy2025:a")) == (900, 34)
    [record, t0, t1] = journal.events([6, 7, 8])
    assert isinstance(record, RecordAppended) and record.id == "split-1" and record.type == "numscript.run"
    assert record.flags == ("linked",) and t0.flags == ("linked",) and t1.flags == ()
    assert record.body == {
        "script": SPLIT,
        "script_sha256": hashlib.sha256(SPLIT.encode()).hexdigest(),
        "vars": [["amount", "JPYD 100"], ["to", "fy2025:a"]],
        "code": "ALLOT",
        "transfers": 2,
        "tx_meta": [["purpose", "test split"]],
        "account_meta": [["fy2025:a", "allotted", "JPYD 100"]],
        "submitted_by": "fo.tanaka",
    }
    assert isinstance(t0, TransferApplied) and t0.code == "ALLOT" and t0.references == {"script_run": "split-1"}
    assert dict(out.tx_meta) == {"purpose": "test split"}
    assert {k: dict(v) for k, v in out.account_meta.items()} == {"fy2025:a": {"allotted": "JPYD 100"}}
    journal.engine.check_invariants()


def test_a_retry_answers_exists_with_the_first_postings_even_after_balances_changed(journal):
    send_all = "send [JPYD *] (source = @fy2025:pool destination = @fy2025:a)"
    first = run(journal, "sweep", send_all)
    assert [p.amount for p in first.postings] == [1000]
    journal.submit([CreateTransfer(id="refund", debit_account="treasury:issuer", credit_account="fy2025:pool",
                                   amount=5, asset="JPYD", code="MINT")])  # fmt: skip
    size = journal.size
    again = run(journal, "sweep", send_all)
    assert again.replayed and not first.replayed
    assert again.postings == tuple(dataclasses.replace(p, result="exists") for p in first.postings)
    assert again.record.result == "exists" and again.record.seq == first.record.seq
    assert journal.size == size and balance(journal, "fy2025:pool") == 5


def test_a_retry_of_a_run_without_postings_answers_exists(journal):
    script = 'set_tx_meta("note", "nothing moves")'
    first = run(journal, "meta-only", script)
    assert first.postings == () and first.record.result == "ok"
    assert journal.events([first.record.seq])[0].flags == ()  # a chain of one: not linked
    again = run(journal, "meta-only", script)
    assert again.record.result == "exists" and dict(again.tx_meta) == {"note": "nothing moves"}


@pytest.mark.parametrize(("change", "code"), [
    ({"script": SPLIT + "\n"}, "exists_with_different_script"),
    ({"vars": {"amount": "JPYD 101", "to": "fy2025:a"}}, "exists_with_different_vars"),
    ({"code": "TRANSFER"}, "exists_with_different_code"),
])  # fmt: skip
def test_the_same_id_with_other_inputs_is_refused(journal, change, code):
    asked = {"script": SPLIT, "vars": {"amount": "JPYD 100", "to": "fy2025:a"}, "code": "ALLOT"}
    run(journal, "split-2", **asked)
    error = refused(journal, "split-2", **{**asked, **change})
    assert (error.kind, error.code) == ("conflict", code)


def test_an_id_held_by_another_record_type_is_refused(journal):
    journal.submit([AppendRecord(id="taken", type="other.thing", body={})])
    error = refused(journal, "taken", 'set_tx_meta("a", "b")')
    assert (error.kind, error.code) == ("conflict", "exists_with_different_type")


def test_insufficient_funds_is_refused_with_where_and_writes_nothing(journal):
    error = refused(journal, "too-much", SPLIT, {"amount": "JPYD 1001", "to": "fy2025:a"})
    assert (error.kind, error.code, error.numscript_code) == ("conflict", "insufficient_funds", "missing_funds")
    assert (error.line, error.column) == (6, 12)  # the source
    assert balance(journal, "fy2025:pool") == 1000


def test_spendable_balance_excludes_pending_debits(journal):
    journal.submit([CreateTransfer(id="hold", debit_account="fy2025:pool", credit_account="fy2025:a", amount=300,
                                   asset="JPYD", code="OBLIGATE", flags=("pending",))])  # fmt: skip
    out = run(journal, "rest", "send [JPYD *] (source = @fy2025:pool destination = @fy2025:reserve)")
    assert [p.amount for p in out.postings] == [700]
    error = refused(journal, "more", "send [JPYD 1] (source = @fy2025:pool destination = @fy2025:reserve)")
    assert error.code == "insufficient_funds"


def test_balance_and_meta_read_the_live_ledger(journal):
    script = """vars {
  monetary $all = balance(@fy2025:pool, JPYD)
  monetary $cap = meta(@fy2025:pool, "cap")
}
send $cap ( source = @fy2025:pool destination = @fy2025:a )
set_tx_meta("seen", $all)
"""
    out = run(journal, "live", script)
    assert [p.amount for p in out.postings] == [40] and dict(out.tx_meta) == {"seen": "JPYD 1000"}
    error = refused(journal, "no-meta", 'vars { monetary $m = meta(@fy2025:a, "cap") }\nsend $m (source = @fy2025:a destination = @fy2025:pool)')  # fmt: skip
    assert (error.kind, error.code, error.numscript_code) == ("unprocessable", "script_runtime_error",
                                                              "metadata_not_found")  # fmt: skip


def test_money_enters_only_from_a_named_ledger_account_never_from_world(journal):
    error = refused(journal, "mint-world", "send [JPYD 5] (source = @world destination = @fy2025:a)")
    assert (error.kind, error.code) == ("unprocessable", "world_account_not_allowed")
    error = refused(journal, "burn-world", "send [JPYD 5] (source = @fy2025:pool destination = @world)")
    assert error.code == "world_account_not_allowed"
    # Without an overdraft clause the issuer, with no balance, cannot pay: the script says it may.
    error = refused(journal, "mint-plain", "send [JPYD 5] (source = @treasury:issuer destination = @fy2025:a)")
    assert error.code == "insufficient_funds"
    out = run(journal, "mint", "send [JPYD 5] (source = @treasury:issuer allowing unbounded overdraft "
                               "destination = @fy2025:a)", code="MINT")  # fmt: skip
    assert [(p.source, p.amount) for p in out.postings] == [("treasury:issuer", 5)]
    assert balance(journal, "treasury:issuer") == -1005


def test_the_ledger_flags_win_over_a_script_overdraft(journal):
    script = "send [JPYD 1010] (source = @fy2025:pool allowing overdraft up to [JPYD 50] destination = @fy2025:a)"
    error = refused(journal, "overdraw", script)
    assert (error.kind, error.code) == ("conflict", "exceeds_credits")
    assert [(r.id, r.result) for r in error.results] == [("overdraw", "linked_event_failed"),
                                                           ("overdraw:0", "exceeds_credits")]  # fmt: skip


@pytest.mark.parametrize(("script", "kind", "code"), [
    # An account name the ledger cannot hold (upper case), a self-transfer, a missing account,
    # an asset the account does not hold, an amount beyond 64 bits.
    ("send [JPYD 1] (source = @fy2025:pool destination = @Fy2025:A)", "unprocessable", "account_id_invalid"),
    ("send [JPYD 1] (source = @fy2025:pool destination = @fy2025:pool)", "unprocessable",
     "accounts_must_be_different"),
    ("send [JPYD 1] (source = @fy2025:pool destination = @fy2025:nobody)", "conflict", "credit_account_not_found"),
    ("send [USD/2 1] (source = @usd:a allowing unbounded overdraft destination = @fy2025:a)", "conflict",
     "asset_mismatch"),
    ("send [JPYD 9223372036854775808] (source = @treasury:issuer allowing unbounded overdraft "
     "destination = @fy2025:a)", "unprocessable", "amount_invalid"),
])  # fmt: skip
def test_a_posting_the_engine_refuses_fails_the_whole_chain(journal, script, kind, code):
    two_postings = script.replace("send", "send [JPYD 1] (source = @fy2025:pool destination = @fy2025:a)\nsend", 1)
    error = refused(journal, "bad", two_postings)
    assert (error.kind, error.code) == (kind, code)
    assert [r.result for r in error.results] == ["linked_event_failed", "linked_event_failed", code]
    assert journal.engine.transfer("bad:0") is None and balance(journal, "fy2025:a") == 0


def test_a_transfer_id_already_taken_fails_the_chain(journal):
    journal.submit([CreateTransfer(id="clash:0", debit_account="fy2025:pool", credit_account="fy2025:reserve",
                                   amount=7, asset="JPYD", code="ALLOT")])  # fmt: skip
    error = refused(journal, "clash", "send [JPYD 8] (source = @fy2025:pool destination = @fy2025:reserve)")
    assert error.code == "exists_with_different_amount"
    assert journal.engine.transfer("clash:0").amount == "7"


@pytest.mark.parametrize(("run_", "code", "numscript_code"), [
    (ScriptRun("", "send [JPYD 1] (source = @a destination = @b)", {}), "script_id_invalid", None),
    (ScriptRun("x" * (SCRIPT_ID_MAX_CHARS + 1), 'set_tx_meta("a", "b")', {}), "script_id_invalid", None),
    (ScriptRun("bad id", 'set_tx_meta("a", "b")', {}), "script_id_invalid", None),
    (ScriptRun("c", 'set_tx_meta("a", "b")', {}, code="allot"), "code_invalid", None),
    (ScriptRun("big", "// " + "x" * RECORD_BODY_MAX_BYTES, {}), "script_too_large", None),
    (ScriptRun("big-vars", "vars { string $s }", {"s": "x" * RECORD_BODY_MAX_BYTES}), "script_too_large", None),
    (ScriptRun("p", "send [JPYD 1] (\n  source = @a\n  destination = \n)", {}), "script_parse_error", "syntax_error"),
    (ScriptRun("u", "vars { monetary $m }", {"m": "JPYD 1", "typo": "x"}), "script_vars_invalid",
     "unknown_variable"),
])  # fmt: skip
def test_requests_refused_before_the_ledger_is_read(run_, code, numscript_code):
    with pytest.raises(ScriptRefused) as info:
        prepare(run_)
    assert (info.value.kind, info.value.code, info.value.numscript_code) == ("invalid", code, numscript_code)


def test_a_parse_error_says_where(journal):
    error = refused(journal, "p", "send [JPYD 1] (\n  source = @a\n  destination = \n)")
    assert (error.code, error.numscript_code, error.line, error.column) == ("script_parse_error", "syntax_error", 4, 1)


@pytest.mark.parametrize(("vars", "numscript_code"), [
    ({"to": "fy2025:a"}, "missing_variable"),
    ({"amount": "100 JPYD", "to": "fy2025:a"}, "invalid_variable"),
])  # fmt: skip
def test_vars_that_do_not_fit_the_declarations_are_refused(journal, vars, numscript_code):
    error = refused(journal, "v", SPLIT, vars)
    assert (error.kind, error.code, error.numscript_code) == ("invalid", "script_vars_invalid", numscript_code)


def test_other_script_errors_are_unprocessable_with_the_interpreter_code(journal):
    error = refused(journal, "r", "send [JPYD 10] (source = @fy2025:pool destination = { 50% to @fy2025:a 40% to @fy2025:reserve })")  # fmt: skip
    assert (error.kind, error.code, error.numscript_code) == ("unprocessable", "script_runtime_error",
                                                              "invalid_allotment")  # fmt: skip


def test_a_record_outgrown_by_the_metadata_a_script_sets_is_refused(journal):
    script = 'vars { string $s }\nset_tx_meta("a", $s)\nset_tx_meta("b", $s)'
    error = refused(journal, "grow", script, {"s": "x" * (RECORD_BODY_MAX_BYTES // 2 - 100)})
    assert (error.kind, error.code) == ("unprocessable", "script_record_too_large")


def test_a_planner_refusal_comes_from_the_live_state_under_the_write_lock(journal):
    """Two runs each take 600 of 1000: the second is planned after the first was applied in
    the engine but before it is durable, and still sees it."""
    take = "send [JPYD 600] (source = @fy2025:pool destination = @fy2025:a)"
    first = ScriptPlanner(prepare(ScriptRun("take-1", take, {})))
    pending = journal.submit_planned_async(first)
    with pytest.raises(ScriptRefused) as info:
        journal.submit_planned_async(ScriptPlanner(prepare(ScriptRun("take-2", take, {}))))
    assert info.value.code == "insufficient_funds"
    assert settle(first.plan, pending.result()).postings[0].result == "ok"
