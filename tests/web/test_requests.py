"""Requests from the dashboard over HTTP, against a real server on a copy of the demo data: each
form files its request through the approvals desk (the record is the API's), each refusal is said
in words and writes nothing, a form without its session's CSRF token is refused, odd ids are a
clear answer (never a 500), every request has its own page with its history, the requester
sees where it stands, and the budget tree sorts by what is available."""

from __future__ import annotations

import re

import httpx
import pytest

from ramp.approvals.quorum import Decision, QuorumRule, counted, met
from ramp.approvals.state import load
from ramp.budget import model as budget_model
from ramp.budget.queries import TreeNode, budget_tree
from ramp.contracts import state as contract_state
from ramp.demo.people import PEOPLE
from ramp.policy.active import ActivePolicy
from ramp.policy.engine import Resource
from ramp.web.i18n import LABELS
from ramp.web.inbox import Item
from ramp.web.requests import FORMS, KNOWN_ERRORS, history
from tests.web.logins import csrf_of
from tests.web.test_inbox import decide, signature, signed_in

FY = 2026  # the open year of the demo (FY2025 is closed)


def projects(nodes: list[TreeNode], prefix: str) -> list[TreeNode]:
    out = []
    for n in nodes:
        if n.kind == "project" and n.path.startswith(prefix):
            out.append(n)
        out += projects(n.children, prefix)
    return out


def richest(served, prefix: str) -> TreeNode:
    return max(projects(budget_tree(served.budget, FY).items, prefix), key=lambda n: (n.figures.available, n.path))


def form_of(c: httpx.Client, key: str, query: str = "") -> tuple[str, str]:
    """(csrf, request id) of a fresh form."""
    r = c.get(f"/requests/new/{key}{query}")
    assert r.status_code == 200, r.text[:300]
    return csrf_of(r.text), re.search(r'name="id" value="([^"]+)"', r.text).group(1)


def file(c: httpx.Client, key: str, fields: dict[str, str], *, csrf: str | None = "", rid: str = "") -> httpx.Response:
    token, fresh = form_of(c, key)
    data = {"id": rid or fresh, **fields}
    if csrf is not None:
        data["csrf"] = csrf or token
    return c.post(f"/requests/new/{key}", data=data)


def error_of(html: str) -> tuple[str, str]:
    """(code, words) of the form's refusal."""
    match = re.search(r'id="request-error" data-code="([a-z_]*)">(.*?)</p>', html, re.S)
    return (match.group(1), re.sub(r"<[^>]+>", "", match.group(2))) if match else ("", "")


def filed(served, r: httpx.Response, kind: str) -> dict:
    assert r.status_code == 303, (r.status_code, error_of(r.text))
    rid = r.headers["location"].split("/requests/", 1)[1].split("?", 1)[0]
    record = served.journal.engine.record(f"request:{rid}")
    assert record is not None and record.body["kind"] == kind
    return record.body


def ryuyo_fields(served, amount_yen: int = 50_000_000) -> dict[str, str]:
    source = richest(served, "equipment:ammunition:")
    target = projects(budget_tree(served.budget, FY).items, "equipment:missiles:")[0]
    return {"fiscal_year": str(FY), "source": source.path, "target": target.path, "amount_yen": f"{amount_yen:,}"}


# --- valid filings ------------------------------------------------------------------------------
def test_a_ryuyo_filed_from_the_dashboard_is_the_apis_request_and_has_its_own_page(signed):
    fields = ryuyo_fields(signed)
    with signed_in(signed, "fo.tanaka") as c:
        r = file(c, "ryuyo", {**fields, "memo": "弾薬の不用見込額から誘導弾へ"})
        body = filed(signed, r, "ryuyo")
        rid = body["request"]
        assert body["action"] == {"type": "budget", "operation": {
            "op": "transfer", "id": rid, "fiscal_year": FY, "source": fields["source"], "target": fields["target"],
            "amount_yen": 50_000_000, "approvals": []}}  # fmt: skip
        assert (body["requester"], body["memo"]) == ("fo.tanaka", "弾薬の不用見込額から誘導弾へ")
        page = c.get(r.headers["location"])
        assert page.status_code == 200 and "is filed and waits for its approvers" in page.text
        assert "Open: 0 of 2 approvals counted." in page.text and "Still needed from: mof." in page.text
        seq = signed.journal.engine.record(f"request:{rid}").seq
        assert re.search(rf'data-step="requested">.*?<span class="seq">{seq}</span>', page.text, re.S)
        mine = c.get("/requests").text
        assert f'id="mine-{rid}" data-status="open"' in mine and f'href="/requests/{rid}"' in mine
        again = c.post("/requests/new/ryuyo", data={"csrf": csrf_of(mine), "id": rid, **fields,
                                                     "memo": "弾薬の不用見込額から誘導弾へ"})  # fmt: skip
        assert again.status_code == 303  # the same form sent twice: one request
        assert signed.journal.engine.record(f"request:{rid}").seq == seq
        c.cookies.set("ramp_lang", "ja")
        ja = c.get(f"/requests/{rid}").text
        assert "決裁中: 承認 0/2。" in ja and "未承認の必須組織: mof。" in ja and "経過" in ja


