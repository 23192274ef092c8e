"""The approvals inbox: the requests waiting for the signed-in person's decision, then the rest,
each with what it would change and how far its quorum is; approve or reject with a registered
passkey (static/passkeys.js has the authenticator sign the decision's statement and fills the
form in: the decision is the person's own signature, checked offline by `ramp verify`; the
service signs for no one). A signed-in person registers passkeys here, giving a fresh TOTP code.

A decision takes the path of `POST /v1/approvals/{id}/approve` for a web session: the session
and its CSRF token, the passkey's assertion, then the desk's planner, so the policy, the quorum and the log record are the API's own. After a
decision the page is fetched again (`?decided=<id>`) and says what the request's records now
say: executed, counted, not counted, or rejected.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from functools import partial
from typing import Any, Final
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from ramp.approvals import model as approval_model
from ramp.approvals.model import REQUEST_ID_RE
from ramp.approvals.quorum import Decision, counted
from ramp.approvals.state import RequestState, load
from ramp.auth import passkeys
from ramp.policy.identities import Identity
from ramp.refusal import Kind, Refused
from ramp.service.access import ANYONE, may_read_request, request_resource
from ramp.service.core import Service
from ramp.service.governance import Governance
from ramp.service.refusals import retry_headers, status_of
from ramp.web import forms
from ramp.web.access import Viewer
from ramp.web.change_order import Change, changes
from ramp.web.dashboard import Dashboard
from ramp.web.i18n import label_or, lang_of

INBOX_PATH: Final = "/approvals"
INBOX_ROLES: Final = ANYONE  # like GET /v1/approvals: anyone signed in; the policy decides
SCAN_MAX: Final = 1000  # newest requests read per view: the index grows with the log, a page must not
OTHERS_SHOWN: Final = 50  # the rest, newest first
DECISIONS: Final = ("approve", "reject")
# Refusals a person is told in words (label `inbox.error.<code>`); any other shows its code.
KNOWN_ERRORS: Final = frozenset({
    "already_decided", "self_approval", "not_an_approver", "request_expired", "request_executed",
    "request_rejected", "request_not_found", "identity_unknown", "decisions_exhausted", "decision_invalid",
    "no_web_login", "unavailable", "locked_out", "passkey_invalid", "passkey_unknown", "passkey_required",
    "passkey_cloned",
})  # fmt: skip


@dataclass(frozen=True, slots=True)
class Field:
    """One line of what a request changes: a label key (or a raw field name) and its value."""

    key: str
    value: str
    yen: int | None = None  # an amount, formatted for the reader
    href: str = ""


@dataclass(frozen=True, slots=True)
class Item:
    state: RequestState
    status: str  # open | executed | rejected | expired
    fields: list[Field]
    counted_by: frozenset[str]  # the approvers whose approvals count
    needed: int
    required: list[tuple[str, bool]]  # required organisation, among the counted approvals yet
    mine: str  # my decision on it ("" if none)
    transfer: str  # the ledger transfer its execution applied, if there is one to link
    change_order: list[Change] | None = None  # a change order's rows, before and after

    @property
    def body(self) -> dict[str, Any]:
        return self.state.body

    @property
    def counted(self) -> int:
        return len(self.counted_by)

    @property
    def dom_id(self) -> str:
        return f"req-{self.state.id}"


def fields_of(action: dict[str, Any], may_read_budget: bool) -> list[Field]:
    """The action's parameters as lines: an operation (budget, contract) by its own fields, other
    actions by theirs; paths linked to the budget tree for readers, amounts as yen."""
    operation = action.get("operation")
    params = dict(operation) if isinstance(operation, dict) else dict(action)
    out = [Field("request.action", str(params.pop("op", params.pop("type", ""))))]
    fy = params.get("fiscal_year")
    for key, value in params.items():
        if key in ("approvals", "public_key", "cedar", "rules") or value in ("", [], {}, None):
            continue  # set by the execution, or too long to read here (the API shows them)
        if key == "amount_yen" and type(value) is int:
            out.append(Field("amount", "", yen=value))
            continue
        if isinstance(value, dict) or (isinstance(value, list) and any(isinstance(v, dict | list) for v in value)):
            text = json.dumps(value, ensure_ascii=False, separators=(", ", ": "))  # e.g. a change order's milestones
        else:
            text = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
        href = ""
        if may_read_budget and key in ("source", "target", "node") and type(fy) is int:
            href = f"/budget/node?fy={fy}&path={quote(text, safe='')}"
        elif may_read_budget and key == "account":
            href = f"/ledger/account/{quote(text, safe='')}"
        out.append(Field(f"request.{key}", text, href=href))
    return out


class Inbox:
    """The inbox's reads: committed request records only (a planner's state is not yet the log)."""

    def __init__(self, svc: Service, gov: Governance) -> None:
        self.svc, self.gov = svc, gov

    def now_ns(self) -> int:
        return self.svc.now_ns()  # business time, as the desk and the API see expiry

    def load(self, request_id: str) -> RequestState | None:
        return load(self.svc.committed_record, request_id) if REQUEST_ID_RE.fullmatch(request_id) else None

    def _valid(self, d: Decision) -> bool:
        """An approval counts while its approver exists and its key is not revoked (the desk's rule)."""
        identity = self.svc.identities.get(d.approver)
        return identity is not None and (not d.key or base64.b64decode(d.key) not in identity.revoked_keys)

    def item(self, state: RequestState, viewer: Viewer | None, may_read_budget: bool) -> Item:
        rule = state.rule
        approvals = counted(rule, state.requester, state.decisions, self._valid)
        orgs = {d.organisation for d in approvals}
        mine = next((d.decision for d in state.decisions if viewer is not None and d.approver == viewer.id), "")
        transfer = ""
        action = state.body["action"]
        if state.execution is not None and isinstance(action, dict) and action.get("type") == "budget":
            op_id = str(action["operation"].get("id", ""))
            t = self.svc.journal.engine.transfer(op_id) if op_id else None
            transfer = op_id if t is not None and t.seq < self.svc.journal.size else ""
        operation = action.get("operation") if isinstance(action, dict) else None
        rows = changes(self.svc.committed_record, operation, state.id) if isinstance(operation, dict) else None
        fields = fields_of(action, may_read_budget)  # type: ignore[arg-type]
        if rows is not None:  # the milestones and expiry are the before/after table
            fields = [f for f in fields if f.key not in ("request.milestones", "request.expires")]
        return Item(state, state.status(self.now_ns()), fields,
                    frozenset(d.approver for d in approvals), rule.approvals, [(o, o in orgs) for o in rule.required_organisations], mine,
                    transfer, rows)  # fmt: skip

    def waits_for(self, state: RequestState, identity: Identity | None) -> bool:
        """Open, not mine, not decided by me, and the policy lets me approve it."""
        if identity is None or state.status(self.now_ns()) != "open" or state.requester == identity.id:
            return False
        if any(d.approver == identity.id for d in state.decisions):
            return False
        requester = self.svc.identities.get(state.requester)
        if requester is None:  # pragma: no cover - identities are never removed
            return False
        return self.gov.policy.current.allows(identity, "approve", request_resource(state, requester))

    def readable(self, state: RequestState, viewer: Viewer | None) -> bool:
        """The policy's read rule (`ramp.service.access.may_read_request`), as GET /v1/approvals."""
        if viewer is None:
            return False
        reader = self.svc.identities.get(viewer.id) or viewer  # open demo access: a viewer of no identity
        return may_read_request(reader, state, self.svc.identities.get(state.requester), self.gov.policy.current)

    def lists(self, viewer: Viewer | None, may_read_budget: bool) -> tuple[list[Item], list[Item]]:
        """(waiting for the viewer, the rest), newest first."""
        identity = None if viewer is None else self.svc.identities.get(viewer.id)
        waiting, others = [], []
        for rid in reversed(self.gov.index.ids()[-SCAN_MAX:]):
            state = load(self.svc.committed_record, rid)
            if state is None or not self.readable(state, viewer):
                continue  # another party's request is not there at all
            if self.waits_for(state, identity):
                waiting.append(self.item(state, viewer, may_read_budget))
            elif len(others) < OTHERS_SHOWN:
                others.append(self.item(state, viewer, may_read_budget))
        return waiting, others


def outcome(item: Item, viewer_id: str) -> str:
    """What the viewer's decision came to, from the records (label `inbox.done.<outcome>`)."""
    if item.mine == "reject":
        return "rejected"
    if item.state.execution is not None:
        return "executed"
    if viewer_id not in item.counted_by:
        return "not_counted"  # e.g. someone of the same organisation counted first
    if item.needed <= item.counted and all(ok for _, ok in item.required):
        return "not_executed"  # the quorum is met, but the action could not run at that moment
    return "counted"


async def inbox_page(d: Dashboard, inbox: Inbox, request: Request, viewer: Viewer | None) -> Response:
    return _inbox(d, inbox, request, viewer)


async def decide(d: Dashboard, inbox: Inbox, request: Request) -> Response:
    """Not behind `d.page`: a visitor without a session goes to sign-in and back to the inbox
    (a GET), never back to this POST. Nothing is written on any refusal."""
    rid = request.path_params["id"]
    viewer = d.access.viewer(request)
    try:
        form = await forms.signed_in_form(request, d.gov.sessions)
        if form is None:
            return forms.sign_in_then(INBOX_PATH)
        decision = form.fields.get("decision", "")
        if decision not in DECISIONS:
            raise Refused(Kind.INVALID, "decision_invalid", f"a decision is one of {', '.join(DECISIONS)}")
        if not REQUEST_ID_RE.fullmatch(rid):
            raise Refused(Kind.NOT_FOUND, "request_not_found", f"no request {rid[:64]!r}")
        assertion = forms.passkey_assertion(form, "a decision")
        await forms.submit_signed(form, d.svc, d.gov.desk.decide(form.session.identity, rid, decision, passkey=assertion))
    except forms.FormError as exc:
        return _inbox(d, inbox, request, viewer, exc.status, error=exc.key, error_id=rid)
    except Refused as exc:
        error = forms.refusal_label("inbox", KNOWN_ERRORS, exc.code)
        response = _inbox(d, inbox, request, viewer, status_of(exc), error=error, error_code=exc.code, error_id=rid)
        response.headers.update(retry_headers(exc))
        return response
    return RedirectResponse(f"{INBOX_PATH}?decided={quote(rid)}#req-{quote(rid)}", 303)


def inbox_routes(d: Dashboard) -> list[Route]:
    inbox = Inbox(d.svc, d.gov)
    return [
        Route(INBOX_PATH, d.page("approvals", partial(inbox_page, d, inbox)), methods=["GET"]),
        Route(INBOX_PATH + "/{id}/decide", partial(decide, d, inbox), methods=["POST"]),
    ]


def _inbox(d: Dashboard, inbox: Inbox, request: Request, viewer: Viewer | None, status: int = 200, *,
           error: str = "", error_code: str = "", error_id: str = "") -> Response:  # fmt: skip
    """The inbox; `error` a label key said at the top and beside request `error_id`'s form."""
    may_read = d.may_open("budget", viewer)
    waiting, others = inbox.lists(viewer, may_read)
    done = None
    if viewer is not None and not error:
        state = inbox.load(request.query_params.get("decided", ""))
        if state is not None and inbox.readable(state, viewer):
            item = inbox.item(state, viewer, may_read)
            done = (item, outcome(item, viewer.id)) if item.mine else None
    can_decide = d.gov.sessions is not None and bool(viewer and viewer.csrf)
    lang = lang_of(request)

    def challenge(item: Item, decision: str) -> str:
        """What a passkey signs to approve or reject `item` as the viewer (checked again by the desk)."""
        assert viewer is not None
        text = approval_model.statement(decision, item.state.id, item.state.digest, viewer.id)
        return passkeys.b64url(passkeys.approval_challenge(text))

    return d.render(request, "inbox.html", "approvals", viewer, status, waiting=waiting, others=others,
                    done=done, error=error, error_code=error_code, error_id=error_id, can_decide=can_decide,
                    may_read=may_read, t_or=lambda key, raw: label_or(lang, key, raw),
                    kind_name=lambda kind: label_or(lang, f"request_kind.{kind}", kind),
                    signing=forms.passkey_context(d.svc, viewer, request) if can_decide else None,
                    passkey_challenge=challenge,
                    passkey_added=request.query_params.get("passkey") == "added")  # fmt: skip
