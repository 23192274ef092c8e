"""A budget node's year by month (issue 16 point 5): allotted, obligated and disbursed, each
cumulative, against the same node in the fiscal year before when that year has it. Figures come
from the activity read model (`Activity.node_monthly`), never from the journal per request.
"""

from __future__ import annotations

from dataclasses import dataclass

from ramp.budget.projection import BudgetProjection
from ramp.service.activity import MONTHS, Activity
from ramp.web import charts
from ramp.web.i18n import label, month_names
from ramp.web.money import yen_short

SERIES = ("allotted", "obligated", "disbursed")


@dataclass(frozen=True, slots=True)
class NodeChart:
    fiscal_year: int
    months: list[str]
    this_year: dict[str, tuple[int, ...]]  # series -> cumulative yen per month
    prior_year: dict[str, tuple[int, ...]] | None  # the same node in FY-1, if it exists
    svg: str


def _cumulative(values: tuple[int, ...]) -> tuple[int, ...]:
    out, run = [], 0
    for v in values:
        run += v
        out.append(run)
    return tuple(out)


def _year(activity: Activity, fiscal_year: int, path: str) -> dict[str, tuple[int, ...]]:
    m = activity.node_monthly(fiscal_year, path)
    return {"allotted": _cumulative(m.allotted), "obligated": _cumulative(m.obligated),
            "disbursed": _cumulative(m.disbursed)}  # fmt: skip


def node_chart(
    budget: BudgetProjection, activity: Activity, fiscal_year: int, path: str, lang: str
) -> NodeChart:
    this = _year(activity, fiscal_year, path)
    prior_snap = budget.snapshot(fiscal_year - 1)
    prior = (
        _year(activity, fiscal_year - 1, path)
        if prior_snap is not None and path in prior_snap.nodes
        else None
    )
    assert all(len(v) == MONTHS for v in this.values())
    series = [charts.AmountSeries(k, label(lang, k), this[k]) for k in SERIES]
    if prior is not None:
        series += [charts.AmountSeries(k, f"{label(lang, k)} · {label(lang, 'fy', fy=fiscal_year - 1)}", prior[k], True)
                   for k in SERIES]  # fmt: skip
    top = max([1, *(v for s in series for v in s.cumulative_yen)])
    axis = [(top * q // 4, yen_short(top * q // 4, lang)) for q in range(5)]
    months = month_names(lang)
    svg = charts.amounts_svg(
        months, series, axis, top, label(lang, "node.chart.caption", fy=fiscal_year)
    )
    return NodeChart(fiscal_year, months, this, prior, svg)
