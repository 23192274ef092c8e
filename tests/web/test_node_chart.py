"""The node page's chart (issue 16 point 5): allotted, obligated and disbursed by month, whose
year-end figures are the budget projection's, for every node of the year; the prior year's
same node when that year has it; and its table of the same figures."""

from __future__ import annotations

import re

import httpx

from ramp.budget.queries import budget_tree
from ramp.service.activity import Activity
from ramp.web.node_chart import node_chart


def _nodes(items):
    for n in items:
        yield n
        yield from _nodes(n.children)


def test_every_nodes_months_add_up_to_its_figures(dashboard):
    for fy in dashboard.budget.fiscal_years():
        tree = budget_tree(dashboard.budget, fy)
        nodes = list(_nodes(tree.items))
        assert len(nodes) > 100
        for n in nodes:
            m = dashboard.activity.node_monthly(fy, n.path)
            assert (sum(m.allotted), sum(m.obligated), sum(m.disbursed)) == (
                n.figures.allotted,
                n.figures.obligated,
                n.figures.disbursed,
            ), (fy, n.path)


def test_the_node_page_draws_the_chart_and_its_table_from_the_read_model(dashboard):
    fy = dashboard.budget.fiscal_years()[-1]
    path = budget_tree(dashboard.budget, fy).items[0].path
    for lang in ("en", "ja"):
        html = httpx.get(
            dashboard.url + f"/budget/node?fy={fy}&path={path}", cookies={"ramp_lang": lang}
        ).text
        node = budget_tree(dashboard.budget, fy).items[
            0
        ]  # as the page read it (the service may have moved on)
        assert '<svg class="chart node-chart"' in html and html.count('<polyline class="line') >= 3
        table = html[html.index('<table id="node-chart-table">') :].split("</table>")[0]
        cells = re.findall(r'data-series="(\w+)" data-yen="(-?\d+)"', table)
        last = {k: int(v) for k, v in cells[-3:]}  # March: the year's cumulative figures
        assert last == {"allotted": node.figures.allotted, "obligated": node.figures.obligated,
                        "disbursed": node.figures.disbursed}  # fmt: skip
        assert len(cells) in (36, 72)  # 12 months, with the prior year's three when it exists


def test_the_prior_year_is_the_same_path_a_year_before(dashboard):
    fy = dashboard.budget.fiscal_years()[-1]
    path = budget_tree(dashboard.budget, fy).items[0].path
    chart = node_chart(dashboard.budget, dashboard.activity, fy, path, "en")
    prior = dashboard.budget.snapshot(fy - 1)
    assert (chart.prior_year is not None) == (prior is not None and path in prior.nodes)
    empty = Activity()  # a read model without the year: all zero, nothing raised
    assert set(empty.node_monthly(fy, path).allotted) == {0}
