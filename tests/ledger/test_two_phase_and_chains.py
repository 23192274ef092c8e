"""Pending transfers (partial post, void, expiry), linked chains, idempotent retries, limits."""

from __future__ import annotations

import sys

import pytest

from ramp.ledger import BATCH_MAX_EVENTS, BatchTooLarge, ChangeAccountFlags, CreateAccount
from ramp.ledger import results as result_codes
from ramp.ledger.events import PendingExpired
from tests.ledger.helpers import T0, codes, run, standard_engine, tx

S = 1_000_000_000  # one second in ns


def bal(e, account):
    a = e.account(account)
    return (a.debits_pending, a.debits_posted, a.credits_pending, a.credits_posted)


def test_pending_reserves_then_partial_post_releases_the_remainder():
    e = standard_engine()
    assert codes(run(e, tx("p1", amount=600, flags=("pending",)))) == [result_codes.OK]
    assert bal(e, "line:a") == (600, 0, 0, 1000)
    assert bal(e, "line:b") == (0, 0, 600, 0)
    # The reservation counts against the limit: only 400 is left to spend.
    assert codes(run(e, tx("t1", amount=401))) == [result_codes.EXCEEDS_CREDITS]
    assert codes(run(e, tx("r1", amount=250, flags=("post_pending",), pending_id="p1"))) == [result_codes.OK]
    assert bal(e, "line:a") == (0, 250, 0, 1000)
    assert bal(e, "line:b") == (0, 0, 0, 250)
    assert e.transfer("r1").amount == "250"  # the applied event records the posted amount
    e.check_invariants()


def test_post_without_amount_posts_everything_and_inherits_fields():
    e = standard_engine()
    run(e, tx("p1", amount=600, flags=("pending",), code="OBLIGATE"))
    [r] = run(e, tx("r1", debit="", credit="", asset="", code="", amount=None, flags=("post_pending",), pending_id="p1"))
    assert r.result == result_codes.OK
    t = e.transfer("r1")
    assert (t.debit_account, t.credit_account, t.amount, t.code) == ("line:a", "line:b", "600", "OBLIGATE")


def test_void_releases_everything():
    e = standard_engine()
    run(e, tx("p1", amount=600, flags=("pending",)))
    assert codes(run(e, tx("v1", amount=None, flags=("void_pending",), pending_id="p1"))) == [result_codes.OK]
    assert bal(e, "line:a") == (0, 0, 0, 1000)
    assert bal(e, "line:b") == (0, 0, 0, 0)


def test_pending_transfer_resolves_at_most_once():
    e = standard_engine()
    run(e, tx("p1", amount=600, flags=("pending",)))
    run(e, tx("r1", amount=100, flags=("post_pending",), pending_id="p1"))
    assert codes(run(e, tx("r2", amount=100, flags=("post_pending",), pending_id="p1"))) == [
        result_codes.PENDING_TRANSFER_ALREADY_POSTED
    ]
    # Retrying the resolution itself is idempotent.
    assert codes(run(e, tx("r1", amount=100, flags=("post_pending",), pending_id="p1"))) == [result_codes.EXISTS]
    assert codes(run(e, tx("r1", amount=99, flags=("post_pending",), pending_id="p1"))) == [
        result_codes.EXISTS_WITH_DIFFERENT_AMOUNT
    ]


def test_pending_transfer_expired():
    e = standard_engine()
    run(e, tx("p1", amount=600, flags=("pending",), timeout_s=10), now=T0 + 1)
    # Before the deadline, the reservation holds.
    assert bal(e, "line:a") == (600, 0, 0, 1000)
    out = e.execute([tx("r1", amount=None, flags=("post_pending",), pending_id="p1")], T0 + 11 * S)
    assert codes(out.results) == [result_codes.PENDING_TRANSFER_EXPIRED]
    # The expiry itself is an event, appended before the batch, releasing the reservation.
    assert [type(ev) for ev in out.events] == [PendingExpired]
    assert out.events[0].pending_id == "p1" and out.events[0].amount == "600"
    assert bal(e, "line:a") == (0, 0, 0, 1000)
    e.check_invariants()


def test_expiry_is_evaluated_against_the_given_timestamp_exactly():
    e = standard_engine()
    [p] = run(e, tx("p1", amount=600, flags=("pending",), timeout_s=10), now=T0 + 5)
    created = e.last_timestamp
    deadline = created + 10 * S
    # One nanosecond before the deadline the post succeeds.
    out = e.execute([tx("r1", amount=None, flags=("post_pending",), pending_id="p1")], deadline - 1)
    assert codes(out.results) == [result_codes.OK]
    e2 = standard_engine()
    run(e2, tx("p1", amount=600, flags=("pending",), timeout_s=10), now=T0 + 5)
    out = e2.execute([tx("r1", amount=None, flags=("post_pending",), pending_id="p1")], deadline)
    assert codes(out.results) == [result_codes.PENDING_TRANSFER_EXPIRED]


