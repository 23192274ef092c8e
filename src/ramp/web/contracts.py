"""The contracts page: the list (filter by status), and one contract with its milestones, who
attested which slot, penalties, retention, releases and every record with its log seq; an
inspector attests an open slot from the page with a passkey they registered.

Attesting takes the path of `POST /v1/contracts/{id}/attestations` for a web session: the
session and its CSRF token, the inspector's passkey asserting over the attestation statement
(static/passkeys.js asks the authenticator), then the contracts desk, whose record carries that
assertion (`via: passkey`): the inspector's own signature, which `ramp verify` checks offline.
Business time is the journal's clock (`svc.now_ns`); the wall clock only checks the session. After an attestation the page is fetched again (`?attested=<milestone>`)
and says what the records now say: accepted and paid, accepted with the payment pending, or
attested k of M.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Final
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from ramp.auth import passkeys
from ramp.auth.passkeys import PasskeyCounters
from ramp.budget import model as budget_model
from ramp.contracts import state as contract_state
from ramp.contracts import terms as contract_terms
from ramp.contracts import views as contract_views
from ramp.contracts.desk import ContractDesk, statement
from ramp.contracts.index import ContractIndex
from ramp.contracts.requests import AttestRequest
from ramp.policy.identities import Identity
from ramp.refusal import Refused
from ramp.service.access import (
    CONTRACT_READERS,
    CONTRACT_STATUSES,
    CONTRACTOR_ORGANISATION_PREFIX,
    is_contractor,
    may_read_contract,
)
from ramp.service.core import Service
from ramp.service.refusals import retry_headers, status_of
from ramp.web import forms
from ramp.web.access import Viewer
from ramp.web.dashboard import Dashboard
from ramp.web.i18n import lang_of

CONTRACTS_PATH: Final = "/contracts"
CONTRACT_ROLES: Final = CONTRACT_READERS  # as GET /v1/contracts: budget readers, inspectors, contractors
SCAN_MAX: Final = 1000  # newest contracts read per list view: the index grows with the log, a page must not
LIST_SHOWN: Final = 200
KEY_MAX_CHARS: Final = 64  # a milestone or slot name in a form (Q.Key is shorter; longer is not one)
YEARS_MAX: Final = 11  # a designated contract's payments span up to ten years after signing
# Refusals a person is told in words (label `contracts.error.<code>`); any other shows its code.
KNOWN_ERRORS: Final = frozenset({
    "wrong_role", "already_attested", "slot_attested", "milestone_accepted", "milestones_outstanding",
    "contract_expired", "contract_completed", "milestone_not_found", "slot_not_found", "identity_unknown",
    "no_web_login", "unavailable", "locked_out", "passkey_required", "passkey_invalid", "passkey_unknown",
    "passkey_cloned",
})  # fmt: skip


@dataclass(frozen=True, slots=True)
class OpenSlot:
    """A slot the viewer may attest now: the form the page shows."""

    milestone: str
    slot: str
    claim: str
    challenge: str  # what the viewer's passkey signs to attest it (base64url; the desk checks it again)

    @property
    def dom_id(self) -> str:
        return f"{self.milestone}-{self.slot}"


@dataclass(frozen=True, slots=True)
class EventLine:
    event: contract_views.EventOut
    transfers: list[str]  # the committed ledger transfers its batch applied under its record


@dataclass(frozen=True, slots=True)
class Outcome:
    """What the viewer's attestation of a milestone came to (label `contracts.done.<what>`)."""

    what: str  # paid | retention_paid | pending_held | pending_year | counted
    milestone: contract_views.MilestoneOut
    attested: int


def open_slots(state: contract_state.ContractState, identity: Identity | None) -> list[OpenSlot]:
    """The slots `identity` may fill now, as the desk would let it (the desk decides again)."""
    if identity is None or state.expired or state.status == "completed":
        return []
    out = []
    all_accepted = all(m.accepted for m in state.real_milestones)
    for m in state.milestones.values():
        if m.rule is None or m.accepted or m.cancelled or (m.id == contract_terms.FINAL and not all_accepted):
            continue
        if any(a.identity == identity.id for a in m.attestations):
            continue  # one person fills one slot of a milestone
        filled = m.slots_filled()
        out += [OpenSlot(m.id, s.name, s.claim, _challenge(state, m.id, s.name, identity.id))
                for s in m.rule.slots if s.name not in filled and s.admits(identity)]  # fmt: skip
    return out