def test_the_ryuyo_completes_with_mod_and_mof_and_its_history_has_each_records_seq(signed):
    fields = ryuyo_fields(signed)
    source, target = (budget_model.node_account(FY, fields[k]) for k in ("source", "target"))
    before = [signed.journal.read.account(a).balance for a in (source, target)]
    with signed_in(signed, "fo.tanaka") as c:
        rid = filed(signed, file(c, "ryuyo", fields), "ryuyo")["request"]
    for who in ("fo.kobayashi", "mof.sato"):
        with signed_in(signed, who) as c:
            r = decide(c, rid, "approve", signature(signed, who, rid), csrf_of(c.get("/approvals").text))
            assert r.status_code == 303
    after = [signed.journal.read.account(a).balance for a in (source, target)]
    assert after == [before[0] - 50_000_000, before[1] + 50_000_000]
    with signed_in(signed, "fo.tanaka") as c:
        page = c.get(f"/requests/{rid}").text
        steps = re.findall(r'data-step="([a-z]+)">.*?<td class="num">(?:<span class="seq">(\d+)</span>)?', page, re.S)
        seqs = [signed.journal.engine.record(f"request:{rid}{s}").seq for s in ("", ":d1", ":d2", ":x")]
        assert steps == list(zip(["requested", "approved", "approved", "executed"], map(str, seqs), strict=True))
        assert "Executed: the quorum was met" in page and f'href="/ledger/transfer/{rid}"' in page
        assert f'id="mine-{rid}" data-status="executed"' in c.get("/requests").text


def test_every_form_files_its_kind(signed):
    with signed_in(signed, "fo.tanaka") as fo:
        iyo = {"fiscal_year": str(FY), "source": richest(signed, "equipment:").path,
               "target": richest(signed, "maintenance:").path, "amount_yen": "10000000"}  # fmt: skip
        filed(signed, file(fo, "iyo", iyo), "iyo")
        vendor = budget_model.vendor_account(contract_state.load(signed.journal.engine.record, "mc25-asev-sonar").terms.vendor)
        filed(signed, file(fo, "freeze", {"account": vendor, "reason": "review"}), "freeze")
        meikyo = {"fiscal_year": str(FY), "kind": "meikyo", "node": richest(signed, "equipment:").path,
                  "amount_yen": "1000000"}  # fmt: skip
        r = file(fo, "carry_over", meikyo)
        assert r.status_code == 303 or error_of(r.text)[0] in KNOWN_ERRORS, error_of(r.text)  # the calendar decides
    with signed_in(signed, "atla.co.ito") as co:
        filed(signed, file(co, "contract_hold", {"contract": "mc25-asev-sonar", "reason": "price review"}), "contract_hold")
        filed(signed, file(co, "contract_release", {"contract": "mc25-gh-sensors"}), "contract_release")
        r = file(co, "change_order", {"contract": "mc25-kc46-support", "milestone": "m3", "milestone_amount_yen": "1,000,000"})
        body = filed(signed, r, "change_order")
        assert body["action"]["operation"]["milestones"] == [{"id": "m3", "amount_yen": 1_000_000, "due": None}]


def test_unfreeze_after_a_freeze_executes(signed):
    account = signed.journal.engine.record("request:freeze-split-payments").body["action"]["account"]
    with signed_in(signed, "fo.tanaka") as fo:
        r = file(fo, "unfreeze", {"account": account})
        assert (r.status_code, error_of(r.text)[0]) == (409, "account_not_frozen")
        r = decide(fo, "freeze-split-payments", "approve", signature(signed, "fo.tanaka", "freeze-split-payments"),
                   csrf_of(fo.get("/approvals").text))  # fmt: skip
        assert r.status_code == 303 and "frozen" in signed.journal.read.account(account).flags
        filed(signed, file(fo, "unfreeze", {"account": account, "reason": "audit closed"}), "unfreeze")