def test_linked_chain_commits_all_or_nothing():
    e = standard_engine()
    before = e.balances()
    seq = e.next_seq
    chain = [
        CreateAccount(id="contract:c1", asset="JPYD", flags=("linked", "debits_must_not_exceed_credits")),
        tx("o1", "line:a", "contract:c1", 700, flags=("linked",)),
        tx("o2", "line:a", "contract:c1", 400),  # 700 + 400 > 1000: fails, so all fail
    ]
    assert codes(run(e, *chain)) == [result_codes.LINKED_EVENT_FAILED, result_codes.LINKED_EVENT_FAILED, result_codes.EXCEEDS_CREDITS]
    assert e.balances() == before and e.next_seq == seq
    assert e.account("contract:c1") is None and e.transfer("o1") is None
    chain[2] = tx("o2", "line:a", "contract:c1", 300)
    assert codes(run(e, *chain)) == [result_codes.OK, result_codes.OK, result_codes.OK]
    assert e.account("contract:c1").balance == 1000
    # Retrying the committed chain is idempotent, event by event.
    assert codes(run(e, *chain)) == [result_codes.EXISTS, result_codes.EXISTS, result_codes.EXISTS]


def test_linked_chain_rolls_back_pending_resolution_and_flags():
    e = standard_engine()
    run(e, tx("p1", amount=600, flags=("pending",)))
    chain = [
        tx("r1", amount=None, flags=("post_pending", "linked"), pending_id="p1"),
        ChangeAccountFlags(id="fz", account="line:b", set=("frozen",), flags=("linked",)),
        tx("bad", amount=0),
    ]
    assert codes(run(e, *chain)) == [result_codes.LINKED_EVENT_FAILED, result_codes.LINKED_EVENT_FAILED, result_codes.AMOUNT_INVALID]
    assert e.account("line:b").flags == ("debits_must_not_exceed_credits",)
    assert codes(run(e, tx("r2", amount=None, flags=("void_pending",), pending_id="p1"))) == [result_codes.OK]
    e.check_invariants()


def test_chain_open_at_the_end_of_a_batch():
    e = standard_engine()
    out = run(e, tx("t0"), tx("t1", flags=("linked",)), tx("t2", flags=("linked",)))
    assert codes(out) == [result_codes.OK, result_codes.LINKED_EVENT_FAILED, result_codes.LINKED_EVENT_CHAIN_OPEN]
    assert e.transfer("t1") is None and e.transfer("t2") is None


def test_events_of_a_batch_have_consecutive_seqs_and_increasing_timestamps():
    e = standard_engine()
    out = e.execute([tx(f"t{i}", amount=1) for i in range(5)], 0)  # a clock behind: still increasing
    seqs = [ev.seq for ev in out.events]
    stamps = [int(ev.timestamp) for ev in out.events]
    assert seqs == list(range(seqs[0], seqs[0] + 5))
    assert all(b > a for a, b in zip(stamps, stamps[1:], strict=False))


def test_batch_limit():
    e = standard_engine()
    with pytest.raises(BatchTooLarge):
        e.execute([tx(f"t{i}", amount=1) for i in range(BATCH_MAX_EVENTS + 1)], T0)
    assert e.transfer("t0") is None
    out = e.execute([tx(f"t{i}", amount=1, debit="treasury:issuer") for i in range(BATCH_MAX_EVENTS)], T0)
    assert set(codes(out.results)) == {result_codes.OK}


def test_applied_transfers_share_account_asset_and_code_strings():
    """Every applied transfer stays in memory; it must not carry its own copies of the account
    ids, asset and code the API decoded (1M transfers would hold ~300 MB of duplicates)."""
    e = standard_engine()
    fresh = "".join(["line", ":", "a"]), "".join(["line", ":", "b"])  # new str objects, as JSON gives
    code = "".join(["AL", "LOT"])
    assert codes(run(e, tx("s1", *fresh, 5, code=code, asset="".join(["JP", "YD"])))) == [result_codes.OK]
    t, other = e.transfer("s1"), e.transfer("fund-a")
    assert t.debit_account is other.credit_account  # the account's own id string
    assert t.asset is other.asset
    assert t.code is sys.intern("ALLOT")
    assert t.references is e.transfer("fund-a").references  # the one shared empty dict
