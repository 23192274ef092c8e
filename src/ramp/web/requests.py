"""Requests from the dashboard: a form for each kind of approval request a person files (流用,
移用, carry-over, reserve release, freeze, unfreeze, contract hold and release, change order),
every request's own page (`/requests/{id}`: what it changes, where it stands, its history with
the log seq of each record) and the signed-in person's own requests (`/requests`).

Filing takes the path of `POST /v1/approvals` for a web session: the session and its CSRF token,
the form's fields decoded into the same msgspec action types (`ramp.approvals.actions.Action`),
then `Desk.create`, so the policy (who may file what), the budget's law and the record are the
API's own. A refusal is said in words and writes nothing.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any, Final
from urllib.parse import quote

import msgspec
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from ramp.approvals.actions import Action
from ramp.approvals.desk import Plan
from ramp.approvals.model import MEMO_MAX_CHARS, REQUEST_ID_RE
from ramp.ledger import AppendRecord, Command, LedgerEngine
from ramp.policy.engine import Resource
from ramp.refusal import Kind, Refused
from ramp.service.access import ANYONE
from ramp.service.refusals import retry_headers, status_of
from ramp.text import is_digits
from ramp.web import forms
from ramp.web.access import Viewer
from ramp.web.dashboard import Dashboard
from ramp.web.i18n import label_or, lang_of
from ramp.web.inbox import SCAN_MAX, Inbox, Item

REQUESTS_PATH: Final = "/requests"
REQUESTS_ROLES: Final = ANYONE  # like POST /v1/approvals: anyone signed in; the policy decides who files what
FORM_BODY_MAX_BYTES: Final = 8192  # a memo of 512 Japanese characters is 4,608 bytes url-encoded
FORM_FIELDS_MAX: Final = 12  # the change order's 9 fields and the form's own (csrf, id)
VALUE_MAX_CHARS: Final = 512  # any one field; the action types bound each more tightly
MINE_SHOWN: Final = 100  # my newest requests listed
PREFILL_MAX_CHARS: Final = 104  # a budget path, the longest value a link fills in
# Refusals a person is told in words (label `requests.error.<code>`); any other: its code and message.
KNOWN_ERRORS: Final = frozenset({
    "field_invalid", "field_unknown", "kind_mismatch", "request_id_invalid", "memo_invalid", "request_exists",
    "not_permitted", "identity_unknown", "no_web_login", "unavailable", "exceeds_available", "node_not_found",
    "same_node", "iyo_not_authorised", "fiscal_year_closed", "fiscal_year_unknown", "fiscal_year_not_found",
    "carryover_not_designated", "accident_carryover_requires_obligation", "approval_not_needed",
    "operation_exists", "account_not_found", "account_already_frozen", "account_not_frozen", "contract_not_found",
    "contract_held", "contract_not_held", "contract_completed", "contract_expired", "milestone_not_found",
    "milestone_accepted", "change_order_empty", "change_order_invalid", "reserve_not_enacted",
    "exceeds_tolerance", "path_invalid",
})  # fmt: skip
_MSGSPEC_MISSING: Final = re.compile(r"missing required field `([a-z_]+)`")
_MSGSPEC_AT: Final = re.compile(r"at `\$([^`]*)`")


@dataclass(frozen=True, slots=True)
class Field:
    """One input of a form: its name (also its label `requests.field.<name>`) and how it is typed."""

    name: str
    kind: str = "text"  # text | yen | year | date | select | textarea
    required: bool = True
    options: tuple[str, ...] = ()  # a select's values (labels `requests.option.<value>`)


@dataclass(frozen=True, slots=True)
class RequestForm:
    """A kind of request the dashboard files: its fields and the action they make."""

    key: str  # the path segment and the label `request_kind.<key>`
    kinds: tuple[str, ...]  # the request kinds the desk may plan from it (the budget decides 流用 or 移用)
    fields: tuple[Field, ...]
    action: Callable[[dict[str, Any], str], dict[str, Any]]  # (values, request id) -> the action as JSON


def _transfer(values: dict[str, Any], rid: str) -> dict[str, Any]:
    return {"type": "budget", "operation": {"op": "transfer", "id": rid, **values}}


def _carry_over(values: dict[str, Any], rid: str) -> dict[str, Any]:
    return {"type": "budget", "operation": {"op": "carry_over", "id": rid, **values}}


def _reserve(values: dict[str, Any], rid: str) -> dict[str, Any]:
    return {"type": "budget", "operation": {"op": "release_reserve", "id": rid, **values}}


def _flag(type_: str) -> Callable[[dict[str, Any], str], dict[str, Any]]:
    return lambda values, _rid: {"type": type_, **values}


def _contract(op: str) -> Callable[[dict[str, Any], str], dict[str, Any]]:
    return lambda values, _rid: {"type": "contract", "operation": {"op": op, **values}}


def _change_order(values: dict[str, Any], _rid: str) -> dict[str, Any]:
    """One milestone's new amount and/or due date, and/or a new expiry, per request."""
    milestone = {k: values.pop(k) for k in ("milestone_amount_yen", "due") if k in values}
    milestone = {("amount_yen" if k == "milestone_amount_yen" else k): v for k, v in milestone.items()}
    if "milestone" in values:
        values["milestones"] = [{"id": values.pop("milestone"), **milestone}]
    elif milestone:  # a change to no milestone: said by the field that is missing
        raise Refused(Kind.INVALID, "field_invalid", "name the milestone to change", fields={"field": "milestone"})
    return {"type": "contract", "operation": {"op": "change_order", **values}}


