"""The demo dataset on its calendar: FY2025's published total to the yen, sums and identities
at every node, the ledger's invariants, a log that verifies, published area figures as
published, estimates labelled, March-heavy seasonality, the FY2024 and FY2025 carry-overs and
closes (出納整理期間, 決算 per item), FY2026's Cabinet draft issued to the yen and in progress,
nothing after the as-of date, the injected irregularities where the answer key says, and the
same data for the same seed and date."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from ramp.budget import model as budget_model
from ramp.budget.projection import BudgetProjection
from ramp.budget.queries import Figures, budget_tree, burdens
from ramp.demo import figures
from ramp.demo.dataset import SPLIT_THRESHOLD_YEN, Dataset
from ramp.demo.load import load
from ramp.demo.timeline import batches, cutoff_ns
from ramp.journal import Journal
from ramp.journal.envelope import split_opening
from ramp.ledger.events import AccountCreated, RecordAppended, TransferApplied
from ramp.store import SQLiteStore
from tests.budget.test_projection import check_tree, walk

pytestmark = pytest.mark.slow  # generates the demo dataset: `make test` runs it, `make test-fast` does not

JST = timezone(timedelta(hours=9))
TOTAL = 8_700_500_000_000
TOTAL_2026 = 9_035_300_000_000  # the Cabinet's draft (press)
AS_OF = date(2026, 12, 7)  # the demo's calendar, pinned: FY2026 in progress, FY2025 closed


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    path = str(tmp_path_factory.mktemp("demo") / "demo.db")
    loaded = load(path, seed=7, size="small", as_of=AS_OF)
    projection = BudgetProjection()
    journal = Journal(SQLiteStore(path), projections=[projection], check_invariants=True)
    events = journal.events(range(journal.size))
    yield loaded, journal, projection, events
    journal.close()


def test_total_issued_is_the_published_total_to_the_yen(demo):
    _, journal, projection, events = demo
    tree = budget_tree(projection, 2025)
    assert tree.issued == tree.enacted == TOTAL
    minted = sum(int(e.amount) for e in events
                 if isinstance(e, TransferApplied) and e.code == "MINT" and e.credit_account.startswith("fy2025:"))  # fmt: skip
    assert minted == TOTAL
    issued_authority = journal.read.account("fy2025:authority:issued").balance
    assert issued_authority == TOTAL  # the Diet's authority used, on its own asset
    assert tree.figures.appropriated == TOTAL + tree.figures.carried_in  # + FY2024 carry-overs


def test_every_node_is_the_sum_of_its_children_and_obligated_plus_available_is_allotted(demo):
    _, journal, projection, _ = demo
    for fy in (2024, 2025):
        tree = budget_tree(projection, fy)
        check_tree(tree, journal, fy)  # sums of children; obligated + available = allotted; ledger balances
        assert tree.figures.obligated + tree.figures.available == tree.figures.allotted
        # The demo allots everything down to projects: every figure of a node with children is
        # exactly the sum of its children's.
        for node in walk(tree.items):
            if node.children:
                for field in Figures.__struct_fields__:
                    assert getattr(node.figures, field) == sum(getattr(c.figures, field) for c in node.children), (
                        node.path, field)


def test_the_ledger_invariants_hold_and_the_log_verifies(demo, capsys):
    loaded, journal, _, _ = demo
    journal.engine.check_invariants()  # also asserted on open (check_invariants=True)
    assert journal.read.balances() == journal.engine.balances()
    from ramp.audit.verify import main as verify

    assert verify(["--db", loaded.path]) == 0
    assert f"size {journal.size}" in capsys.readouterr().out


def test_published_area_figures_are_kept_and_estimates_are_labelled(demo):
    _, journal, projection, events = demo
    groups = {g.key: g for g in budget_tree(projection, 2025).by_category}
    for area in figures.AREAS:  # issued into the area (carried-in FY2024 money aside) = the figure
        f = groups[area.tag].figures
        assert f.appropriated - f.carried_in == area.yen, area.tag
    [manifest] = [e for e in events if isinstance(e, RecordAppended) and e.type == "demo.dataset"]
    statuses = {a["tag"]: a["status"] for a in manifest.body["areas"]}
    assert statuses["ammunition"] == "published" and statuses["stand-off"] == "press"
    assert statuses["iamd"] == "estimate" and statuses["us-realignment"] == "derived"
    nodes = [e for e in events if isinstance(e, AccountCreated) and e.metadata.get("kind") == "project"
             and e.id.startswith("fy2025:")]  # fmt: skip
    kc46 = [n for n in nodes if "kc-46a" in n.id]
    assert len(kc46) == 1 and "estimate" not in kc46[0].metadata  # published on its own
    assert journal.read.account(kc46[0].id).credits_posted == figures.KC46A_YEN
    assert sum(1 for n in nodes if n.metadata.get("estimate") == "true") == len(nodes) - 6  # the six fixed ones
    assert all(journal.read.account(f"fy2025:{k}").metadata.get("estimate") == "true" for k in figures.ITEMS)


def test_payments_are_heavy_in_march(demo):
    _, _, _, events = demo
    months = Counter(datetime.fromtimestamp(int(e.timestamp) // 10**9, JST).month for e in events
                     if isinstance(e, TransferApplied) and e.code == "DISBURSE"
                     and e.debit_account.endswith(("fy2025", "fy2025:carried")))  # fmt: skip
    total = sum(months.values())
    assert months[3] == max(months.values()) and months[3] * 100 // total >= 20
    assert set(months) == set(range(1, 13))


def test_fy2024_carry_overs_and_close(demo):
    _, journal, projection, events = demo
    fy24, fy25 = budget_tree(projection, 2024), budget_tree(projection, 2025)
    assert fy24.closed and fy24.figures.available == 0 and fy24.figures.lapsed > 0
    assert fy24.figures.appropriated == fy24.figures.disbursed + fy24.figures.carried_over + fy24.figures.lapsed
    assert fy24.figures.carried_over == fy25.figures.carried_in > 0
    kinds = Counter(e.body["kind"] for e in events if isinstance(e, RecordAppended) and e.type == "budget.carried_over")
    assert kinds["meikyo"] >= 1 and kinds["jiko"] >= 1
    carried = [a for a in journal.read.accounts if a.endswith(":fy2025:carried")]
    assert carried and all(journal.read.account(a).balance == 0 for a in carried)  # paid in FY2025


def _close_instant(events, fy: int) -> int:
    [closed] = [e for e in events if isinstance(e, RecordAppended) and e.type == "budget.year_closed"
                and e.body["fiscal_year"] == fy]  # fmt: skip
    return int(closed.timestamp)


def test_fy2025_is_closed_after_its_seiri_period_with_a_settlement_per_item(demo):
    """決算: for each item, appropriated (issued + carried in + moved) = disbursed + carried over +
    lapsed, nothing left; paid in April 2026 from FY2025 money (出納整理期間), closed after."""
    _, _, projection, events = demo
    fy25, fy26 = budget_tree(projection, 2025), budget_tree(projection, 2026)
    assert fy25.closed and not fy26.closed
    for item in fy25.items:
        f = item.figures
        assert f.available == 0 and f.lapsed > 0, item.path
        assert f.appropriated == f.disbursed + f.carried_over + f.lapsed, item.path
    assert fy25.figures.carried_over == fy26.figures.carried_in > 0
    kinds = Counter(e.body["kind"] for e in events if isinstance(e, RecordAppended) and e.type == "budget.carried_over"
                    and e.body["fiscal_year"] == 2025)  # fmt: skip
    assert kinds["meikyo"] >= 1 and kinds["jiko"] >= 1
    closed_at = _close_instant(events, 2025)
    assert datetime.fromtimestamp(closed_at // 10**9, JST).date() == date(2026, 5, 1)
    april = [e for e in events if isinstance(e, TransferApplied) and e.code == "DISBURSE"
             and e.debit_account.endswith(":fy2025")
             and datetime.fromtimestamp(int(e.timestamp) // 10**9, JST).month == 4
             and int(e.timestamp) > budget_model.fy_end_ns(2025)]  # fmt: skip
    assert april and all(int(e.timestamp) < closed_at for e in april)
    assert datetime.fromtimestamp(_close_instant(events, 2024) // 10**9, JST).date() == date(2025, 5, 1)


def test_fy2026_is_the_cabinet_draft_issued_to_the_yen_and_in_progress(demo):
    loaded, journal, projection, events = demo
    tree = budget_tree(projection, 2026)
    assert tree.issued == TOTAL_2026 == figures.FY2026_TOTAL_YEN
    [act] = [e for e in events if isinstance(e, RecordAppended) and e.type == "budget.enacted"
             and e.body["fiscal_year"] == 2026]  # fmt: skip
    assert act.body["act"] == figures.FY2026_ACT and "cabinet-draft" in act.body["act"] and "press" in act.body["act"]
    assert all(journal.read.account(f"fy2026:{k}").metadata.get("estimate") == "true" for k in figures.ITEMS)
    manifest = journal.engine.record("demo.dataset").body["next_fiscal_year"]
    assert manifest["total_yen"] == TOTAL_2026 and manifest["total_status"] == "press"
    assert 0 < tree.figures.disbursed < tree.figures.obligated < tree.figures.appropriated
    # earlier contracts' FY2026 instalments are obligated and paid in FY2026
    paid26 = {e.references.get("contract") for e in events if isinstance(e, TransferApplied) and e.code == "DISBURSE"
              and e.debit_account.endswith(":fy2026")}  # fmt: skip
    assert any(c and c.startswith("c2025-") for c in paid26) and any(c and c.startswith("c2026-") for c in paid26)


def test_nothing_is_dated_after_the_as_of_date(demo):
    loaded, _, _, events = demo
    end = cutoff_ns(AS_OF)
    assert loaded.as_of == AS_OF
    assert all(int(e.timestamp) < end for e in events)
    assert max(int(e.timestamp) for e in events if isinstance(e, TransferApplied)) > end - 7 * 86_400 * 10**9


def test_before_fy2025_closes_it_is_not_closed(tmp_path):
    """As of 30 April 2026 (出納整理期間's last day) FY2025 is open; FY2026 has begun."""
    path = str(tmp_path / "april.db")
    load(path, seed=7, size="tiny", as_of=date(2026, 4, 30))
    projection = BudgetProjection()
    journal = Journal(SQLiteStore(path), projections=[projection])
    try:
        assert budget_tree(projection, 2024).closed and not budget_tree(projection, 2025).closed
        assert budget_tree(projection, 2026).issued == TOTAL_2026
        assert budget_tree(projection, 2025).figures.carried_over > 0  # carried on 31 March
    finally:
        journal.close()


def test_multi_year_contracts_and_later_year_burdens(demo):
    _, _, projection, _ = demo
    b = burdens(projection, 2025)
    assert b.new > 0 and b.existing > 0 and b.total == b.new + b.existing
    contracts = projection.contracts()
    assert any(c.designated and max(c.schedule) - c.fiscal_year >= 5 for c in contracts)  # 特定防衛調達
    assert all(max(c.schedule) - c.fiscal_year < (10 if c.designated else 5) for c in contracts)


def test_injected_irregularities_are_where_the_answer_key_says(demo):
    loaded, _, _, events = demo
    key = json.loads(Path(loaded.path + ".irregularities.json").read_text())
    assert all(len(key[k]) >= 1 for k in ("split_payments", "duplicate_invoices"))
    pays = [e for e in events if isinstance(e, TransferApplied) and e.code == "DISBURSE"]
    # milestone contracts pay on acceptance, not on an invoice (ramp.demo.contracts)
    by_invoice = Counter(e.references["invoice"] for e in pays if "invoice" in e.references)
    for case in key["split_payments"]:
        parts = [e for e in pays if e.references.get("invoice") in case["invoices"]]
        assert len(parts) == 3 and all(int(e.amount) < SPLIT_THRESHOLD_YEN for e in parts)
        assert sum(int(e.amount) for e in parts) > SPLIT_THRESHOLD_YEN
        assert {e.credit_account for e in parts} == {f"vendor:{case['vendor']}"}
        assert len({datetime.fromtimestamp(int(e.timestamp) // 10**9, JST).date() for e in parts}) == 1
    for case in key["duplicate_invoices"]:
        assert by_invoice[case["invoice"]] == 2
    duplicated = {k for k, n in by_invoice.items() if n > 1}
    assert duplicated == {c["invoice"] for c in key["duplicate_invoices"]}  # and nowhere else
    # An obligation names no approval in free text: above the threshold it is an executed request's
    # (ramp verify checks the request's quorum), and its transfer names that request.
    obligations = [e for e in events if isinstance(e, TransferApplied) and e.code == "OBLIGATE"]
    assert not any({"requested_by", "approved_by"} & e.references.keys() for e in obligations)
    large = [e for e in obligations if int(e.amount) > 10_000_000_000]
    assert large and all(e.references.get("approval") == f"request:{e.id}" for e in large)


def test_the_same_seed_gives_the_same_data(tmp_path, demo):
    loaded, journal, _, _ = demo
    again = load(str(tmp_path / "again.db"), seed=7, size="small", as_of=AS_OF)
    other = load(str(tmp_path / "other.db"), seed=8, size="small", as_of=AS_OF)
    a, b, c = (SQLiteStore(p, readonly=True) for p in (loaded.path, again.path, other.path))
    try:
        assert b.log_size() == a.log_size()
        # Everything before the admin identity is equal: from it on, what is made at the real time
        # (the admin's new key, open requests, the demo's logins) differs from load to load.
        size = journal.engine.record("identity:admin").seq
        # The events (the openings' bodies) are equal; the envelopes' commitments are not, since
        # each database has its own log key and so its own salts.
        def bodies(store, end):  # noqa: ANN001, ANN202
            return [split_opening(o)[1] for o in store.iter_openings(0, end)]

        assert bodies(a, size) == bodies(b, size)
        assert bodies(a, size) != bodies(c, min(size, c.log_size()))
    finally:
        for s in (a, b, c):
            s.close()


def test_default_size_plan_has_the_promised_shape():
    """The default dataset's plan (not loaded here: `bench/demo_data.py` times the load)."""
    d = Dataset(2025, "default")
    assert 280 <= len(d.projects) <= 320
    assert 380 <= sum(len(v) for v in d.vendors.values()) <= 420
    transactions = sum(len(ops) for _, ops in batches(d, AS_OF))  # FY2025 and FY2026 to December: about a million
    assert 900_000 <= transactions <= 1_050_000
    assert sum(p.budget for p in d.projects) == TOTAL
    assert sum(p.budget26 for p in d.projects) == TOTAL_2026


def test_ramp_demo_creates_the_database_once_and_prints_the_tree(tmp_path, capsys):
    from ramp.cli import main

    db = tmp_path / "d.db"
    assert main(["demo", "--db", str(db), "--seed", "3", "--size", "tiny", "--as-of", "2026-12-07", "--no-serve"]) == 0
    out = capsys.readouterr().out
    assert "issued for FY2026: ¥9,035,300,000,000 (Cabinet draft" in out and "装備品等購入費" in out and "Maritime" in out
    assert "FY2025 決算" in out and "lapsed" in out and "as of 2026-12-07" in out
    assert "events (" in out  # what was generated
    assert main(["demo", "--db", str(db), "--no-serve"]) == 0  # present: opened, never regenerated
    out = capsys.readouterr().out
    assert "issued for FY2026: ¥9,035,300,000,000" in out and "events (" not in out
    with pytest.raises(SystemExit):
        main(["demo-data", "--as-of", "2026-13-01"])