# --- refusals, in words, nothing written ----------------------------------------------------------
def test_each_refusal_is_said_in_words_and_writes_nothing(signed):
    good = ryuyo_fields(signed)
    other_item = {**good, "target": richest(signed, "maintenance:").path}
    with signed_in(signed, "fo.tanaka") as c:
        size = signed.journal.size
        cases = [
            ("ryuyo", {**good, "amount_yen": "12a"}, 400, "field_invalid", "Check “Amount (yen)”"),
            ("ryuyo", {**good, "amount_yen": "１２３"}, 400, "field_invalid", "Check “Amount (yen)”"),  # fullwidth
            ("ryuyo", {**good, "amount_yen": "0"}, 400, "field_invalid", "Check “Amount (yen)”"),
            ("ryuyo", {**good, "source": ""}, 400, "field_invalid", "Check “From (budget path)”"),
            ("ryuyo", {**good, "source": "Equipment:X"}, 400, "field_invalid", "Check “From (budget path)”"),
            ("ryuyo", {**good, "fiscal_year": "1999"}, 400, "field_invalid", "Check “Fiscal year”"),
            ("ryuyo", {**good, "colour": "red"}, 400, "field_unknown", "The form has a field it does not know"),
            ("ryuyo", {**good, "amount_yen": str(10**15)}, 409, "exceeds_available", "The source node does not hold"),
            ("ryuyo", {**good, "target": "equipment:nowhere"}, 409, "node_not_found", "There is no such budget node"),
            ("ryuyo", {**good, "target": good["source"]}, 409, "same_node", "The source and the target are the same"),
            ("ryuyo", other_item, 400, "kind_mismatch", "These nodes make another kind of transfer"),
            ("iyo", good, 400, "kind_mismatch", "These nodes make another kind of transfer"),
            ("ryuyo", {**good, "memo": "x" * 513}, 400, "memo_invalid", "The memo is too long"),
            ("freeze", {"account": "vendor:no-such-vendor"}, 409, "account_not_found", "There is no such account"),
            ("contract_hold", {"contract": "mc25-asev-sonar"}, 403, "not_permitted", "The policy in force does not let you"),
            ("change_order", {"contract": "mc25-asev-sonar", "due": "2026-01-01"}, 400, "field_invalid", "Check “Milestone”"),
            ("carry_over", {"fiscal_year": str(FY), "kind": "someday", "amount_yen": "1"}, 400, "field_invalid",
             "Check “Kind of carry-over”"),
        ]  # fmt: skip
        for key, fields, status, code, says in cases:
            r = file(c, key, fields)
            got = error_of(r.text)
            assert (r.status_code, got[0]) == (status, code) and got[1].startswith(says), (key, fields, r.status_code, got)
            assert "Nothing was filed." in got[1] and r.headers["content-type"].startswith("text/html")
        r = file(c, "reserve_release", {"fiscal_year": str(FY), "target": good["target"], "amount_yen": "1"})
        assert r.status_code in (403, 409) and error_of(r.text)[0] in KNOWN_ERRORS and "Nothing was filed." in r.text
        rid = filed(signed, file(c, "ryuyo", good), "ryuyo")["request"]
        size = signed.journal.size
        r = file(c, "ryuyo", {**good, "amount_yen": "2000000"}, rid=rid)  # the id of another request
        assert (r.status_code, error_of(r.text)[0]) == (409, "request_exists")
        for odd in ("UPPER", "", "x" * 49, "a b", "\u202e"):
            r = file(c, "ryuyo", good, rid=odd) if odd else c.post("/requests/new/ryuyo", data={**good, "id": "",
                                                                                                "csrf": csrf_of(c.get("/requests").text)})  # fmt: skip
            assert r.status_code == 400 and error_of(r.text)[0] == "request_id_invalid", odd
        c.cookies.set("ramp_lang", "ja")
        r = file(c, "ryuyo", {**good, "amount_yen": "12a"})
        assert "「金額(円)」を確認してください" in error_of(r.text)[1] and "申請は行われていません。" in r.text
        assert signed.journal.size == size  # no refusal wrote anything
    with signed_in(signed, "boa.auditor.watanabe") as boa:
        size = signed.journal.size  # signing in wrote its auth.login
        r = file(boa, "ryuyo", good)
        assert (r.status_code, error_of(r.text)[0]) == (403, "not_permitted")
        assert signed.journal.size == size


def test_a_form_without_its_sessions_csrf_token_or_from_another_site_is_refused(signed):
    good = ryuyo_fields(signed)
    with signed_in(signed, "fo.tanaka") as c:
        size = signed.journal.size
        for csrf in (None, "forged-token"):
            r = file(c, "ryuyo", good, csrf=csrf)
            assert r.status_code == 403 and "This form is not from your current session" in r.text
        csrf, rid = form_of(c, "ryuyo")
        r = c.post("/requests/new/ryuyo", data={"csrf": csrf, "id": rid, **good}, headers={"Origin": "https://evil.example"})
        assert r.status_code == 403 and "This form was sent from another site" in r.text
        r = c.post("/requests/new/ryuyo", json={"csrf": csrf, "id": rid, **good}, headers={"Origin": signed.url})
        assert r.status_code == 415
        r = c.post("/requests/new/ryuyo", data={"csrf": csrf, "id": rid, **good, "memo": "x" * 9000})
        assert r.status_code == 413
        assert signed.journal.size == size
    r = httpx.post(signed.url + "/requests/new/ryuyo", data={"id": "ryuyo-x", **good})
    assert (r.status_code, r.headers["location"]) == (303, "/signin?next=/requests/new/ryuyo")