_TRANSFER = (Field("fiscal_year", "year"), Field("source"), Field("target"), Field("amount_yen", "yen"))
_REASON = Field("reason", "textarea", required=False)
FORMS: Final[dict[str, RequestForm]] = {f.key: f for f in (
    RequestForm("ryuyo", ("ryuyo",), _TRANSFER, _transfer),
    RequestForm("iyo", ("iyo",), _TRANSFER, _transfer),
    RequestForm("carry_over", ("carry_over",), (Field("fiscal_year", "year"), Field("kind", "select", options=("meikyo", "jiko")),
                Field("node", required=False), Field("contract", required=False), Field("amount_yen", "yen")), _carry_over),
    RequestForm("reserve_release", ("reserve_release",), (Field("fiscal_year", "year"), Field("target"),
                Field("amount_yen", "yen")), _reserve),
    RequestForm("freeze", ("freeze",), (Field("account"), _REASON), _flag("freeze")),
    RequestForm("unfreeze", ("unfreeze",), (Field("account"), _REASON), _flag("unfreeze")),
    RequestForm("contract_hold", ("contract_hold",), (Field("contract"), _REASON), _contract("hold")),
    RequestForm("contract_release", ("contract_release",), (Field("contract"), _REASON), _contract("release")),
    RequestForm("change_order", ("change_order",), (Field("contract"), Field("milestone", required=False),
                Field("milestone_amount_yen", "yen", required=False), Field("due", "date", required=False),
                Field("expires", "date", required=False), _REASON), _change_order),
)}  # fmt: skip
OWN_FIELDS: Final = (forms.CSRF_FIELD, "id", "memo")


def _value(field: Field, raw: str) -> object:
    """A field's text as the action's JSON value: amounts and years as integers (digits, with
    the separators a person types: `1,200,000,000`), everything else as typed."""
    if field.kind not in ("yen", "year"):
        return raw.strip()
    digits = raw.replace(",", "").replace("_", "").replace(" ", "")
    if not is_digits(digits) or len(digits) > 19:
        raise Refused(Kind.INVALID, "field_invalid", f"{field.name} is a whole number of "
                      f"{'yen' if field.kind == 'yen' else 'years'}", fields={"field": field.name})  # fmt: skip
    return int(digits)


def decode_action(form: RequestForm, fields: dict[str, str], request_id: str) -> Action:
    """The form's fields as the API's action type, or Refused naming the field."""
    known = {f.name for f in form.fields} | set(OWN_FIELDS)
    unknown = sorted(set(fields) - known)
    if unknown:
        raise Refused(Kind.INVALID, "field_unknown", f"the form has no field {unknown[0][:32]!r}",
                      fields={"field": unknown[0][:32]})  # fmt: skip
    values: dict[str, Any] = {}
    for f in form.fields:
        raw = fields.get(f.name, "")
        if len(raw) > VALUE_MAX_CHARS:
            raise Refused(Kind.INVALID, "field_invalid", f"{f.name} is too long", fields={"field": f.name})
        if raw.strip():
            values[f.name] = _value(f, raw)
        elif f.required:
            raise Refused(Kind.INVALID, "field_invalid", f"{f.name} is required", fields={"field": f.name})
    body = form.action(values, request_id)
    try:
        return msgspec.convert(body, Action)  # type: ignore[arg-type, no-any-return]
    except msgspec.ValidationError as exc:  # the API's `invalid_request`, said by its field
        raise Refused(Kind.INVALID, "field_invalid", str(exc), fields={"field": _field_of(str(exc))}) from exc


def _field_of(message: str) -> str:
    """The form field a msgspec error names (`... - at $.operation.source`)."""
    missing = _MSGSPEC_MISSING.search(message)
    if missing:
        return missing.group(1)
    at = _MSGSPEC_AT.search(message)
    path = at.group(1) if at else ""
    name = path.rsplit(".", 1)[-1]
    if ".milestones[" in path:  # the change order's one milestone
        return {"id": "milestone", "amount_yen": "milestone_amount_yen"}.get(name, name)
    return name


