"""The contractor's portal: a vendor's people see their own contracts, what each milestone waits on
(whose attestation, or the payment), what they were paid (the wallet `vendor:<id>`), what is owed,
the retention held and the penalties; each payment opens on a page that verifies its inclusion in
the log in the browser (static/verify.js with the envelope's opening, as the ledger explorer).

Nothing of any other party: the vendor is the viewer's organisation (`contractor-<vendor>`), the
contracts are that vendor's from the index, a payment is shown only if it touches its wallet.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from functools import partial
from typing import Final

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ramp.budget import model as budget_model
from ramp.contracts import terms as contract_terms
from ramp.contracts import views as contract_views
from ramp.disclosure.classify import transfer_level
from ramp.journal.envelope import Level
from ramp.journal.queries import PAGE_MAX, account_events
from ramp.ledger.events import TransferApplied
from ramp.ledger.model import TRANSFER_ID_MAX_CHARS
from ramp.service.access import CONTRACTOR_ORGANISATION_PREFIX, may_read_vendor
from ramp.web.access import Viewer
from ramp.web.contracts import ContractReads
from ramp.web.dashboard import Dashboard, jst

PORTAL_PATH: Final = "/portal"
PORTAL_ROLES: Final = ("contractor",)
CONTRACTS_MAX: Final = 200  # a vendor's newest contracts on the page (each is read in full)
PAYMENTS_SCAN_MAX: Final = 5 * PAGE_MAX  # wallet events read per view: the newest of them are shown
PAYMENTS_SHOWN: Final = 100


@dataclass(frozen=True, slots=True)
class Wait:
    """What one milestone waits on: an attestation (`who`: role and organisation) or its payment."""

    contract: str
    milestone: contract_views.MilestoneOut
    what: str  # attestation | after_milestones | payment_held | payment_pending
    who: list[str]


@dataclass(frozen=True, slots=True)
class Totals:
    total_yen: int
    released_yen: int
    pending_yen: int
    retention_held_yen: int
    penalties_yen: int


def vendor_of(viewer: Viewer) -> str | None:
    """The vendor a contractor works for, from its organisation; None for anyone else."""
    org = viewer.organisation
    if not org.startswith(CONTRACTOR_ORGANISATION_PREFIX) or not budget_model.PARTY_RE.fullmatch(
            org[len(CONTRACTOR_ORGANISATION_PREFIX):]):  # fmt: skip
        return None
    vendor = org[len(CONTRACTOR_ORGANISATION_PREFIX):]
    assert may_read_vendor(viewer, vendor)
    return vendor


def waits(view: contract_views.ContractOut, held: bool) -> list[Wait]:
    out = []
    others_done = all(m.status != "open" and m.status != "attesting" for m in view.milestones if m.id != contract_terms.FINAL)
    for m in view.milestones:
        if m.id == contract_terms.FINAL and m.status == "open" and not others_done:
            out.append(Wait(view.id, m, "after_milestones", []))  # final acceptance comes last
        elif m.status in ("open", "attesting"):
            who = [f"{s.role} ({s.organisation})" if s.organisation else s.role for s in m.slots if not s.attested_by]
            out.append(Wait(view.id, m, "attestation", who))
        elif m.status == "accepted":
            out.append(Wait(view.id, m, "payment_held" if held else "payment_pending", []))
    return out


def payments(d: Dashboard, wallet: str) -> list[TransferApplied]:
    """The wallet's committed transfers, newest first (at most PAYMENTS_SHOWN)."""
    journal = d.svc.journal
    if journal.read.account(wallet) is None:
        return []
    out: list[TransferApplied] = []
    after = None
    for _ in range(PAYMENTS_SCAN_MAX // PAGE_MAX):
        page = account_events(journal, wallet, after_seq=after, limit=PAGE_MAX)
        out += [e for e in page.events if isinstance(e, TransferApplied) and e.seq < journal.size
                and transfer_level(e, journal.engine) is not Level.SECRET]  # a secret project's: auditors only
        if page.next_after_seq is None:
            break
        after = page.next_after_seq
    return list(reversed(out))[:PAYMENTS_SHOWN]


async def portal_page(d: Dashboard, reads: ContractReads, request: Request, viewer: Viewer | None) -> Response:
    vendor = None if viewer is None else vendor_of(viewer)
    if vendor is None:
        return d.not_found(request, "portal", viewer, viewer.organisation if viewer else "—")
    engine = d.svc.journal.engine
    views, pending_waits = [], []
    for cid in reversed(reads.index.ids(vendor)[-CONTRACTS_MAX:]):
        state = reads.readable(cid, viewer)  # a secret project's contract: auditors only
        if state is None or state.terms.vendor != vendor:
            continue
        view = contract_views.contract_view(state, engine)
        views.append(view)
        pending_waits += waits(view, state.held)
    totals = Totals(sum(v.total_yen for v in views), sum(v.released_yen for v in views),
                    sum(v.pending_yen for v in views), sum(v.retention_held_yen for v in views),
                    sum(v.penalties_yen for v in views))  # fmt: skip
    wallet = budget_model.vendor_account(vendor)
    account = engine.account(wallet)
    received = 0 if account is None else account.credits_posted - account.debits_posted
    return d.render(request, "portal.html", "portal", viewer, vendor=vendor, wallet=wallet, contracts=views,
                    waits=pending_waits, totals=totals, received=received, payments=payments(d, wallet))  # fmt: skip


async def payment_page(d: Dashboard, request: Request, viewer: Viewer | None) -> Response:
    """One payment to (or from) the viewer's wallet, verified in the page; any other transfer is 404."""
    journal = d.svc.journal
    tid = request.path_params["id"]
    vendor = None if viewer is None else vendor_of(viewer)
    t = journal.engine.transfer(tid) if len(tid) <= TRANSFER_ID_MAX_CHARS and vendor else None
    wallet = budget_model.vendor_account(vendor) if vendor else ""
    if (t is None or t.seq >= journal.size or wallet not in (t.debit_account, t.credit_account)
            or transfer_level(t, journal.engine) is Level.SECRET):  # fmt: skip
        return d.not_found(request, "portal", viewer, tid[:64])  # another party's payment is not there
    [(salt, body)] = journal.openings(t.seq, t.seq + 1)  # what opens its envelope in the public log
    return d.render(request, "portal_payment.html", "portal", viewer, tr=t, amount=int(t.amount),
                    at=jst(int(t.timestamp)), wallet=wallet, opening_salt=salt.hex(),
                    opening_body=base64.b64encode(body).decode())  # fmt: skip


def portal_routes(d: Dashboard) -> list[Route]:
    reads = ContractReads(d.svc, d.gov.passkey_counters)
    return [
        Route(PORTAL_PATH, d.page("portal", partial(portal_page, d, reads)), methods=["GET"]),
        Route(PORTAL_PATH + "/payments/{id}", d.page("portal", partial(payment_page, d)), methods=["GET"]),
    ]
