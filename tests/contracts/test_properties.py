"""Property: whatever the order of attestations (right and wrong), time passing, holds and
releases, change orders, settlements and expiry, no escrow goes negative, a refusal writes
nothing, and the contract's money adds up on the ledger and in its own view: what was
obligated (less what was de-obligated) = released to the vendor + penalties + what the
escrow still holds."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ramp.budget import model as budget_model
from ramp.budget.view import View
from ramp.contracts import requests as contract_requests
from ramp.ledger.events import TransferApplied
from ramp.refusal import Refused
from ramp.store import SQLiteStore
from tests.contracts.helpers import BN, VENDOR, make_world, terms

pytestmark = pytest.mark.slow  # long hypothesis runs: `make test` runs it, `make test-fast` does not

ATTESTERS = [("atla.insp", "test-evaluation"), ("atla.insp2", "test-evaluation"), ("asdf.insp", "receipt"),
             ("po.mori", "documents"), ("atla.co", "documents"), ("asdf.insp", "test-evaluation"),
             ("fin.tanaka", "receipt"), ("atla.insp", "final"), ("atla.insp2", "final")]  # fmt: skip
MILESTONES = ["m1", "m2", "m3", "final"]

KINDS = ["attest"] * 10 + ["advance"] * 2 + ["change", "hold", "release", "settle", "expire"]
steps = st.lists(st.tuples(st.sampled_from(KINDS), st.sampled_from(ATTESTERS), st.sampled_from(MILESTONES),
                           st.integers(1, 120), st.integers(1, 6)), min_size=8, max_size=40)  # fmt: skip


def ledger_sums(w) -> tuple[int, int]:
    """(obligated less de-obligated, paid out as payments and penalties) of contract c1."""
    net = out = 0
    for e in w.journal.events(range(w.journal.size)):
        if type(e) is not TransferApplied or e.references.get("contract") != "c1":
            continue
        amount = int(e.amount)
        if e.code == "OBLIGATE":
            net += amount
        elif e.code == "DEOBLIGATE":
            net -= amount
        elif e.code in ("DISBURSE", "PENALTY"):
            out += amount
    return net, out


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps)
def test_escrow_never_negative_and_the_money_adds_up(plan):
    with tempfile.TemporaryDirectory() as d:
        w = make_world(SQLiteStore(str(Path(d) / "p.db")))
        try:
            w.sign(terms())
            for step in plan:
                _apply(w, step)
                _check(w)
        finally:
            w.journal.close()


def _apply(w, step) -> None:
    kind, (who, slot), milestone, days, amount = step
    if kind == "advance":
        w.now[0] += days * 86_400 * BN
        return
    size = w.journal.size
    now = w.now[0]
    try:
        if kind == "attest":
            req, sig = w.attestation(who, "c1", milestone, slot)
            w.run(w.desk.attest("c1", req, who, now, signature=sig))
        elif kind in ("hold", "release", "change"):
            op = contract_requests.Hold("c1") if kind == "hold" else contract_requests.Release("c1") if kind == "release" else contract_requests.ChangeOrder(
                "c1", (contract_requests.MilestoneChange("m1" if milestone == "final" else milestone, amount_yen=amount * BN),))  # fmt: skip
            w.run(lambda engine: w.desk.plan_approved(View(engine), op, "atla.co", "request:p", now))
        elif kind == "settle":
            w.run(w.desk.settle("c1", "disb.ueda", now))
        else:
            w.run(w.desk.expire("c1", "atla.co", now))
    except Refused:
        assert w.journal.size == size  # a refusal writes nothing


def _check(w) -> None:
    state = w.state()
    escrows = [a for a in (w.journal.engine.account(budget_model.escrow_account("c1", fy, c)) for fy in (2025, 2026)
                           for c in (False, True)) if a is not None]  # fmt: skip
    held = 0
    for a in escrows:
        assert a.credits_posted >= a.debits_posted  # never negative
        held += a.credits_posted - a.debits_posted
    net, out = ledger_sums(w)
    assert net == out + held  # obligated = released + penalties + what remains
    wallet = w.balance(budget_model.vendor_account(VENDOR))
    assert wallet == state.released_yen and w.balance(budget_model.revenue_account(2025)) + w.balance(
        budget_model.revenue_account(2026)) == state.penalties_yen  # fmt: skip
    assert net == sum(state.obligated.values()) - state.deobligated_yen
    assert state.released_yen + state.penalties_yen + held == net
    if state.status == "completed":
        assert held == 0 and wallet == state.terms.total_yen - state.penalties_yen
    if state.expired:
        assert held == state.pending_yen == 0
    for m in state.real_milestones:
        assert m.paid_yen in (0, m.net_yen) and m.net_yen + m.penalty_yen + m.retention_yen in (0, m.amount_yen)