def _challenge(state: contract_state.ContractState, milestone: str, slot: str, identity: str) -> str:
    text = statement(state.id, milestone, slot, state.digest, identity)
    return passkeys.b64url(passkeys.approval_challenge(text))


def outcome(view: contract_views.ContractOut, state: contract_state.ContractState, milestone: str, viewer_id: str) -> Outcome | None:
    m = next((x for x in view.milestones if x.id == milestone), None)
    if m is None or not any(s.attested_by == viewer_id for s in m.slots):
        return None
    attested = sum(1 for s in m.slots if s.attested_by)
    if m.status == "released":
        return Outcome("retention_paid" if m.id == contract_terms.FINAL else "paid", m, attested)
    if m.status == "accepted":
        return Outcome("pending_held" if state.held else "pending_year", m, attested)
    return Outcome("counted", m, attested)


def duration(ns: int | None, lang: str) -> str:
    """Acceptance to payment, in the units a person reads: "at once" when paid in the accepting
    batch (under a second), then seconds, minutes, hours and minutes, days and hours (cut, not
    rounded: "2 days 3 h" is at least that)."""
    if ns is None:
        return "—"
    ja = lang == "ja"
    s = ns // 1_000_000_000
    if s < 1:
        return "即時" if ja else "at once"
    if s < 60:
        return f"{s}秒" if ja else f"{s} s"
    days, rest = divmod(s, 86_400)
    hours, minutes = rest // 3600, rest % 3600 // 60
    if days:
        return f"{days}日{hours}時間" if ja else f"{days} day{'s' if days != 1 else ''} {hours} h"
    if hours:
        return f"{hours}時間{minutes}分" if ja else f"{hours} h {minutes} min"
    return f"{minutes}分" if ja else f"{minutes} min"


class ContractReads:
    """The contracts page's reads: committed records only, and the desk an attestation goes to."""

    def __init__(self, svc: Service, counters: PasskeyCounters) -> None:
        journal = svc.journal
        self.svc = svc
        self.index = journal.projection(ContractIndex)
        self.desk = ContractDesk(svc.identities, counters)

    def load(self, cid: str) -> contract_state.ContractState | None:
        return contract_state.load(self.svc.committed_record, cid)

    def readable(self, cid: str, viewer: Viewer | None) -> contract_state.ContractState | None:
        """The contract if the viewer may read it (a contractor its own vendor's only)."""
        if viewer is None or not budget_model.PARTY_RE.fullmatch(cid):
            return None
        state = self.load(cid)
        if state is None or not may_read_contract(viewer, state.id, state.terms.vendor, self.svc.journal.engine):
            return None
        return state

    def transfers_of(self, ev: contract_views.EventOut, state: contract_state.ContractState) -> list[str]:
        """The committed ledger transfers the event's batch applied under its record."""
        journal = self.svc.journal
        rid = contract_state.record_id(state.id, ev.n)
        candidates = [f"{rid}.{s}" for s in ("pay", "pen", "ob", "deob")]
        candidates += [f"{rid}.{s}{k}" for s in ("ret", "deob") for k in range(YEARS_MAX)]
        if ev.n == 1:
            candidates.insert(0, str(state.records[0].body.get("operation", "")))  # the signing's obligation
        out = []
        for tid in candidates:
            t = journal.engine.transfer(tid) if tid else None
            if t is not None and t.seq < journal.size:
                out.append(tid)
        return out


async def list_page(d: Dashboard, reads: ContractReads, request: Request, viewer: Viewer | None) -> Response:
    status = request.query_params.get("status", "")
    status = status if status in CONTRACT_STATUSES else ""
    rows: list[contract_views.ContractSummary] = []
    vendor = _own_vendor(viewer)  # a contractor's list is its vendor's, however old (the index by vendor)
    for cid in reversed(reads.index.ids(vendor)[-SCAN_MAX:]):
        state = reads.load(cid)
        if state is None or viewer is None or not may_read_contract(viewer, state.id, state.terms.vendor,
                                                                      reads.svc.journal.engine):  # fmt: skip
            continue
        if not status or state.status == status:
            rows.append(contract_views.summary(state))
        if len(rows) >= LIST_SHOWN:
            break
    return d.render(request, "contracts.html", "contracts", viewer, rows=rows, status_filter=status,
                    statuses=CONTRACT_STATUSES)  # fmt: skip


