"""Public totals, provably complete, on the demo's real journal: the published root is every payment
of the year (sum and count, the budget's disbursed total), the public's check and a contractor's
check pass in Python (and through `ramp disclosure`), who may open a line, and every removed or
altered line, group, record or proof fails with its code."""

from __future__ import annotations

import base64
import copy
import json

import httpx
import pytest

from ramp.api import disclosure_cli
from ramp.budget.projection import BudgetProjection
from ramp.budget.queries import budget_tree
from ramp.client import RampClient
from ramp.demo.approvals import key_path
from ramp.disclosure import publish as disclosure_publish
from ramp.disclosure.checks import DisclosureCheckError, check_payment, check_totals
from ramp.disclosure.lines import PaymentLines
from ramp.disclosure.record import RECORD_TYPE
from ramp.disclosure.tree import MIN_GROUP_LINES, lines_of, published_groups
from ramp.ledger import CreateTransfer
from ramp.ledger.events import AccountCreated, TransferApplied
from ramp.tlog import sumtree
from ramp.tlog.sumtree import GroupKey
from tests.disclosure.world import FISCAL_YEAR


def _totals(site, fy: int = FISCAL_YEAR) -> dict:
    r = httpx.get(f"{site.url}/v1/disclosure/{fy}/totals")
    assert r.status_code == 200, r.text
    return r.json()


def _log_key(site) -> str:
    return httpx.get(site.url + "/v1/log/key").text.strip()


def _client(site, who: str) -> RampClient:
    return RampClient(site.url, key_file=key_path(site.db, who))


def _payment(site, who: str, transfer_id: str, fy: int = FISCAL_YEAR) -> httpx.Response:
    with _client(site, who) as client:
        return client.get(f"/v1/disclosure/{fy}/payments/{transfer_id}")


def _escrow_years(journal) -> dict[str, int]:
    """Every escrow account's fiscal year, read from the log itself (not from the projection)."""
    out = {}
    for start in range(0, journal.size, 4096):
        for e in journal.events(range(start, min(journal.size, start + 4096))):
            if isinstance(e, AccountCreated) and e.metadata.get("kind") == "escrow":
                out[e.id] = int(e.metadata["fiscal_year"])
    return out


def test_the_published_root_is_every_payment_of_the_year(site):
    journal = site.journal
    lines = journal.projection(PaymentLines)
    escrows = _escrow_years(journal)
    budget = journal.projection(BudgetProjection)
    for fy in (2024, 2025, FISCAL_YEAR):
        latest = lines.latest(fy)
        assert latest is not None, fy
        size = latest.published.log_size
        paid = [e for start in range(0, size, 4096) for e in journal.events(range(start, min(size, start + 4096)))
                if isinstance(e, TransferApplied) and e.code in ("DISBURSE", "PENALTY")
                and escrows.get(e.debit_account) == fy]  # fmt: skip
        root = latest.published.root
        assert (root.sum_yen, root.count) == (sum(int(e.amount) for e in paid), len(paid))
        # nothing was paid since the demo's load published: the root is the budget's disbursed total
        assert root.sum_yen == budget_tree(budget, fy).figures.disbursed
        # a cleared auditor rebuilding every line gets exactly the published root
        salt_of = disclosure_publish.salt_source(journal)
        sumtree.verify_lines(root, lines_of(lines.payments(fy, size), salt_of))


def test_each_project_counts_under_one_category_and_the_totals_add_up(site):
    published = site.journal.projection(PaymentLines).latest(FISCAL_YEAR).published
    groups = published.groups
    assert all(g.group.category != "ai" for g in groups)  # an overlapping tag is never a total
    assert sum(g.node.sum_yen for g in groups) == published.root.sum_yen
    assert sum(g.node.count for g in groups) == published.root.count
    assert len({g.group for g in groups}) == len(groups)


