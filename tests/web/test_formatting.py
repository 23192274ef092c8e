"""Readable everywhere (issue 16 point 6): every amount with ¥ and separators, times in JST with the
zone named, durations in a person's units, a change order as a before/after table, transfer
codes and roles by name in both languages, and the feed's kinds (auth.* hidden by default)."""

from __future__ import annotations

import html as html_lib
import json
import re

import httpx
import pytest

from ramp.budget import model as budget_model
from ramp.budget.queries import budget_tree
from ramp.contracts import state as contract_state
from ramp.web.contracts import duration
from ramp.web.dashboard import jst
from tests.web.logins import sign_in

_S = 1_000_000_000


def _item_account(server) -> str:
    fy = server.budget.fiscal_years()[-1]
    item = budget_tree(server.budget, fy).items[0]
    return budget_model.node_account(fy, item.path)


def _account_html(server, lang: str = "en") -> str:
    account = _item_account(server)
    return httpx.get(server.url + f"/ledger/account/{account}", cookies={"ramp_lang": lang}).text


def test_no_unformatted_amount_on_the_account_page(dashboard):
    html = _account_html(dashboard)
    for key in ("Credits posted", "Debits posted", "Balance"):
        value = re.search(rf"<dt>{key}</dt><dd[^>]*>([^<]*)</dd>", html).group(1)
        assert re.fullmatch(r"−?¥\d{1,3}(,\d{3})*", value), (key, value)
    text = re.sub(r"<[^>]+>", " ", html)
    assert not re.search(
        r"(?<![\w.:/-])\d{7,}(?![\w.-])", text.split("<table")[0] if "<table" in text else text
    )


def test_transfer_codes_by_name_in_both_languages(dashboard):
    assert ">allotment<" in _account_html(dashboard, "en")
    ja = _account_html(dashboard, "ja")
    assert ">配賦<" in ja
    assert not re.search(r"<td[^>]*>(MINT|ALLOT|DISBURSE|OBLIGATE)</td>", ja)


def test_times_are_jst_with_the_zone_named():
    assert jst(0) == "1970-01-01 09:00:00 JST"
    assert (
        jst(1_743_433_200 * _S) == "2025-04-01 00:00:00 JST"
    )  # midnight in Tokyo, 15:00 UTC the day before


def test_a_transfer_page_names_the_zone(dashboard):
    html = httpx.get(dashboard.url + f"/ledger/account/{_item_account(dashboard)}").text
    tid = re.search(r'href="/ledger/transfer/([^"]+)"', html).group(1)
    html = httpx.get(dashboard.url + f"/ledger/transfer/{tid}").text
    assert re.search(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} JST", html)


@pytest.mark.parametrize(("ns", "en", "ja"), [
    (0, "at once", "即時"), (999_999_999, "at once", "即時"), (5 * _S, "5 s", "5秒"), (125 * _S, "2 min", "2分"),
    (3 * 3600 * _S + 60 * _S, "3 h 1 min", "3時間1分"), (86_400 * _S + 3600 * _S, "1 day 1 h", "1日1時間"),
    ((2 * 86_400 + 3 * 3600 + 59) * _S, "2 days 3 h", "2日3時間"), (None, "—", "—"),
])  # fmt: skip
def test_durations_in_the_units_a_person_reads(ns, en, ja):
    assert duration(ns, "en") == en and duration(ns, "ja") == ja


def test_a_change_order_is_a_before_and_after_table(signed):
    rid = "co-mc25-kc46-support"
    op = signed.journal.engine.record(f"request:{rid}").body["action"]["operation"]
    state = contract_state.load(signed.journal.engine.record, op["contract"])
    before = {m.id: m for m in state.terms.milestones}
    with httpx.Client(base_url=signed.url) as c:
        sign_in(c, "fo.tanaka", signed.people["fo.tanaka"])
        for lang, word in (("en", "Before"), ("ja", "変更前")):
            c.cookies.set("ramp_lang", lang)
            html = c.get(f"/requests/{rid}").text
            table = html[html.index('<table class="change-order">') :].split("</table>")[0]
            assert word in table and "{&#34;" not in html and '{"id"' not in html  # no JSON
            for ch in op["milestones"]:
                row = table[table.index(f"<code>{ch['id']}</code>") :].split("</tr>")[0]
                if ch.get("amount_yen") is not None:
                    old, new = before[ch["id"]].amount_yen, ch["amount_yen"]
                    amounts = re.findall(r'<td class="num">([^<]+)</td>', row)
                    if lang == "en":
                        assert amounts == [f"¥{old:,}", f"¥{new:,}"], amounts


def test_the_feed_hides_auth_by_default_and_offers_every_kind(dashboard):
    for lang in ("en", "ja"):
        html = httpx.get(dashboard.url + "/feed", cookies={"ramp_lang": lang}).text
        boxes = dict(
            re.findall(
                r'<input type="checkbox" name="kind" value="([a-z]+)" id="feed-kind-\1"( checked)?>',
                html,
            )
        )
        assert boxes["auth"] == "" and all(v == " checked" for k, v in boxes.items() if k != "auth")
        assert {"transfer", "contract", "approval", "budget", "auth"} <= set(boxes)
    names = json.loads(html_lib.unescape(re.search(r'data-names="([^"]+)"', html).group(1)))
    assert names["DISBURSE"] == "支出" and names["auth.login"] == "サインイン"


def test_the_account_code_filter_names_each_code(dashboard):
    """The filter's options say each transfer code by its name; the value stays the code."""
    page = httpx.get(dashboard.url + "/ledger/account/fy2026%3Aequipment").text
    options = re.findall(r'<option value="([A-Z_]+)"[^>]*>([^<]+)</option>', page)
    assert options and all(name != code for code, name in options)
    assert ("ALLOT", "allotment") in options