def expecting(plan: Plan, kinds: tuple[str, ...]) -> Callable[[LedgerEngine], list[Command]]:
    """`plan`, refused (nothing written) when the request it makes is not of `kinds`: a 流用
    form whose nodes are in two items would file a 移用, which is the 移用 form's to file."""

    def planner(engine: LedgerEngine) -> list[Command]:
        commands = plan(engine)
        for c in commands:
            if type(c) is AppendRecord and c.body.get("kind") not in kinds:
                raise Refused(Kind.INVALID, "kind_mismatch", f"these fields make a {c.body.get('kind')} request, "
                              f"not {' or '.join(kinds)}", fields={"kind": str(c.body.get("kind"))})  # fmt: skip
        return commands

    return planner


def new_request_id(form_key: str) -> str:
    """A fresh id for a form (the idempotency key: the same form sent twice files one request)."""
    rid = f"{form_key.replace('_', '-')}-{secrets.token_hex(4)}"
    assert REQUEST_ID_RE.fullmatch(rid), rid
    return rid


# --- reading requests --------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Step:
    """One line of a request's history: what happened, when, by whom, at which log seq."""

    what: str  # requested | approved | rejected | executed | expired
    at_ns: int
    who: str = ""
    organisation: str = ""
    seq: int | None = None  # None: expiry is a time, not a record
    via: str = ""
    counts: bool = False


def history(item: Item, now_ns: int) -> list[Step]:
    state = item.state
    steps = [Step("requested", int(str(state.body["created_ns"])), state.requester,
                  str(state.body["requester_organisation"]), state.record.seq)]  # fmt: skip
    for d, record in zip(state.decisions, state.decision_records, strict=True):
        steps.append(Step("rejected" if d.decision == "reject" else "approved", int(record.timestamp), d.approver,
                          d.organisation, record.seq, str(record.body.get("via", "")), d.approver in item.counted_by))  # fmt: skip
    if state.execution is not None:
        steps.append(Step("executed", int(str(state.execution.body.get("executed_ns", state.execution.timestamp))),
                          seq=state.execution.seq))  # fmt: skip
    elif not state.rejected and now_ns >= state.expires_ns:
        steps.append(Step("expired", state.expires_ns))
    return steps


def missing_organisations(item: Item) -> list[str]:
    return [o for o, ok in item.required if not ok]


def mine(inbox: Inbox, viewer: Viewer, may_read_budget: bool) -> list[Item]:
    out = []
    for rid in reversed(inbox.gov.index.ids()[-SCAN_MAX:]):
        state = inbox.load(rid)
        if state is not None and state.requester == viewer.id:
            out.append(inbox.item(state, viewer, may_read_budget))
            if len(out) >= MINE_SHOWN:
                break
    return out


def may_file(d: Dashboard, viewer: Viewer | None) -> dict[str, bool]:
    """Which forms the policy in force would let the viewer file (a hint; the desk decides)."""
    identity = None if viewer is None else d.svc.identities.get(viewer.id)
    out = {}
    for key, form in FORMS.items():
        out[key] = identity is not None and any(
            d.gov.policy.current.allows(identity, "request", Resource("probe", kind, 1, (), identity)) for kind in form.kinds)
    return out


# --- pages --------------------------------------------------------------------------------------
async def my_requests(d: Dashboard, inbox: Inbox, request: Request, viewer: Viewer | None) -> Response:
    items = [] if viewer is None else mine(inbox, viewer, d.may_open("budget", viewer))
    lang = lang_of(request)
    return d.render(request, "requests.html", "requests", viewer, items=items, forms=list(FORMS),
                    may_file=may_file(d, viewer), kind_name=lambda k: label_or(lang, f"request_kind.{k}", k),
                    missing=missing_organisations)  # fmt: skip


async def request_page(d: Dashboard, inbox: Inbox, request: Request, viewer: Viewer | None) -> Response:
    rid = request.path_params["id"]
    state = inbox.load(rid) if len(rid) <= 48 else None
    if state is None or not inbox.readable(state, viewer):  # the inbox's rule: another party's is not there
        return d.not_found(request, "requests", viewer, rid[:48])
    may_read = d.may_open("budget", viewer)
    item = inbox.item(state, viewer, may_read)
    lang = lang_of(request)
    return d.render(request, "request.html", "requests", viewer, item=item, steps=history(item, inbox.now_ns()),
                    missing=missing_organisations(item), may_read=may_read, filed=request.query_params.get("filed") == "1",
                    mine=state.requester == viewer.id, kind_name=lambda k: label_or(lang, f"request_kind.{k}", k),
                    t_or=lambda key, raw: label_or(lang, key, raw))  # fmt: skip