def test_odd_ids_are_a_clear_answer_never_a_500(signed):
    with signed_in(signed, "fo.tanaka") as c:
        csrf = csrf_of(c.get("/requests").text)
        for path in ["/requests/%00", "/requests/" + "x" * 200, "/requests/UPPER", "/requests/%E2%80%AE",
                     "/requests/no-such-request", "/requests/new", "/requests/new/nope", "/requests/new/%00"]:  # fmt: skip
            assert c.get(path).status_code == 404, path
        for path in ["/requests/new/nope", "/requests/new/" + "x" * 300, "/requests/new/%E2%80%AE"]:
            assert c.post(path, data={"csrf": csrf}).status_code == 404, path
        assert c.get("/requests/new/ryuyo?source=" + "x" * 5000).status_code == 200  # a prefill is cut, not a 500


def test_a_contractor_cannot_read_a_request_of_another_party(signed):
    with signed_in(signed, "vendor.mhi") as c:
        assert c.get("/requests/freeze-split-payments").status_code == 404
        assert c.get("/requests/ryuyo-pac3").status_code == 404
        r = file(c, "contract_hold", {"contract": "mc25-asev-sonar"})
        assert r.status_code in (403, 409) and "Nothing was filed." in r.text


def test_an_expired_request_says_so_in_its_history(signed):
    """Expiry is a time, not a record: the history says when, and that no record marks it."""
    state = load(signed.journal.engine.record, "ryuyo-vessel-upkeep")
    view = Item(state, "expired", [], frozenset(), 2, [], "", "")
    steps = history(view, state.expires_ns + 1)
    assert [s.what for s in steps][-1] == "expired" and steps[-1].seq is None


# --- the budget tree by what is available, the demo's requests ----------------------------------
def test_the_budget_tree_sorts_by_available_and_links_a_ryuyo_from_each_line(signed):
    with signed_in(signed, "fo.tanaka") as c:
        html = c.get(f"/budget?fy={FY}&sort=available").text
        assert '<strong aria-current="true">most available first</strong>' in html
        items = re.findall(r'<li><details open data-path="([a-z-]+)">', html)
        tree = {n.path: n.figures.available for n in budget_tree(signed.budget, FY).items}
        assert items == sorted(tree, key=lambda p: (-tree[p], p))
        link = re.search(r'class="open-node ryuyo-from" href="([^"]+)"', html).group(1).replace("&amp;", "&")
        form = c.get(link).text
        source = re.search(r'id="f-source" name="source" value="([^"]*)"', form).group(1)
        assert source and f"fiscal_year={FY}" in link and budget_model.split_path(source) is not None


@pytest.mark.parametrize("rid", ["ryuyo-pac3", "ryuyo-vessel-upkeep", "freeze-split-payments", "hold-mc25-sm3-handling",
                                 "co-mc25-kc46-support"])  # fmt: skip
def test_every_seeded_request_can_complete_with_the_demo_peoples_logins(demo_db, rid):
    from tests.web.conftest import open_demo

    journal, identities, _, _ = open_demo(demo_db)
    try:
        state = load(journal.engine.record, rid)
        assert state is not None, rid
        requester = identities.get(state.requester)
        policy = ActivePolicy().live(journal.engine)[0]
        resource = Resource(rid, state.kind, int(state.body["amount_yen"]), tuple(state.body["accounts"]), requester)
        rule = QuorumRule.of(state.body["quorum"])
        decisions = list(state.decisions)
        for p in PEOPLE:  # each person with a web login who may approve, in turn
            person = identities.get(p.id)
            if any(d.approver == p.id for d in decisions) or not policy.allows(person, "approve", resource):
                continue
            decisions.append(Decision(len(decisions) + 1, p.id, person.organisation, "approve", ""))
            if met(rule, counted(rule, state.requester, decisions, lambda d: True)):
                break
        assert met(rule, counted(rule, state.requester, decisions, lambda d: True)), (rid, decisions)
    finally:
        journal.close()


def test_every_form_and_refusal_has_words_in_both_languages():
    for key, form in FORMS.items():
        assert f"request_kind.{key}" in LABELS and f"requests.form.{key}" in LABELS
        for f in form.fields:
            assert f"requests.field.{f.name}" in LABELS and f"requests.help.{f.name}" in LABELS
    for code in KNOWN_ERRORS:
        assert f"requests.error.{code}" in LABELS, code