def test_no_published_total_sums_fewer_than_the_minimum_of_payments(site):
    """A group total of one payment would be that payment's amount: small groups are folded."""
    for fy in (2024, 2025, FISCAL_YEAR):
        published = site.journal.projection(PaymentLines).latest(fy).published
        assert published.root.count >= MIN_GROUP_LINES
        assert all(g.node.count >= MIN_GROUP_LINES for g in published.groups), [
            (g.group, g.node.count) for g in published.groups if g.node.count < MIN_GROUP_LINES]
    payments = site.journal.projection(PaymentLines).payments(2024, site.journal.size)
    raw = {p.group for p in payments}
    assert len(raw) > len({published_groups(payments)[g] for g in raw})  # the demo has small groups to fold


def test_the_publics_check_passes_in_python_and_by_the_cli(site, capsys):
    doc = _totals(site)
    verified = check_totals(doc, _log_key(site))
    assert verified.record_id.startswith(f"{RECORD_TYPE}.fy{FISCAL_YEAR}.")
    every = site.journal.projection(PaymentLines).payments(FISCAL_YEAR, verified.published.log_size)
    assert verified.published.root.count == len(every) > 1_000  # thousands of payments, each counted once
    assert disclosure_cli.main(["verify-totals", "--url", site.url, "--log-key", _log_key(site)]) == 0
    out = capsys.readouterr().out
    assert f"FY{FISCAL_YEAR}: VERIFIED" in out and "FY2024: VERIFIED" in out and "FY2025: VERIFIED" in out


def test_a_contractors_check_passes_in_python_and_by_the_cli(site, capsys):
    p = site.people.payment
    r = _payment(site, site.people.own, p.transfer_id)
    assert r.status_code == 200, r.text
    verified = check_payment(check_totals(_totals(site), _log_key(site)), r.json(), p.transfer_id)
    assert (verified.amount_yen, verified.group, verified.private["vendor"]) == (p.amount_yen, p.group, p.vendor)
    argv = ["verify-payment", "--url", site.url, "--key", key_path(site.db, site.people.own), p.transfer_id]
    assert disclosure_cli.main(argv) == 0
    assert f"{p.transfer_id}: VERIFIED" in capsys.readouterr().out


def test_a_line_opens_to_its_contractor_and_budget_readers_only(site):
    p = site.people.payment
    assert _payment(site, "boa.auditor.watanabe", p.transfer_id).status_code == 200
    assert _payment(site, "fo.tanaka", p.transfer_id).status_code == 200  # a finance officer reads the budget
    # Another party is told it is not found, as for a payment that does not exist: a 403 would
    # confirm to a probe that the transfer id is a real payment.
    other = _payment(site, site.people.other, p.transfer_id)
    missing = _payment(site, site.people.other, "no-such-transfer")
    assert (other.status_code, other.json()["error"]["code"]) == (404, "payment_not_found")
    assert (missing.status_code, missing.json()["error"]["code"]) == (404, "payment_not_found")
    inspector = _payment(site, "atla.inspector.suzuki", p.transfer_id)  # no role that reads payments at all
    assert (inspector.status_code, inspector.json()["error"]["code"]) == (403, "forbidden")
    unsigned = httpx.get(f"{site.url}/v1/disclosure/{FISCAL_YEAR}/payments/{p.transfer_id}")
    assert unsigned.status_code == 401
    assert _payment(site, site.people.own, "no-such-payment").json()["error"]["code"] == "payment_not_found"
    assert _payment(site, site.people.own, p.transfer_id, fy=2024).json()["error"]["code"] == "payment_not_found"
    assert _payment(site, site.people.own, "bad id!").json()["error"]["code"] == "transfer_id_invalid"
    assert httpx.get(f"{site.url}/v1/disclosure/1999/totals").json()["error"]["code"] == "fiscal_year_invalid"
    assert httpx.get(f"{site.url}/v1/disclosure/2030/totals").json()["error"]["code"] == "totals_not_published"
    assert httpx.get(f"{site.url}/v1/disclosure/years").json() == {"fiscal_years": [2024, 2025, FISCAL_YEAR]}