def _form_page(d: Dashboard, request: Request, viewer: Viewer | None, form: RequestForm, status: int = 200, *,
               values: dict[str, str] | None = None, error: str = "", error_code: str = "", error_field: str = "",
               error_message: str = "") -> Response:  # fmt: skip
    if values is None:  # a new form: what a link filled in (a budget node, an account, a contract)
        values = {f.name: request.query_params.get(f.name, "")[:PREFILL_MAX_CHARS] for f in form.fields}
        values["id"] = new_request_id(form.key)
        values["memo"] = ""
    lang = lang_of(request)
    can_file = d.gov.sessions is not None and bool(viewer and viewer.csrf)
    return d.render(request, "request_form.html", "requests", viewer, status, form=form, values=values,
                    error=error, error_code=error_code, error_field=error_field, error_message=error_message,
                    can_file=can_file, memo_max=MEMO_MAX_CHARS, may_file=may_file(d, viewer)[form.key],
                    kind_name=lambda k: label_or(lang, f"request_kind.{k}", k))  # fmt: skip


async def new_form(d: Dashboard, request: Request, viewer: Viewer | None) -> Response:
    form = FORMS.get(request.path_params["kind"])
    if form is None:
        return d.not_found(request, "requests", viewer, request.path_params["kind"][:48])
    return _form_page(d, request, viewer, form)


async def file_request(d: Dashboard, request: Request) -> Response:
    """Not behind `d.page`: a visitor without a session goes to sign-in and back to the form (a
    GET). Nothing is written on any refusal."""
    key = request.path_params["kind"]
    viewer = d.access.viewer(request)
    form = FORMS.get(key)
    if form is None:
        return d.not_found(request, "requests", viewer, key[:48])
    values: dict[str, str] = {}
    try:
        signed = await forms.signed_in_form(request, d.gov.sessions, max_bytes=FORM_BODY_MAX_BYTES,
                                            max_fields=FORM_FIELDS_MAX)  # fmt: skip
        if signed is None:
            return forms.sign_in_then(f"{REQUESTS_PATH}/new/{quote(key)}")
        values = {k: v[:VALUE_MAX_CHARS] for k, v in signed.fields.items() if k != forms.CSRF_FIELD}
        rid = signed.fields.get("id", "")
        if not REQUEST_ID_RE.fullmatch(rid):
            raise Refused(Kind.INVALID, "request_id_invalid", f"request ids are {REQUEST_ID_RE.pattern}")
        action = decode_action(form, signed.fields, rid)
        plan = d.gov.desk.create(signed.session.identity, rid, action, signed.fields.get("memo", ""))
        await forms.submit_form(d.svc, expecting(plan, form.kinds))
    except forms.FormError as exc:
        return _form_page(d, request, viewer, form, exc.status, values=_refill(form, values), error=exc.key)
    except Refused as exc:
        label = forms.refusal_label("requests", KNOWN_ERRORS, exc.code)
        response = _form_page(d, request, viewer, form, status_of(exc), values=_refill(form, values), error=label,
                              error_code=exc.code, error_field=_field_named(form, exc),
                              error_message=exc.message)  # fmt: skip
        response.headers.update(retry_headers(exc))
        return response
    return RedirectResponse(f"{REQUESTS_PATH}/{quote(rid)}?filed=1", 303)


def _field_named(form: RequestForm, refused: Refused) -> str:
    """The form's field a refusal names (its label says it), or "" for none of them."""
    name = str(refused.fields.get("field", ""))
    return name if name in {f.name for f in form.fields} | {"id", "memo"} else ""


def _refill(form: RequestForm, values: dict[str, str]) -> dict[str, str]:
    """What the person typed, to correct it (a new id when theirs is not one)."""
    out = {f.name: values.get(f.name, "") for f in form.fields}
    rid = values.get("id", "")
    out["id"] = rid if REQUEST_ID_RE.fullmatch(rid) else new_request_id(form.key)
    out["memo"] = values.get("memo", "")
    return out


def requests_routes(d: Dashboard) -> list[Route]:
    inbox = Inbox(d.svc, d.gov)
    return [
        Route(REQUESTS_PATH, d.page("requests", partial(my_requests, d, inbox)), methods=["GET"]),
        Route(REQUESTS_PATH + "/new/{kind}", d.page("requests", partial(new_form, d)), methods=["GET"]),
        Route(REQUESTS_PATH + "/new/{kind}", partial(file_request, d), methods=["POST"]),
        Route(REQUESTS_PATH + "/{id}", d.page("requests", partial(request_page, d, inbox)), methods=["GET"]),
    ]
