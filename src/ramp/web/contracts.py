"""The contracts page: the list (filter by status), and one contract with its milestones, who
attested which slot, penalties, retention, releases and every record with its log seq; an
inspector attests an open slot from the page with a fresh TOTP code.

Attesting takes the path of `POST /v1/contracts/{id}/attestations` for a web session: the
session and its CSRF token, a TOTP code not used before (`Sessions.fresh_second_factor`), then
the contracts desk, whose record carries the log key's signature over the statement (`via:
session`). Business time is the journal's clock (`svc.now_ns`); the wall clock only checks the
session and the code. After an attestation the page is fetched again (`?attested=<milestone>`)
and says what the records now say: accepted and paid, accepted with the payment pending, or
attested k of M.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Final
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from ramp.api.approval_routes import SESSION_COOKIE, Governance
from ramp.api.contract_routes import READERS, STATUSES, may_read
from ramp.api.group_commit import Overloaded
from ramp.api.routes import Service
from ramp.auth.sessions import AuthRefused
from ramp.auth.totp import DIGITS
from ramp.budget import model as M
from ramp.budget.rules import Refused
from ramp.budget.service import check_results
from ramp.contracts import state as S
from ramp.contracts import terms as T
from ramp.contracts import views as V
from ramp.contracts.desk import ContractDesk
from ramp.contracts.errors import ContractRefused
from ramp.contracts.index import ContractIndex
from ramp.contracts.requests import AttestRequest
from ramp.policy.identities import Identity
from ramp.store.base import StoreError
from ramp.web.access import SIGN_IN_PATH, Viewer
from ramp.web.forms import CSRF_FIELD, FormError, read_form
from ramp.web.i18n import lang_of

if TYPE_CHECKING:
    from ramp.web.app import Dashboard

CONTRACTS_PATH: Final = "/contracts"
CONTRACT_ROLES: Final = READERS  # as GET /v1/contracts: budget readers, inspectors, contractors
SCAN_MAX: Final = 1000  # newest contracts read per list view: the index grows with the log, a page must not
LIST_SHOWN: Final = 200
KEY_MAX_CHARS: Final = 64  # a milestone or slot name in a form (Q.Key is shorter; longer is not one)
YEARS_MAX: Final = 11  # a designated contract's payments span up to ten years after signing
# Refusals a person is told in words (label `contracts.error.<code>`); any other shows its code.
KNOWN_ERRORS: Final = frozenset({
    "wrong_role", "already_attested", "slot_attested", "milestone_accepted", "milestones_outstanding",
    "contract_expired", "contract_completed", "milestone_not_found", "slot_not_found", "identity_unknown",
    "code_invalid", "code_refused", "no_web_login", "session_signing_unavailable", "unavailable",
})  # fmt: skip


@dataclass(frozen=True, slots=True)
class OpenSlot:
    """A slot the viewer may attest now: the form the page shows."""

    milestone: str
    slot: str
    claim: str

    @property
    def dom_id(self) -> str:
        return f"{self.milestone}-{self.slot}"


@dataclass(frozen=True, slots=True)
class EventLine:
    event: V.EventOut
    transfers: list[str]  # the committed ledger transfers its batch applied under its record


@dataclass(frozen=True, slots=True)
class Outcome:
    """What the viewer's attestation of a milestone came to (label `contracts.done.<what>`)."""

    what: str  # paid | retention_paid | pending_held | pending_year | counted
    milestone: V.MilestoneOut
    attested: int


def open_slots(state: S.ContractState, identity: Identity | None) -> list[OpenSlot]:
    """The slots `identity` may fill now, as the desk would let it (the desk decides again)."""
    if identity is None or state.expired or state.status == "completed":
        return []
    out = []
    all_accepted = all(m.accepted for m in state.real_milestones)
    for m in state.milestones.values():
        if m.rule is None or m.accepted or m.cancelled or (m.id == T.FINAL and not all_accepted):
            continue
        if any(a.identity == identity.id for a in m.attestations):
            continue  # one person fills one slot of a milestone
        filled = m.slots_filled()
        out += [OpenSlot(m.id, s.name, s.claim) for s in m.rule.slots if s.name not in filled and s.admits(identity)]
    return out


def outcome(view: V.ContractOut, state: S.ContractState, milestone: str, viewer_id: str) -> Outcome | None:
    m = next((x for x in view.milestones if x.id == milestone), None)
    if m is None or not any(s.attested_by == viewer_id for s in m.slots):
        return None
    attested = sum(1 for s in m.slots if s.attested_by)
    if m.status == "released":
        return Outcome("retention_paid" if m.id == T.FINAL else "paid", m, attested)
    if m.status == "accepted":
        return Outcome("pending_held" if state.held else "pending_year", m, attested)
    return Outcome("counted", m, attested)


def duration(ns: int | None, lang: str) -> str:
    """Acceptance to payment, for a person: 0 when paid in the accepting batch."""
    if ns is None:
        return "—"
    s = ns // 1_000_000_000
    if s < 60:
        return f"{ns // 1_000_000} ms" if s == 0 else f"{s} s"
    days, rest = divmod(s, 86_400)
    hours, minutes = rest // 3600, rest % 3600 // 60
    if lang == "ja":
        return (f"{days}日" if days else "") + f"{hours}時間{minutes}分"
    return (f"{days} d " if days else "") + f"{hours} h {minutes} min"


