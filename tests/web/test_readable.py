"""Readable everywhere (issue 16 point 6): display names in both languages, categories that never
double count (acceptance (e): the public view's category rows add up to the year exactly, the
overlapping tags are "of which" and said), and a category's colour being its own in every year."""

from __future__ import annotations

import re

import httpx
import pytest

from ramp.budget.queries import budget_tree
from ramp.web import overview as overview_model
from ramp.web.names import (
    CATEGORIES,
    CODES,
    ROLES,
    category_name,
    code_name,
    organisation_name,
    role_name,
)

_ROW = re.compile(
    r'<tr (class="of-which" )?data-key="([^"]+)"><th scope="row">([^<]*)</th><td class="num" data-yen="(-?\d+)">'
)


def _year(server) -> int:
    years = server.budget.fiscal_years()
    assert years, "the demo has a budget"
    return years[-1]


def _category_rows(html: str) -> tuple[list[tuple[str, str, int]], list[tuple[str, str, int]], int]:
    table = html[
        html.index('<table id="by-category">') : html.index(
            "</table>", html.index('id="by-category"')
        )
    ]
    parts = table[table.index('<tbody class="parts">') : table.index('<tbody class="total">')]
    rows = [(k, name, int(v)) for of, k, name, v in _ROW.findall(parts) if not of]
    of_which = [(k, name, int(v)) for of, k, name, v in _ROW.findall(table) if of]
    total = int(re.search(r'<tr id="cat-total">.*?data-yen="(\d+)"', table).group(1))
    return rows, of_which, total


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_acceptance_e_the_public_categories_add_up_to_the_year_and_overlaps_are_of_which(
    dashboard, lang
):
    fy = _year(dashboard)
    tree = budget_tree(dashboard.budget, fy, lambda _a: False)
    html = httpx.get(dashboard.url + f"/public?fy={fy}", cookies={"ramp_lang": lang}).text
    rows, of_which, total = _category_rows(html)
    assert rows and sum(v for _k, _n, v in rows) == total == tree.figures.appropriated
    # The appropriation is the money issued, the reserve released and the money carried in, to the yen.
    assert tree.figures.appropriated == tree.issued + tree.reserve[1] + tree.figures.carried_in
    reconcile = html.split('id="cat-reconcile"')[1].split("</p>")[0]
    assert (
        f"¥{tree.issued:,}" if lang == "en" else f"{tree.issued // 10**12}兆" if tree.issued >= 10**12 else "円"
    ) in reconcile
    # every tag that sits after another on a node is an "of which" row, labelled, never a part
    later = _later_tags(tree)
    assert later, "the demo has an overlapping tag (ai)"
    assert {k for k, _n, _v in of_which} == later and not later & {k for k, _n, _v in rows}
    word = "うち" if lang == "ja" else "of which"
    assert all(name.startswith(word) for _k, name, _v in of_which)
    said = html.split('id="cat-overlap">')[1].split("</p>")[0]
    assert all(category_name(k, lang) in said for k in later)
    # the old sum of every tag, which double counts, is not what the table totals
    assert sum(g.figures.appropriated for g in tree.by_category) > total


def _later_tags(tree) -> set[str]:
    out, stack = set(), list(tree.items)
    while stack:
        n = stack.pop()
        out.update(n.tags[1:])
        stack.extend(n.children)
    return out


def test_the_published_totals_by_category_add_up_to_their_root(dashboard):
    html = httpx.get(dashboard.url + f"/public?fy={_year(dashboard)}").text
    root = int(re.search(r'id="totals-sum" data-yen="(\d+)"', html).group(1))
    table = html[html.index('<table id="totals-cat">') :].split("</table>")[0]
    sums = [int(v) for v in re.findall(r'<tr data-key="[^"]+" data-yen="(\d+)"', table)]
    keys = re.findall(r'<tr data-key="([^"]+)"', table)
    assert sum(sums) == root and "ai" not in keys  # primary categories only: nothing counted twice


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_no_slug_on_the_public_pages(dashboard, lang):
    fy = _year(dashboard)
    for path in (f"/public?fy={fy}", f"/overview?fy={fy}"):
        html = httpx.get(dashboard.url + path, cookies={"ramp_lang": lang}).text
        text = re.sub(
            r"<[^>]+>", " ", re.sub(r"<(script|style|pre)[^>]*>.*?</\1>", " ", html, flags=re.S)
        )
        cells = {t.strip() for t in re.findall(r">([^<]+)<", html)}  # each element's own text
        for tag in [*CATEGORIES, "~unallotted", "~withheld"]:
            if tag == "ai":  # "AI" is its own name
                continue
            assert tag not in cells, (path, tag)  # no label, cell or heading is a slug
            if "-" in tag or "~" in tag:  # a slug no English prose has (a one-word one may be a word: "ammunition")
                assert not re.search(rf"(?<![\w-]){re.escape(tag)}(?![\w-])", text), (path, tag)
        if lang == "ja":  # nothing that has a Japanese name stays in English
            for tag, (en, _ja) in CATEGORIES.items():
                assert tag == "ai" or en not in text, (path, en)


def test_every_name_has_both_languages_and_japanese_is_japanese():
    for table in (CATEGORIES, CODES, ROLES):
        for key, (en, ja) in table.items():
            assert en and ja, key
    assert category_name("personnel-living", "en") == "Personnel treatment and living environment"
    assert category_name("c2-isr", "ja") == "指揮統制・情報"
    assert code_name("DISBURSE", "ja") == "支出" and code_name("DISBURSE", "en") == "payment"
    assert (
        role_name("inspector", "ja") == "検査官"
        and role_name("finance_officer", "en") == "finance officer"
    )
    assert organisation_name("boa", "ja") == "会計検査院"
    assert (
        organisation_name("contractor-v1", "en", {"v1": "Heisei Heavy"})
        == "Contractor: Heisei Heavy"
    )
    assert (
        category_name("new-tag", "ja") == "new-tag" and code_name("NEW", "en") == "NEW"
    )  # unknown: as it is


def test_a_category_has_one_colour_whatever_its_rank_in_a_year(dashboard):
    fy = _year(dashboard)
    ov = overview_model.overview(dashboard.budget, dashboard.activity, fy, lambda _a: False)
    colours = dict((name, c) for c, name in overview_model.legend(ov, "en"))
    # another year ranks the categories otherwise: the colours stay
    other_year = overview_model.Overview(**{**{f: getattr(ov, f) for f in ov.__dataclass_fields__},
                                            "categories": list(reversed(ov.categories))[:5]})  # fmt: skip
    again = dict((name, c) for c, name in overview_model.legend(other_year, "en"))
    assert again and all(colours[name] == c for name, c in again.items())
    # and in the treemap of the page: each block's fill is its category's
    svg = httpx.get(dashboard.url + f"/public?fy={fy}").text
    fills = set(
        re.findall(r'<rect class="block" data-key="([^"]+)" [^>]*fill="(#[0-9a-f]{6})"', svg)
    )
    assert fills and all(overview_model.CATEGORY_COLOURS.get(k, c) == c for k, c in fills)
    assert len({k for k, _ in fills}) == len(fills)  # one colour per category
    assert len(set(overview_model.CATEGORY_COLOURS.values())) == len(
        overview_model.CATEGORY_COLOURS
    )