def test_the_totals_never_show_a_project_path_or_vendor_name(site):
    budget = site.journal.projection(BudgetProjection)
    snapshot = budget.snapshot(FISCAL_YEAR)
    projects = [path for path, (node, _) in snapshot.nodes.items() if node.kind == "project"]
    vendors = budget.vendors()
    secrets = [*projects, *(v for v in vendors), *(n for n in vendors.values() if n),
               *(c.id for c in budget.contracts())]  # fmt: skip
    page = httpx.get(f"{site.url}/public?fy={FISCAL_YEAR}")
    assert page.status_code == 200 and 'id="totals"' in page.text and 'data-key="asdf"' in page.text
    served = [json.dumps(_totals(site)), page.text]
    for text in served:
        shown = [s for s in secrets if s in text]
        assert shown == [], shown[:5]


# --- a removed or altered line fails --------------------------------------------------------
def _regroup(doc: dict, groups: list) -> dict:
    """The served document with other groups and a root recomputed over them (a server that
    lies consistently): the totals add up, but the log holds another record."""
    out = copy.deepcopy(doc)
    out["groups"] = groups
    decoded = [sumtree.GroupTotal(GroupKey(g["organisation"], g["category"]),
                                  sumtree.SumNode(bytes.fromhex(g["hash"]), int(g["sum_yen"]), int(g["count"])))
               for g in groups]  # fmt: skip
    leaves = [sumtree.SumNode(sumtree.group_leaf_hash(FISCAL_YEAR, g.group, g.node), g.node.sum_yen, g.node.count)
              for g in decoded]  # fmt: skip
    node = sumtree._range_node(sumtree._levels(leaves), 0, len(leaves))
    out["root"] = {"fiscal_year": FISCAL_YEAR, "hash": node.hash.hex(), "sum_yen": str(node.sum_yen),
                   "count": str(node.count)}  # fmt: skip
    return out


def _altered_totals(doc: dict) -> dict[str, tuple[dict, str]]:
    removed = copy.deepcopy(doc)
    removed["groups"].pop(3)
    altered = copy.deepcopy(doc)
    altered["groups"][0]["sum_yen"] = str(int(altered["groups"][0]["sum_yen"]) + 1)
    moved = copy.deepcopy(doc)
    moved["groups"][0]["sum_yen"] = str(int(moved["groups"][0]["sum_yen"]) + 1_000)
    moved["groups"][1]["sum_yen"] = str(int(moved["groups"][1]["sum_yen"]) - 1_000)
    leaf = copy.deepcopy(doc)
    raw = bytearray(base64.b64decode(leaf["leaf"]))
    raw[raw.index(b'"sum_yen":"') + 11] ^= 1  # one digit of the logged record
    leaf["leaf"] = base64.b64encode(bytes(raw)).decode()
    proof = copy.deepcopy(doc)
    proof["inclusion"]["proof"].pop()
    return {
        "a group removed": (removed, "root_mismatch"),
        "a group's sum altered": (altered, "root_mismatch"),
        "yen moved between groups": (moved, "root_mismatch"),
        "a consistent lie: a group removed, the root recomputed": (_regroup(doc, doc["groups"][1:]), "record_mismatch"),
        "the logged record altered": (leaf, "record_not_in_log"),
        "a proof hash removed": (proof, "record_not_in_log"),
    }


def test_a_removed_or_altered_group_or_record_fails_the_publics_check(site):
    doc, key = _totals(site), _log_key(site)
    for what, (bad, code) in _altered_totals(doc).items():
        with pytest.raises(DisclosureCheckError) as caught:
            check_totals(bad, key)
        assert caught.value.code == code, what
    other_key = "other.log+00000000+AQ" + "A" * 42 + "="
    with pytest.raises(DisclosureCheckError):
        check_totals(doc, other_key)


