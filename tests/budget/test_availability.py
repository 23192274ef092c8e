"""Availability control: info at 70 %, warning at 90 %, refusal above 100 % (or above a
profile's own reject threshold), each threshold reported once, when it is crossed."""

from __future__ import annotations

import pytest

from ramp.budget import rules as budget_rules
from ramp.budget.availability import Tolerance, check
from ramp.budget.requests import DefineNode, Obligate, Transfer
from ramp.budget.view import Acc
from ramp.journal import Journal
from ramp.ledger.events import RecordAppended
from tests.budget.helpers import AT, BN, FY, PROJECTS, build, contract
from tests.budget.test_rules import refused


@pytest.fixture
def svc(store):
    j = Journal(store, check_invariants=True)
    yield build(j)
    j.close()


def records(svc, type_prefix: str = "budget.availability_") -> list[RecordAppended]:
    events = svc.journal.events(range(svc.journal.size))
    return [e for e in events if isinstance(e, RecordAppended) and e.type.startswith(type_prefix)]


def test_obligations_cross_info_then_warning_once_each(svc):
    project = PROJECTS["personnel"]  # 30 bn
    contract(svc, "c", project=project, schedule={FY: 30 * BN})
    before = len(records(svc))
    steps = [(20 * BN, None), (1 * BN, "budget.availability_info"),  # 66.7 % -> 70 %
             (5 * BN, None), (1 * BN, "budget.availability_warning"), (3 * BN, None)]  # 86.7 -> 90 -> 100 %
    for k, (amount, expected) in enumerate(steps):
        svc.execute(Obligate(id=f"o{k}", contract="c", fiscal_year=FY, amount_yen=amount), at_ns=AT)
        new = records(svc)[before:]
        assert [r.type for r in new] == ([expected] if expected else []), k
        before += len(new)
        if expected:
            body = new[0].body
            assert body["node"] == project and body["operation"] == f"o{k}" and body["kind"] == "obligate"
            assert body["threshold_bp"] == (7000 if "info" in expected else 9000)
            assert body["budget_yen"] == str(30 * BN)


def test_a_draw_that_jumps_both_thresholds_reports_the_highest(svc):
    contract(svc, "c", project=PROJECTS["personnel"], schedule={FY: 30 * BN})
    before = len(records(svc))
    svc.execute(Obligate(id="o", contract="c", fiscal_year=FY, amount_yen=28 * BN), at_ns=AT)
    [r] = records(svc)[before:]
    assert r.type == "budget.availability_warning" and r.body["utilisation_bp"] == 9333


def test_a_profile_can_hold_back_part_of_a_budget(svc):
    held = "personnel:salaries:gsdf:pay:reserve"
    svc.execute(DefineNode(fiscal_year=FY, path=held, tolerance_bp=(5000, 8000, 9500)), at_ns=AT)
    # The program holds nothing: give the new project money by a re-allotment inside the sub-item.
    svc.execute(Transfer(id="r", fiscal_year=FY, source=PROJECTS["personnel"], target=held, amount_yen=10 * BN),
                at_ns=AT)  # fmt: skip
    contract(svc, "c", project=held, schedule={FY: 10 * BN})
    svc.execute(Obligate(id="o1", contract="c", fiscal_year=FY, amount_yen=9 * BN), at_ns=AT)
    refused(svc, Obligate(id="o2", contract="c", fiscal_year=FY, amount_yen=BN // 2 + 1), budget_rules.EXCEEDS_TOLERANCE)
    svc.execute(Obligate(id="o3", contract="c", fiscal_year=FY, amount_yen=BN // 2), at_ns=AT)  # exactly 95 %


def test_allotments_are_checked_against_the_parent(svc):
    """The parent's utilisation is what it has passed down; crossing is reported on it."""
    events = records(svc)
    allots = [r for r in events if r.body["kind"] == "allot"]
    # Every parent passed down 100 % of what it holds: each crossed the warning threshold once
    # (the equipment item did it in two allotments, 60 % then 100 %: still one record).
    assert {r.body["node"] for r in allots} >= {"equipment", "maintenance", "personnel", "equipment:missiles"}
    assert all(r.type == "budget.availability_warning" for r in allots)
    assert len({r.body["node"] for r in allots}) == len(allots)


def test_thresholds_compare_exactly_without_rounding():
    acc = Acc("x", "JPYD", {}, credits=10_000, debits=6_999)
    assert check(acc, 1, Tolerance()) == ("info", 7000)  # 6,999 -> 7,000 of 10,000: exactly 70 %
    acc = Acc("x", "JPYD", {}, credits=3, debits=0)
    assert check(acc, 2, Tolerance()) is None  # 66.67 %
    assert check(acc, 3, Tolerance()) == ("warning", 9000)
    with pytest.raises(budget_rules.Refused) as info:
        check(acc, 4, Tolerance())
    assert info.value.code == budget_rules.EXCEEDS_AVAILABLE
