"""The activity projection: months add up to the budget tree's figures, the fiscal-year months
are JST calendar months, and the feed keeps a bounded backlog."""

from __future__ import annotations

from ramp.budget.queries import budget_tree
from ramp.ledger.events import AccountCreated, TransferApplied
from ramp.service.activity import FEED_BACKLOG_MAX, FEED_PER_BATCH_MAX, MONTHS, Activity, FeedBatch
from tests.web.conftest import open_demo


def test_the_twelve_months_add_up_to_the_trees_obligated_and_disbursed(demo_db):
    journal, _, budget, activity = open_demo(demo_db)
    try:
        for fy in budget.fiscal_years():
            tree = budget_tree(budget, fy)
            m = activity.monthly(fy)
            assert len(m.obligated) == len(m.disbursed) == MONTHS
            assert sum(m.obligated) == tree.figures.obligated, fy
            assert sum(m.disbursed) == tree.figures.disbursed, fy
        march = activity.monthly(2025).disbursed[-1]
        assert march == max(activity.monthly(2025).disbursed)  # 年度末: the demo pays most in March
    finally:
        journal.close()


def _escrow(seq: int, fy: int) -> AccountCreated:
    return AccountCreated(seq=seq, timestamp=str(seq), id=f"contract:c1:fy{fy}", asset="JPYD", flags=(),
                          metadata={"kind": "escrow", "fiscal_year": str(fy)})  # fmt: skip


def _pay(seq: int, at_ns: int, amount: int) -> TransferApplied:
    return TransferApplied(seq=seq, timestamp=str(at_ns), id=f"p{seq}", debit_account="contract:c1:fy2025",
                           credit_account="vendor:v", amount=str(amount), asset="JPYD", code="DISBURSE", flags=(),
                           pending_id=None, timeout_s=0, references={}, memo="")  # fmt: skip


def test_months_are_jst_and_clamped_to_the_fiscal_year():
    from ramp.budget.model import jst_ns

    a = Activity()
    a.apply([_escrow(0, 2025),
             _pay(1, jst_ns(2025, 4, 1, 0), 1),  # 00:00 JST 1 April: April (UTC still says March)
             _pay(2, jst_ns(2025, 3, 31, 23), 10),  # before the year: clamped to April
             _pay(3, jst_ns(2026, 3, 31, 23), 100),  # the last hour of March
             _pay(4, jst_ns(2026, 5, 15), 1000)])  # 出納整理期間: clamped to March  # fmt: skip
    m = a.monthly(2025)
    assert m.disbursed[0] == 11 and m.disbursed[11] == 1100 and sum(m.disbursed) == 1111
    assert a.monthly(2024).disbursed == (0,) * MONTHS  # unknown years are zero
    assert a.counts() == (5, {"DISBURSE": 4})


def test_a_payment_from_an_unknown_escrow_counts_nowhere():
    a = Activity()
    a.apply([_pay(0, 10**18, 5)])
    assert sum(a.monthly(2025).disbursed) == 0


def test_the_feed_backlog_is_bounded_and_each_batch_publishes_its_newest_items():
    a = Activity()
    published: list[FeedBatch] = []
    a.on_batch = published.append
    a.apply([_escrow(0, 2025)] + [_pay(i, 10**18 + i, i) for i in range(1, 1001)])
    assert len(published) == 1
    batch = published[0]
    assert batch.events == 1001 and batch.size == 1001
    assert [i.seq for i in batch.items] == list(range(1001 - FEED_PER_BATCH_MAX, 1001))
    for start in range(1001, 1400, 100):  # each batch adds its newest FEED_PER_BATCH_MAX
        a.apply([_pay(i, 10**18 + i, i) for i in range(start, min(1400, start + 100))])
    backlog = a.backlog()
    assert len(backlog) == FEED_BACKLOG_MAX and backlog[-1].seq == 1399
    assert backlog[-1].kind == "transfer" and backlog[-1].amount == 1399 and backlog[-1].credit == "vendor:v"


def test_reset_forgets_everything():
    a = Activity()
    a.apply([_escrow(0, 2025), _pay(1, 10**18, 5)])
    a.reset()
    assert a.backlog() == [] and a.counts() == (0, {}) and sum(a.monthly(2025).disbursed) == 0