def contracts_routes(d: Dashboard, svc: Service, gov: Governance) -> list[Route]:
    journal = svc.journal
    index = journal.projection(ContractIndex)
    committed = V.committed_lookup(journal.engine, lambda: journal.size)
    log = journal.log
    desk = ContractDesk(svc.identities, session_signer=None if log is None else log.signer.sign)

    def readable(cid: str, viewer: Viewer | None) -> S.ContractState | None:
        if viewer is None or not M.PARTY_RE.fullmatch(cid):
            return None
        state = S.load(committed, cid)
        return state if state is not None and may_read(viewer, state.terms.vendor) else None

    def transfers_of(ev: V.EventOut, state: S.ContractState) -> list[str]:
        rid = S.record_id(state.id, ev.n)
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

    async def list_page(request: Request, viewer: Viewer | None) -> Response:
        status = request.query_params.get("status", "")
        status = status if status in STATUSES else ""
        rows: list[V.ContractSummary] = []
        for cid in reversed(index.ids()[-SCAN_MAX:]):
            state = S.load(committed, cid)
            if state is None or viewer is None or not may_read(viewer, state.terms.vendor):
                continue
            if not status or state.status == status:
                rows.append(V.summary(state))
            if len(rows) >= LIST_SHOWN:
                break
        return d.render(request, "contracts.html", "contracts", viewer, rows=rows, status_filter=status, statuses=STATUSES)

    def detail(request: Request, viewer: Viewer | None, cid: str, status: int = 200, *, error: str = "",
               error_code: str = "") -> Response:  # fmt: skip
        state = readable(cid, viewer)
        if state is None or viewer is None:
            return d.not_found(request, "contracts", viewer, cid[:64])  # a contractor sees its own only
        view = V.contract_view(state, journal.engine)
        lang = lang_of(request)
        identity = svc.identities.get(viewer.id)
        can_attest = gov.sessions is not None and bool(viewer.csrf) and log is not None
        slots = open_slots(state, identity) if can_attest else []
        done = None
        if not error:
            done = outcome(view, state, request.query_params.get("attested", "")[:KEY_MAX_CHARS], viewer.id)
        vendor_states = [s for s in (S.load(committed, c) for c in index.ids(state.terms.vendor)[-SCAN_MAX:]) if s]
        vendor = V.vendor_view(state.terms.vendor, vendor_states, journal.engine)
        events = [EventLine(e, transfers_of(e, state)) for e in view.events]
        return d.render(request, "contract.html", "contracts", viewer, status, c=view, vendor=vendor, slots=slots,
                        can_attest=can_attest, done=done, error=error, error_code=error_code, events=events,
                        may_ledger=d.pages.may_open(d.pages.get("ledger"), viewer),
                        may_budget=d.pages.may_open(d.pages.get("budget"), viewer),
                        latency=lambda ns: duration(ns, lang), held=state.held)  # fmt: skip

    async def contract_page(request: Request, viewer: Viewer | None) -> Response:
        return detail(request, viewer, request.path_params["id"])

    async def attest(request: Request) -> Response:
        """Not behind `d.page`: a visitor without a session goes to sign-in and back to the
        contract (a GET), never back to this POST. Nothing is written on any refusal."""
        cid = request.path_params["id"]
        back = f"{CONTRACTS_PATH}/{quote(cid, safe='')}" if M.PARTY_RE.fullmatch(cid) else CONTRACTS_PATH
        viewer = d.access.viewer(request)

        def refused(status: int, code: str) -> Response:
            key = f"contracts.error.{code if code in KNOWN_ERRORS else 'other'}"
            return detail(request, viewer, cid, status, error=key, error_code=code)

        try:
            fields = await read_form(request)
        except FormError as exc:
            return detail(request, viewer, cid, exc.status, error=exc.key)
        if gov.sessions is None:
            return refused(403, "no_web_login")
        try:
            session = gov.sessions.session(request.cookies.get(SESSION_COOKIE), fields.get(CSRF_FIELD),
                                           state_changing=True)  # fmt: skip
        except AuthRefused as exc:
            if exc.code == "no_session":
                return RedirectResponse(f"{SIGN_IN_PATH}?next={quote(back)}", 303)
            return detail(request, viewer, cid, exc.status, error="form.expired")
        if readable(cid, viewer) is None:
            return detail(request, viewer, cid)  # not found, or not this contractor's: the same 404
        milestone, slot = fields.get("milestone", "")[:KEY_MAX_CHARS], fields.get("slot", "")[:KEY_MAX_CHARS]
        code = "".join(fields.get("totp", "").split())
        if len(code) != DIGITS or not (code.isascii() and code.isdigit()):
            return refused(400, "code_invalid")
        try:
            gov.sessions.fresh_second_factor(session, code)
        except AuthRefused:
            return refused(403, "code_refused")
        planner = desk.attest(cid, AttestRequest(milestone, slot), session.identity, svc.now_ns(), signature=None,
                              second_factor="totp")  # fmt: skip
        try:
            check_results(await svc.committer.submit_planned(planner))
        except ContractRefused as exc:
            return refused(exc.status, exc.code)
        except Refused as exc:  # the ledger's last line of defence (a frozen wallet, say)
            return refused(409, exc.code)
        except (Overloaded, StoreError):
            return refused(503, "unavailable")
        return RedirectResponse(f"{back}?attested={quote(milestone, safe='')}#ms-{quote(milestone, safe='')}", 303)

    return [
        Route(CONTRACTS_PATH, d.page("contracts", list_page), methods=["GET"]),
        Route(CONTRACTS_PATH + "/{id}", d.page("contracts", contract_page), methods=["GET"]),
        Route(CONTRACTS_PATH + "/{id}/attest", attest, methods=["POST"]),
    ]
