"""Find anything over HTTP: ranking, case, prefix and substring; a vendor's payments paged both
ways, newest first; CSV that parses back to the ledger's rows and sums; the index's bounds."""

from __future__ import annotations

import csv
import io

import httpx

from ramp.ledger.events import TransferApplied
from ramp.service.search_index import (
    LIMITS,
    RANK_EXACT,
    RANK_PREFIX,
    RANK_SUBSTRING,
    RANK_WORD,
    SearchIndex,
)


def _vendor(journal) -> tuple[str, str, list[TransferApplied]]:
    """The demo vendor with the most payments: its account, its name, its payments (seq order)."""
    index = journal.projection(SearchIndex)
    vendors = [h.entry for h in index.search("vendor:", ("vendor",))]
    paid: dict[str, list[TransferApplied]] = {v.key: [] for v in vendors}
    for e in journal.events(range(journal.size)):
        if type(e) is TransferApplied and e.code == "DISBURSE" and e.credit_account in paid:
            paid[e.credit_account].append(e)
    best = max(vendors, key=lambda v: len(paid[v.key]))
    return best.key, best.name, paid[best.key]


def _rows(text: str) -> list[dict[str, str]]:
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:])))


def test_search_is_case_insensitive_prefix_and_substring_ranked(dashboard):
    vendor, name, _ = _vendor(dashboard.journal)
    word = name.split()[0]  # e.g. "Asahi"
    with httpx.Client(base_url=dashboard.url) as c:
        for q in (word.lower(), word.upper(), word):
            page = c.get("/search", params={"q": q, "kind": "vendor"})
            assert page.status_code == 200 and f"<code>{vendor}</code>" in page.text, q
        rows = _rows(c.get("/search", params={"q": word[1:].lower(), "format": "csv"}).text)  # inside a word
        assert {r["rank"] for r in rows if r["kind"] == "vendor"} == {str(RANK_SUBSTRING)}
        rows = _rows(c.get("/search", params={"q": word.lower(), "format": "csv"}).text)
        vendor_ranks = [int(r["rank"]) for r in rows if r["id"] == vendor]
        assert vendor_ranks == [RANK_WORD]
        assert [int(r["rank"]) for r in rows] == sorted(int(r["rank"]) for r in rows)  # best first
        rows = _rows(c.get("/search", params={"q": vendor[:9].upper(), "format": "csv"}).text)  # "VENDOR:AS"
        assert any(r["id"] == vendor and int(r["rank"]) == RANK_PREFIX for r in rows)
        contract = next(r for r in _rows(c.get("/search", params={"q": "c2025-", "format": "csv"}).text)
                        if r["kind"] == "contract")  # fmt: skip
        rows = _rows(c.get("/search", params={"q": contract["id"].upper(), "format": "csv"}).text)
        assert rows[0]["id"] == contract["id"] and int(rows[0]["rank"]) == RANK_EXACT
        assert c.get("/search", params={"q": "zz-nothing-zz"}).status_code == 404
        assert "two characters" in c.get("/search", params={"q": "a"}).text


def test_search_finds_invoices_and_goes_straight_to_an_exact_transfer(dashboard):
    journal = dashboard.journal
    pay = next(e for e in reversed(journal.events(range(journal.size - 2000, journal.size)))
               if type(e) is TransferApplied and e.references.get("invoice"))  # fmt: skip
    with httpx.Client(base_url=dashboard.url) as c:
        rows = _rows(c.get("/search", params={"q": pay.references["invoice"].upper(), "format": "csv"}).text)
        assert rows[0]["kind"] == "invoice" and rows[0]["name"] == pay.id and int(rows[0]["amount"]) == int(pay.amount)
        r = c.get("/search", params={"q": pay.id})
        assert r.status_code == 303 and r.headers["location"] == f"/ledger/transfer/{pay.id}"
        assert "/ledger/transfer/" in c.get("/ledger", params={"q": pay.references["invoice"]}).text