async def contract_page(d: Dashboard, reads: ContractReads, request: Request, viewer: Viewer | None) -> Response:
    return _detail(d, reads, request, viewer, request.path_params["id"])


async def attest(d: Dashboard, reads: ContractReads, request: Request) -> Response:
    """Not behind `d.page`: a visitor without a session goes to sign-in and back to the contract
    (a GET), never back to this POST. Nothing is written on any refusal."""
    cid = request.path_params["id"]
    back = f"{CONTRACTS_PATH}/{quote(cid, safe='')}" if budget_model.PARTY_RE.fullmatch(cid) else CONTRACTS_PATH
    viewer = d.access.viewer(request)
    try:
        form = await forms.signed_in_form(request, d.gov.sessions)
        if form is None:
            return forms.sign_in_then(back)
        if reads.readable(cid, viewer) is None:
            return _detail(d, reads, request, viewer, cid)  # not found, or not this contractor's: the same 404
        milestone = form.fields.get("milestone", "")[:KEY_MAX_CHARS]
        slot = form.fields.get("slot", "")[:KEY_MAX_CHARS]
        assertion = forms.passkey_assertion(form, "an attestation")
        planner = reads.desk.attest(cid, AttestRequest(milestone, slot), form.session.identity, d.svc.now_ns(),
                                    passkey=assertion)  # fmt: skip
        await forms.submit_signed(form, d.svc, planner, checked=True)  # the ledger's last line of defence (a frozen wallet, say)
    except forms.FormError as exc:
        return _detail(d, reads, request, viewer, cid, exc.status, error=exc.key)
    except Refused as exc:
        error = forms.refusal_label("contracts", KNOWN_ERRORS, exc.code)
        response = _detail(d, reads, request, viewer, cid, status_of(exc), error=error, error_code=exc.code)
        response.headers.update(retry_headers(exc))
        return response
    return RedirectResponse(f"{back}?attested={quote(milestone, safe='')}#ms-{quote(milestone, safe='')}", 303)


def _own_vendor(viewer: Viewer | None) -> str | None:
    """The vendor whose contracts alone a contractor reads; None for the government's readers."""
    if viewer is None or not is_contractor(viewer):
        return None
    return viewer.organisation.removeprefix(CONTRACTOR_ORGANISATION_PREFIX)


def contracts_routes(d: Dashboard) -> list[Route]:
    reads = ContractReads(d.svc, d.gov.passkey_counters)
    return [
        Route(CONTRACTS_PATH, d.page("contracts", partial(list_page, d, reads)), methods=["GET"]),
        Route(CONTRACTS_PATH + "/{id}", d.page("contracts", partial(contract_page, d, reads)), methods=["GET"]),
        Route(CONTRACTS_PATH + "/{id}/attest", partial(attest, d, reads), methods=["POST"]),
    ]


def _detail(d: Dashboard, reads: ContractReads, request: Request, viewer: Viewer | None, cid: str,
            status: int = 200, *, error: str = "", error_code: str = "") -> Response:  # fmt: skip
    """One contract; `error` a label key said beside the attestation forms."""
    state = reads.readable(cid, viewer)
    if state is None or viewer is None:
        return d.not_found(request, "contracts", viewer, cid[:64])  # a contractor sees its own only
    engine = d.svc.journal.engine
    view = contract_views.contract_view(state, engine)
    lang = lang_of(request)
    can_attest = d.gov.sessions is not None and bool(viewer.csrf) and d.svc.journal.log is not None
    slots = open_slots(state, d.svc.identities.get(viewer.id)) if can_attest else []
    done = None
    if not error:
        done = outcome(view, state, request.query_params.get("attested", "")[:KEY_MAX_CHARS], viewer.id)
    vendor_ids = reads.index.ids(state.terms.vendor)[-SCAN_MAX:]
    vendor_states = [s for s in (reads.load(c) for c in vendor_ids) if s]
    vendor = contract_views.vendor_view(state.terms.vendor, vendor_states, engine)
    events = [EventLine(e, reads.transfers_of(e, state)) for e in view.events]
    return d.render(request, "contract.html", "contracts", viewer, status, c=view, vendor=vendor, slots=slots,
                    signing=forms.passkey_context(d.svc, viewer, request) if can_attest else None,
                    can_attest=can_attest, done=done, error=error, error_code=error_code, events=events,
                    may_ledger=d.may_open("ledger", viewer), may_budget=d.may_open("budget", viewer),
                    latency=lambda ns: duration(ns, lang), held=state.held)  # fmt: skip
