"""Disclosure routes of API v1: the years with published totals and a year's totals (public,
unsigned), and one payment's line in them (signed: its contractor and budget readers only). The
work is `ramp.service.disclosure`; the checks a reader runs on these answers are
`ramp.disclosure.checks` (`ramp disclosure verify-totals` / `verify-payment`, the public page)."""

from __future__ import annotations

from functools import partial
from typing import Any, Final

import msgspec
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ramp.api.models import InclusionProofOut
from ramp.api.openapi_parts import REF, responses
from ramp.budget import model as budget_model
from ramp.ledger.model import TRANSFER_ID_MAX_CHARS, TRANSFER_ID_RE
from ramp.refusal import Kind, Refused
from ramp.service import Service
from ramp.service import disclosure as disclosure_service
from ramp.service.access import BUDGET_READERS
from ramp.service.http import authenticate, json_response, read_body
from ramp.text import is_digits

PAYMENT_READERS: Final = (*BUDGET_READERS, "contractor")  # a contractor: its own payments only


class SumNodeOut(msgspec.Struct, frozen=True):
    hash: str  # hex
    sum_yen: str  # decimal: sums pass 2^53
    count: str


class SumRootOut(msgspec.Struct, frozen=True):
    fiscal_year: int
    hash: str
    sum_yen: str
    count: str


class GroupTotalOut(msgspec.Struct, frozen=True):
    organisation: str
    category: str
    hash: str
    sum_yen: str
    count: str


class DisclosedYears(msgspec.Struct, frozen=True):
    fiscal_years: list[int]  # the years with a published root, oldest first


class TotalsResponse(msgspec.Struct, frozen=True):
    fiscal_year: int
    record_id: str  # disclosure.sumtree.fy<year>.<n>
    seq: int  # the record's leaf index
    log_size: int  # the root covers the year's payments committed below this size
    root: SumRootOut
    groups: list[GroupTotalOut]
    leaf: str  # base64: the record's log entry
    checkpoint: str  # the signed note the inclusion proof is against
    inclusion: InclusionProofOut


class LineOpeningOut(msgspec.Struct, frozen=True):
    amount_yen: str
    count: str
    salt: str  # hex
    private: str  # hex of the canonical private JSON


class SumProofOut(msgspec.Struct, frozen=True):
    organisation: str
    category: str
    line_index: int
    line_tree_size: int
    line_path: list[SumNodeOut]
    group_index: int
    group_tree_size: int
    group_path: list[SumNodeOut]


class PaymentLineResponse(msgspec.Struct, frozen=True):
    fiscal_year: int
    transfer_id: str
    record_id: str  # the root the proof leads to: the year's latest published
    seq: int
    root: SumRootOut
    opening: LineOpeningOut
    proof: SumProofOut


def fiscal_year_param(request: Request) -> int:
    raw = request.path_params["fiscal_year"]
    if not (is_digits(raw) and len(raw) == 4
            and budget_model.FISCAL_YEAR_MIN <= int(raw) <= budget_model.FISCAL_YEAR_MAX):  # fmt: skip
        raise Refused(Kind.INVALID, "fiscal_year_invalid",
                      f"a fiscal year is {budget_model.FISCAL_YEAR_MIN}..{budget_model.FISCAL_YEAR_MAX}")  # fmt: skip
    return int(raw)


def totals_response(t: disclosure_service.Totals) -> TotalsResponse:
    return msgspec.convert(disclosure_service.totals_wire(t), TotalsResponse)  # the schema is what is served


def payment_response(line: disclosure_service.PaymentLine) -> PaymentLineResponse:
    return msgspec.convert(disclosure_service.payment_wire(line), PaymentLineResponse)


async def get_years(svc: Service, _request: Request) -> Response:
    return json_response(DisclosedYears(disclosure_service.published_years(svc)))


async def get_totals(svc: Service, request: Request) -> Response:
    return json_response(totals_response(await disclosure_service.totals(svc, fiscal_year_param(request))))


async def get_payment(svc: Service, request: Request) -> Response:
    identity = authenticate(request, await read_body(request), svc.identities, roles=PAYMENT_READERS, clock=svc.clock)
    fy = fiscal_year_param(request)
    transfer_id = request.path_params["transfer_id"]
    if len(transfer_id) > TRANSFER_ID_MAX_CHARS or not TRANSFER_ID_RE.fullmatch(transfer_id):
        raise Refused(Kind.INVALID, "transfer_id_invalid", f"a transfer id is {TRANSFER_ID_RE.pattern}, at most "
                      f"{TRANSFER_ID_MAX_CHARS}")  # fmt: skip
    return json_response(payment_response(await disclosure_service.payment_line(svc, fy, transfer_id, identity)))


def disclosure_routes(svc: Service) -> list[Route]:
    disclosure_service.lines_of(svc)  # the read model, now (caught up once if the journal lacked it)
    return [
        Route("/v1/disclosure/years", partial(get_years, svc), methods=["GET"]),
        Route("/v1/disclosure/{fiscal_year}/totals", partial(get_totals, svc), methods=["GET"]),
        Route("/v1/disclosure/{fiscal_year}/payments/{transfer_id}", partial(get_payment, svc), methods=["GET"]),
    ]


# --- OpenAPI (merged into the document by `ramp.api.openapi`) -----------------------------
_FY_PARAM: Final = {"name": "fiscal_year", "in": "path", "required": True,
                    "schema": {"type": "integer", "minimum": budget_model.FISCAL_YEAR_MIN,
                               "maximum": budget_model.FISCAL_YEAR_MAX}}  # fmt: skip
_ID_PARAM: Final = {"name": "transfer_id", "in": "path", "required": True,
                    "schema": {"type": "string", "pattern": f"^{TRANSFER_ID_RE.pattern}$",
                               "maxLength": TRANSFER_ID_MAX_CHARS}}  # fmt: skip
_PLAIN: Final = {
    400: "invalid fiscal year or transfer id", 401: "signature missing or invalid (code says which)",
    403: "the signer holds no role that reads payments (a contractor's or a budget reader's)",
    404: "no root published for the year, no such payment of the caller's (another party's payment is not found either), or the payment came after the latest root",
    503: "the log is committing or its store is unavailable (see Retry-After)",
}  # fmt: skip


def _responses(ok: str, *errors: int) -> dict[str, Any]:
    return responses(ok, _PLAIN, *errors)


def disclosure_schemas() -> dict[str, Any]:
    _, components = msgspec.json.schema_components([DisclosedYears, TotalsResponse, PaymentLineResponse], ref_template=REF)
    return components


def disclosure_paths() -> dict[str, Any]:
    return {
        "/v1/disclosure/years": {"get": {
            "summary": "the fiscal years with a published Merkle-sum root of payments (public)",
            "responses": _responses("DisclosedYears"),
        }},
        "/v1/disclosure/{fiscal_year}/totals": {"get": {
            "summary": "the year's latest published Merkle-sum root of payments, its totals by organisation and "
                       "category, and the record's inclusion proof under the signed checkpoint (public)",
            "parameters": [_FY_PARAM], "responses": _responses("TotalsResponse", 400, 404, 503),
        }},
        "/v1/disclosure/{fiscal_year}/payments/{transfer_id}": {"get": {
            "summary": "a payment's line in the published root: its opening (amount, salt, private bytes) and "
                       "inclusion proof; for the payment's contractor and budget readers",
            "security": [{"httpSignature": []}], "parameters": [_FY_PARAM, _ID_PARAM],
            "responses": _responses("PaymentLineResponse", 400, 401, 403, 404, 503),
        }},
    }  # fmt: skip