def test_a_removed_or_altered_line_fails_the_contractors_check(site):
    p = site.people.payment
    totals = check_totals(_totals(site), _log_key(site))
    good = _payment(site, site.people.own, p.transfer_id).json()
    amount = copy.deepcopy(good)
    amount["opening"]["amount_yen"] = str(p.amount_yen + 1)
    private = copy.deepcopy(good)
    private["opening"]["private"] = private["opening"]["private"].replace(p.vendor.encode().hex(), ("x" * len(p.vendor)).encode().hex())
    sibling = copy.deepcopy(good)
    sibling["proof"]["line_path"].pop(0)
    moved = copy.deepcopy(good)
    moved["proof"]["line_path"][0]["sum_yen"] = str(int(moved["proof"]["line_path"][0]["sum_yen"]) + 1)
    swapped = copy.deepcopy(good)
    swapped["proof"]["organisation"] = "zzz"
    for what, (bad, code) in {
        "the amount raised": (amount, "root_mismatch"),
        "the private bytes altered": (private, "root_mismatch"),
        "a sibling removed": (sibling, "wrong_proof_length"),
        "a sibling's sum altered": (moved, "root_mismatch"),
        "another group claimed": (swapped, "root_mismatch"),
    }.items():
        with pytest.raises(DisclosureCheckError) as caught:
            check_payment(totals, bad, p.transfer_id)
        assert caught.value.code == code, what
    with pytest.raises(DisclosureCheckError) as caught:
        check_payment(totals, good, "another-payment")
    assert caught.value.code == "opening_mismatch"


def test_the_cli_fails_with_the_code_on_a_server_answering_altered_data(site, monkeypatch, capsys):
    altered, _code = _altered_totals(_totals(site))["a group removed"]
    monkeypatch.setattr(disclosure_cli, "_totals_doc", lambda url, fy: altered)
    assert disclosure_cli.main(["verify-totals", "--url", site.url, "--fy", str(FISCAL_YEAR)]) == 1
    assert "FAILED root_mismatch" in capsys.readouterr().err
    p = site.people.payment
    argv = ["verify-payment", "--url", site.url, "--key", key_path(site.db, site.people.own), p.transfer_id]
    assert disclosure_cli.main(argv) == 1
    assert "FAILED root_mismatch" in capsys.readouterr().err


def test_a_new_payment_is_published_in_the_next_root_and_only_then(site):
    journal, lines = site.journal, site.journal.projection(PaymentLines)
    p = site.people.payment
    before = lines.latest(FISCAL_YEAR)
    assert disclosure_publish.publications(journal, lines) == []  # nothing changed since the load
    escrow = f"contract:{p.contract}:fy{FISCAL_YEAR}"
    assert journal.read.account(escrow).credits_posted > journal.read.account(escrow).debits_posted
    tid = "disclosure-test-pay-1"

    def pay(transfer_id: str) -> None:
        [result] = journal.submit([CreateTransfer(id=transfer_id, debit_account=escrow, amount=1, asset="JPYD",
                                                  credit_account=f"vendor:{p.vendor}", code="DISBURSE")])  # fmt: skip
        assert result.result == "ok"

    pay(tid)
    r = _payment(site, site.people.own, tid)
    assert (r.status_code, r.json()["error"]["code"]) == (404, "payment_not_yet_published")
    assert disclosure_publish.due(lines, FISCAL_YEAR) and not disclosure_publish.due(lines, 2024)
    # One payment would move its group's total by one payment: subtracting the roots would show
    # its amount, so the root is held until the group has moved by MIN_GROUP_LINES payments.
    assert disclosure_publish.publications(journal, lines) == []
    for k in range(2, MIN_GROUP_LINES + 1):
        pay(f"disclosure-test-pay-{k}")
    [written] = disclosure_publish.publish(journal, lines)
    assert written == f"{RECORD_TYPE}.fy{FISCAL_YEAR}.2"
    after = lines.latest(FISCAL_YEAR).published.root
    assert (after.sum_yen, after.count) == (before.published.root.sum_yen + MIN_GROUP_LINES,
                                            before.published.root.count + MIN_GROUP_LINES)  # fmt: skip
    assert after.sum_yen == budget_tree(journal.projection(BudgetProjection), FISCAL_YEAR).figures.disbursed
    verified = check_payment(check_totals(_totals(site), _log_key(site)), _payment(site, site.people.own, tid).json(), tid)
    assert verified.amount_yen == 1