def test_a_vendors_payments_page_newest_first_both_ways_and_export_as_csv(dashboard):
    journal = dashboard.journal
    vendor, _, payments = _vendor(journal)
    assert len(payments) > 100  # more than two pages
    newest = sorted((e.seq for e in payments), reverse=True)
    with httpx.Client(base_url=dashboard.url) as c:
        first = c.get(f"/ledger/account/{vendor}", params={"code": "DISBURSE"}).text
        seqs = [int(s) for s in _between(first, 'tr data-seq="', '"')]
        assert seqs == newest[:50]
        assert 'id="page-newer"' not in first and 'id="page-older"' in first
        second = c.get(f"/ledger/account/{vendor}", params={"code": "DISBURSE", "before": seqs[-1]}).text
        seqs2 = [int(s) for s in _between(second, 'tr data-seq="', '"')]
        assert seqs2 == newest[50:100]
        back = c.get(f"/ledger/account/{vendor}", params={"code": "DISBURSE", "after": seqs2[0]}).text
        assert [int(s) for s in _between(back, 'tr data-seq="', '"')] == newest[:50]
        oldest = c.get(f"/ledger/account/{vendor}", params={"code": "DISBURSE", "order": "oldest"}).text
        assert [int(s) for s in _between(oldest, 'tr data-seq="', '"')] == sorted(newest)[:50]
        r = c.get(f"/ledger/account/{vendor}", params={"code": "DISBURSE", "format": "csv"})
        assert r.headers["content-type"].startswith("text/csv") and r.content.startswith(b"\xef\xbb\xbf")
        rows = _rows(r.content.decode("utf-8"))
        assert [int(x["seq"]) for x in rows] == newest
        assert sum(int(x["amount"]) for x in rows) == sum(int(e.amount) for e in payments)
        assert {x["transfer"] for x in rows} == {e.id for e in payments}
        assert all(x["direction"] == "in" and x["code"] == "DISBURSE" for x in rows)
        every = _rows(c.get(f"/ledger/account/{vendor}", params={"format": "csv"}).text)
        credited = sum(int(x["amount"]) for x in every if x["direction"] == "in")
        assert credited == journal.read.account(vendor).credits_posted  # the ledger's own sum


def test_the_index_is_bounded_per_kind_and_forgets_the_oldest(monkeypatch):
    monkeypatch.setitem(LIMITS, "transfer", 3)
    index = SearchIndex()
    index.apply([TransferApplied(seq=k, timestamp=str(k), id=f"pay-{k:02d}", debit_account="a", credit_account="b",
                                 amount="5", asset="JPYD", code="DISBURSE", flags=(), pending_id=None, timeout_s=0,
                                 references={}, memo="") for k in range(10)])  # fmt: skip
    sizes = index.sizes()
    assert sizes["transfer"] == 3 and sizes["transfer.dropped"] == 7
    assert [h.entry.key for h in index.search("pay-")] == ["pay-09", "pay-08", "pay-07"]  # newest first
    assert index.search("pay-00") == []


def _between(text: str, start: str, end: str) -> list[str]:
    out = []
    at = text.find(start)
    while at >= 0:
        stop = text.index(end, at + len(start))
        out.append(text[at + len(start) : stop])
        at = text.find(start, stop)
    return out


def test_every_contract_of_the_ledger_is_listed_including_the_budgets_registered_ones(dashboard):
    journal = dashboard.journal
    accounts = {e.id.removeprefix("contract:"): e for e in journal.events(range(journal.size))
                if type(e).__name__ == "AccountCreated" and e.metadata.get("kind") == "contract"}  # fmt: skip
    assert any(cid.startswith("c2025-") for cid in accounts)
    with httpx.Client(base_url=dashboard.url) as c:
        rows = _rows(c.get("/ledger/contracts", params={"format": "csv"}).text)
        assert {r["contract"] for r in rows} == set(accounts)
        assert sum(int(r["total_yen"]) for r in rows) == sum(int(a.metadata.get("total_yen", 0)) for a in accounts.values())
        biggest = _rows(c.get("/ledger/contracts", params={"format": "csv", "sort": "total", "q": "C2025"}).text)
        assert all(r["contract"].startswith("c2025-") for r in biggest)
        assert [int(r["total_yen"]) for r in biggest] == sorted((int(r["total_yen"]) for r in biggest), reverse=True)
        page2 = c.get("/ledger/contracts", params={"page": 2}).text
        assert 'id="page-prev"' in page2 and 'data-contract="' in page2
        assert 'href="/ledger/contracts"' in c.get("/contracts").text  # linked from the contracts desk's list


def test_every_alert_of_the_year_paged_sorted_and_as_csv(dashboard):
    from ramp.budget.queries import alerts

    every = alerts(dashboard.budget, 2025).alerts
    assert len(every) > 50
    with httpx.Client(base_url=dashboard.url) as c:
        assert 'href="/overview/alerts?fy=2025"' in c.get("/overview", params={"fy": 2025}).text
        first = c.get("/overview/alerts", params={"fy": 2025}).text
        assert [int(s) for s in _between(first, 'data-seq="', '"')] == [a.seq for a in every[:50]]  # newest first
        second = c.get("/overview/alerts", params={"fy": 2025, "page": 2}).text
        assert [int(s) for s in _between(second, 'data-seq="', '"')] == [a.seq for a in every[50:100]]
        assert 'id="page-prev"' in second
        rows = _rows(c.get("/overview/alerts", params={"fy": 2025, "format": "csv", "sort": "utilisation"}).text)
        assert len(rows) == len(every)
        assert [int(r["utilisation_bp"]) for r in rows] == sorted((a.utilisation_bp for a in every), reverse=True)
        warnings = _rows(c.get("/overview/alerts", params={"fy": 2025, "format": "csv", "level": "warning"}).text)
        assert {r["level"] for r in warnings} == {"warning"} and len(warnings) == sum(a.level == "warning" for a in every)
