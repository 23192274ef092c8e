"""The budget tree read model: figures per node from the journal, rolled up, by organisation
and category; identical after reopening (rebuilt from the log); later-year burdens; history."""

from __future__ import annotations

import pytest

from ramp.budget import model as budget_model
from ramp.budget.projection import BudgetProjection
from ramp.budget.queries import Figures, TreeNode, alerts, budget_tree, burdens, node_history
from ramp.budget.requests import (
    Allot,
    CarryOver,
    CloseYear,
    DefineNode,
    Disburse,
    Issue,
    Obligate,
    ReleaseReserve,
    Transfer,
)
from ramp.journal import Journal
from ramp.refusal import Refused
from tests.budget.helpers import AT, BN, FY, ITEMS, PROJECTS, build, contract, enact


def walk(nodes: list[TreeNode]):
    for n in nodes:
        yield n
        yield from walk(n.children)


def check_tree(tree, journal: Journal, fiscal_year: int) -> None:
    """Sums of children, the identities, and the ledger's own balances, at every node."""
    for n in walk(tree.items):
        f = n.figures
        assert f.obligated + f.available == f.allotted, n.path
        assert f.appropriated == f.allotted + f.unallotted + f.carried_over + f.lapsed, n.path
        assert f.disbursed <= f.obligated, n.path
        own = journal.read.account(budget_model.node_account(fiscal_year, n.path)).balance
        if n.children:
            sums = [sum(getattr(c.figures, k) for c in n.children) for k in Figures.__struct_fields__]
            # what the node holds itself is unallotted, and nothing else is its own
            assert [getattr(f, k) for k in Figures.__struct_fields__] == [
                s + (own if k in ("appropriated", "unallotted") else 0)
                for s, k in zip(sums, Figures.__struct_fields__, strict=True)
            ], n.path
        else:
            assert f.available == own, n.path


@pytest.fixture
def journal(store):
    projection = BudgetProjection()
    j = Journal(store, projections=[projection], check_invariants=True)
    j.budget = projection  # type: ignore[attr-defined]
    yield j
    j.close()


def test_a_year_from_issuance_to_close(journal, store_backend, store_url):
    svc = build(journal)
    svc.execute(enact(FY + 1), at_ns=AT)
    contract(svc, "c1", schedule={FY: 10 * BN, FY + 1: 20 * BN, FY + 2: 5 * BN})
    contract(svc, "c2", project=PROJECTS["maintenance"], schedule={FY: 8 * BN})
    svc.execute(Obligate(id="o1", contract="c1", fiscal_year=FY, amount_yen=10 * BN), at_ns=AT)
    svc.execute(Obligate(id="o2", contract="c2", fiscal_year=FY, amount_yen=8 * BN), at_ns=AT)
    svc.execute(Disburse(id="p1", contract="c1", fiscal_year=FY, amount_yen=7 * BN), at_ns=AT)
    svc.execute(Disburse(id="p2", contract="c2", fiscal_year=FY, amount_yen=2 * BN), at_ns=AT)
    svc.execute(Transfer(id="t1", fiscal_year=FY, source=PROJECTS["equipment"], target=PROJECTS["maintenance"],
                         amount_yen=3 * BN, approvals=("mof:1",)), at_ns=AT)  # fmt: skip
    svc.execute(ReleaseReserve(id="r1", fiscal_year=FY, target=PROJECTS["personnel"], amount_yen=BN,
                               approvals=("cabinet:1",)), at_ns=AT)  # fmt: skip
    svc.execute(CarryOver(id="k1", fiscal_year=FY, kind="meikyo", node=PROJECTS["equipment2"], amount_yen=4 * BN,
                          approvals=("mof:2",)), at_ns=AT)  # fmt: skip
    svc.execute(CarryOver(id="k2", fiscal_year=FY, kind="jiko", contract="c1", amount_yen=3 * BN,
                          approvals=("mof:3",)), at_ns=AT)  # fmt: skip
    tree = budget_tree(journal.budget, FY)
    check_tree(tree, journal, FY)
    f = tree.figures
    issued = sum(ITEMS.values())
    assert tree.issued == tree.enacted == issued and tree.reserve == [5 * BN, BN, 4 * BN]
    assert f.appropriated == issued + BN  # + the reserve released; 移用 moves inside the year
    assert f.disbursed == 9 * BN and f.obligated == 9 * BN + 6 * BN  # c1 paid 7 (3 carried), c2 paid 2 of 8
    assert f.carried_over == 7 * BN and f.lapsed == 0
    item = {n.path: n.figures for n in tree.items}
    assert item["equipment"].appropriated == 100 * BN - 3 * BN  # 移用 out
    assert item["maintenance"].appropriated == 53 * BN
    # FY2026 sees both carry-overs: 4 bn unobligated, 3 bn still obligated to c1.
    nxt = budget_tree(journal.budget, FY + 1)
    check_tree(nxt, journal, FY + 1)
    assert nxt.figures.carried_in == 7 * BN and nxt.figures.obligated == 3 * BN
    # Close: the rest lapses; afterwards everything issued is paid, carried or lapsed.
    svc.execute(CloseYear(id="close", fiscal_year=FY), at_ns=budget_model.fy_end_ns(FY))
    closed = budget_tree(journal.budget, FY)
    check_tree(closed, journal, FY)
    f = closed.figures
    assert closed.closed and f.available == f.unallotted == 0 and f.obligated == f.disbursed
    assert f.appropriated == f.disbursed + f.carried_over + f.lapsed  # the settlement identity
    assert f.lapsed + 4 * BN == journal.read.account("treasury:lapsed:fy2025").balance  # + the reserve's rest
    # Reopening rebuilds the projection from the log alone: the same tree.
    journal.close()
    projection = BudgetProjection()
    again = Journal(store_backend.open(store_url), projections=[projection])
    try:
        assert budget_tree(projection, FY) == closed
        assert budget_tree(projection, FY + 1) == budget_tree(journal.budget, FY + 1)
    finally:
        again.close()
        journal.close = lambda: None  # already closed above


def test_by_organisation_and_by_category(journal):
    svc = build(journal)
    svc.execute(DefineNode(fiscal_year=FY, path="equipment:aircraft:asdf:fighters:f35b", tags=("stand-off",)),
                at_ns=AT)  # fmt: skip
    svc.execute(Transfer(id="t", fiscal_year=FY, source=PROJECTS["equipment2"],
                         target="equipment:aircraft:asdf:fighters:f35b", amount_yen=5 * BN), at_ns=AT)  # fmt: skip
    tree = budget_tree(journal.budget, FY)
    orgs = {g.key: g.figures.allotted for g in tree.by_organisation}
    assert orgs == {"atla": 60 * BN, "asdf": 40 * BN, "msdf": 50 * BN, "gsdf": 30 * BN}
    cats = {g.key: g.figures.allotted for g in tree.by_category}
    # `stand-off` tags the program equipment:missiles:atla:stand-off (60 bn) and a project elsewhere (5 bn);
    # `acquisition` tags the equipment item (100 bn), counted once for its whole subtree.
    assert cats == {"stand-off": 65 * BN, "acquisition": 100 * BN}


def test_later_year_burdens_new_and_existing(journal):
    svc = build(journal)
    contract(svc, "old", schedule={FY: BN, FY + 1: 2 * BN, FY + 3: 4 * BN})
    contract(svc, "long", schedule={FY + k: BN for k in range(10)}, designated=True)
    b = burdens(journal.budget, FY)
    assert b.new == 2 * BN + 4 * BN + 9 * BN and b.existing == 0
    assert [(y.fiscal_year, y.total) for y in b.by_year][:3] == [(FY + 1, 3 * BN), (FY + 2, BN), (FY + 3, 5 * BN)]
    # Seen from FY2026 the same contracts are existing, and FY2026's own instalments are no longer "later".
    svc.execute(enact(FY + 1), at_ns=AT)
    b26 = burdens(journal.budget, FY + 1)
    assert b26.new == 0 and b26.existing == 4 * BN + 8 * BN
    # Each year's instalment is obligated only once that year's money is issued, from that year's tree.
    with pytest.raises(Exception) as info:
        svc.execute(Obligate(id="o26", contract="old", fiscal_year=FY + 1, amount_yen=2 * BN),
                    at_ns=budget_model.jst_ns(FY + 1, 4, 10))  # fmt: skip
    assert getattr(info.value, "code", None) == "node_not_found"  # FY2026's tree lacks the project yet
    keys = PROJECTS["equipment"].split(":")
    for depth in range(2, 6):
        svc.execute(DefineNode(fiscal_year=FY + 1, path=":".join(keys[:depth])), at_ns=AT)
    with pytest.raises(Exception) as info:
        svc.execute(Obligate(id="o26", contract="old", fiscal_year=FY + 1, amount_yen=2 * BN),
                    at_ns=budget_model.jst_ns(FY + 1, 4, 10))  # fmt: skip
    assert getattr(info.value, "code", None) == "exceeds_available"  # enacted, not yet issued nor allotted
    svc.execute(Issue(id="i26", fiscal_year=FY + 1, item="equipment", amount_yen=2 * BN), at_ns=AT)
    for depth in range(1, 5):
        svc.execute(Allot(id=f"a26-{depth}", fiscal_year=FY + 1, source=":".join(keys[:depth]),
                          target=":".join(keys[: depth + 1]), amount_yen=2 * BN), at_ns=AT)  # fmt: skip
    svc.execute(Obligate(id="o26", contract="old", fiscal_year=FY + 1, amount_yen=2 * BN), at_ns=budget_model.jst_ns(FY + 1, 4, 10))
    assert journal.read.account("contract:old:fy2026").balance == 2 * BN


def test_node_history_and_alerts(journal):
    svc = build(journal)
    contract(svc)
    svc.execute(Obligate(id="o1", contract="c1", fiscal_year=FY, amount_yen=10 * BN), at_ns=AT)
    h = node_history(journal, FY, PROJECTS["equipment"])
    assert [(m.code, m.direction, m.amount) for m in h.movements] == [("ALLOT", "in", 60 * BN), ("OBLIGATE", "out", 10 * BN)]
    assert h.movements[1].counterparty == "contract:c1:fy2025"
    page = node_history(journal, FY, "equipment", limit=1)
    assert len(page.movements) == 1 and page.next_after_seq is not None
    with pytest.raises(Refused):
        node_history(journal, FY, "nosuch")
    with pytest.raises(Refused):
        budget_tree(journal.budget, 1999)
    a = alerts(journal.budget, FY)
    assert {x.node for x in a.alerts} >= {"equipment", "personnel"} and all(x.kind == "allot" for x in a.alerts)


def test_accounts_forged_by_raw_ledger_writes_are_not_budget(journal):
    """A ledger writer can open accounts that look like budget accounts; the budget ignores
    the malformed ones and never fails on them."""
    from ramp.budget import rules as budget_rules
    from ramp.ledger import CreateAccount

    svc = build(journal)
    before = budget_tree(journal.budget, FY)
    forged = [
        CreateAccount(id="contract:fake", asset="JPYD", metadata={"kind": "contract", "vendor": "x"}),
        CreateAccount(id="fy2025:equipment:x", asset="JPYD", metadata={"kind": "project"}),  # wrong depth
        CreateAccount(id="fyxx:equipment", asset="JPYD", metadata={"kind": "item"}),
        CreateAccount(id="contract:fake:fy2025", asset="JPYD", metadata={"kind": "escrow", "fiscal_year": "x"}),
        CreateAccount(id="treasury:lapsed:fy2030", asset="JPYD", metadata={"kind": "lapsed", "fiscal_year": "20x"}),
    ]
    assert [r.result for r in journal.submit(forged)] == ["ok"] * len(forged)
    assert budget_tree(journal.budget, FY) == before
    with pytest.raises(budget_rules.Refused) as info:
        svc.execute(Obligate(id="o", contract="fake", fiscal_year=FY, amount_yen=1), at_ns=AT)
    assert info.value.code == budget_rules.CONTRACT_NOT_FOUND
    with pytest.raises(budget_rules.Refused) as info:
        svc.execute(Allot(id="a", fiscal_year=FY, source="equipment", target="equipment:x", amount_yen=1), at_ns=AT)
    assert info.value.code == budget_rules.NODE_NOT_FOUND
