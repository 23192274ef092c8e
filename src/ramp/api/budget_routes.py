"""Budget routes of API v1: one signed endpoint for operations, and the budget queries.

`POST /v1/budget/operations` takes one operation (tagged by `op`), checks the signer holds the
role the operation needs, and hands its planner to the group committer: the law is checked
against live ledger state under the write lock. A refusal is 409 with the rule's code and
nothing is written. Reads are signed too: budget detail is not public, and a line the signer is
not cleared for (a secret one, to anyone but an auditor) is withheld from every read as
`budget.queries` says: its node answers 404 as an unknown one does.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any, Final

import msgspec
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ramp.api.openapi_parts import REF, content, responses
from ramp.approvals.gate import check_direct, find_policy
from ramp.budget import model as budget_model
from ramp.budget import queries
from ramp.budget import requests as budget_requests
from ramp.budget.operations import plan
from ramp.budget.projection import BudgetProjection
from ramp.budget.service import check_results
from ramp.budget.view import View
from ramp.journal.queries import PAGE_MAX
from ramp.ledger import Command, LedgerEngine, Result
from ramp.policy.active import ActivePolicy
from ramp.policy.identities import Identity
from ramp.refusal import Kind, Refused
from ramp.service import Service
from ramp.service.access import BUDGET_READERS, OPERATION_ROLES, OPERATORS, may_read_account
from ramp.service.http import authenticate, decode, int_param, json_response, read_body
from ramp.text import is_digits


class OperationRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    operation: budget_requests.Operation


class OperationResponse(msgspec.Struct, frozen=True):
    results: list[Result]  # one per ledger command of the operation's chain, in order


class FiscalYears(msgspec.Struct, frozen=True):
    fiscal_years: list[int]


@dataclass(frozen=True)
class BudgetApi:
    svc: Service
    projection: BudgetProjection
    policy: ActivePolicy | None  # the approval gate: movements under approval go through POST /v1/approvals

    def gate(self, engine: LedgerEngine, commands: list[Command]) -> list[Command]:
        return commands if self.policy is None else check_direct(engine, commands, self.policy)


async def post_operation(api: BudgetApi, request: Request) -> Response:
    svc = api.svc
    body = await read_body(request)
    identity = authenticate(request, body, svc.identities, roles=OPERATORS, clock=svc.clock)
    op = decode(body, OperationRequest).operation
    roles = OPERATION_ROLES[type(op)]
    if not identity.has_role(*roles):
        raise Refused(Kind.FORBIDDEN, "forbidden",
                      f"{identity.id} lacks a role for {type(op).__name__}: one of {', '.join(roles)}")  # fmt: skip
    at_ns = svc.now_ns()
    results = await svc.committer.submit_planned(
        lambda engine: api.gate(engine, plan(View(engine), op, at_ns, identity.id)))  # fmt: skip
    return json_response(OperationResponse(check_results(results)))


async def _read(api: BudgetApi, request: Request) -> tuple[Identity, int | None]:
    """Authenticate a budget reader; the fiscal year of the path, if it names one."""
    svc = api.svc
    identity = authenticate(request, await read_body(request), svc.identities, roles=BUDGET_READERS, clock=svc.clock)
    raw = request.path_params.get("fiscal_year")
    if raw is None:
        return identity, None
    if not (is_digits(raw) and len(raw) == 4
            and budget_model.FISCAL_YEAR_MIN <= int(raw) <= budget_model.FISCAL_YEAR_MAX):  # fmt: skip
        raise Refused(Kind.INVALID, "fiscal_year_invalid",
                      f"a fiscal year is {budget_model.FISCAL_YEAR_MIN}..{budget_model.FISCAL_YEAR_MAX}")  # fmt: skip
    return identity, int(raw)


async def _year(api: BudgetApi, request: Request) -> tuple[queries.Withheld, int]:
    """The path's fiscal year, and what the signer may not read (`budget.queries`)."""
    identity, fy = await _read(api, request)
    assert fy is not None  # every route calling this has {fiscal_year} in its path
    engine = api.svc.journal.engine
    return (lambda account: not may_read_account(identity, account, engine)), fy


async def get_years(api: BudgetApi, request: Request) -> Response:
    await _read(api, request)
    return json_response(FiscalYears(api.projection.fiscal_years()))


async def get_tree(api: BudgetApi, request: Request) -> Response:
    withheld, fy = await _year(api, request)
    return json_response(queries.budget_tree(api.projection, fy, withheld))


async def get_history(api: BudgetApi, request: Request) -> Response:
    withheld, fy = await _year(api, request)
    after = request.query_params.get("after_seq")
    page = queries.node_history(
        api.svc.journal, fy, request.path_params["path"],
        after_seq=None if after is None else int_param(request, "after_seq"),
        limit=int_param(request, "limit", default=100, lo=1, hi=PAGE_MAX), withheld=withheld,
    )  # fmt: skip
    return json_response(page)


async def get_burdens(api: BudgetApi, request: Request) -> Response:
    _, fy = await _year(api, request)  # sums by year, naming no contract
    return json_response(queries.burdens(api.projection, fy))


async def get_alerts(api: BudgetApi, request: Request) -> Response:
    withheld, fy = await _year(api, request)
    return json_response(queries.alerts(api.projection, fy, withheld=withheld))


def budget_routes(svc: Service) -> list[Route]:
    api = BudgetApi(svc, svc.journal.projection(BudgetProjection), find_policy(svc.journal.projections))
    return [
        Route("/v1/budget/operations", partial(post_operation, api), methods=["POST"]),
        Route("/v1/budget/years", partial(get_years, api), methods=["GET"]),
        Route("/v1/budget/{fiscal_year}/tree", partial(get_tree, api), methods=["GET"]),
        Route("/v1/budget/{fiscal_year}/nodes/{path}/history", partial(get_history, api), methods=["GET"]),
        Route("/v1/budget/{fiscal_year}/burdens", partial(get_burdens, api), methods=["GET"]),
        Route("/v1/budget/{fiscal_year}/alerts", partial(get_alerts, api), methods=["GET"]),
    ]


# --- OpenAPI (merged into the document by `ramp.api.openapi`) -----------------------------
_FY_PARAM: Final = {"name": "fiscal_year", "in": "path", "required": True,
                    "schema": {"type": "integer", "minimum": budget_model.FISCAL_YEAR_MIN, "maximum": budget_model.FISCAL_YEAR_MAX}}  # fmt: skip
_PATH_PARAM: Final = {"name": "path", "in": "path", "required": True,
                      "schema": {"type": "string", "pattern": r"^[a-z0-9][a-z0-9-]{0,19}(:[a-z0-9][a-z0-9-]{0,19}){0,4}$",
                                 "maxLength": 104}}  # fmt: skip
_PLAIN = {
    400: "invalid request (code says which)", 401: "signature missing or invalid (code says which)",
    403: "role missing (each operation names the officer the law requires)", 404: "not found",
    409: "refused by budget law or by the ledger: the code names the rule; nothing was written",
    413: "body too large", 429: "overloaded (see Retry-After)", 503: "store unavailable",
}  # fmt: skip


def _responses(ok: str, *errors: int) -> dict[str, Any]:
    return responses(ok, _PLAIN, *errors)


def budget_schemas() -> dict[str, Any]:
    _, components = msgspec.json.schema_components(
        [OperationRequest, OperationResponse, FiscalYears, queries.BudgetTree, queries.NodeHistory,
         queries.Burdens, queries.Alerts],
        ref_template=REF,
    )  # fmt: skip
    return components


def budget_paths() -> dict[str, Any]:
    signed = [{"httpSignature": []}]

    def read(summary: str, schema: str, params: list[dict[str, Any]], errors=(400, 401, 403)) -> dict[str, Any]:
        return {"get": {"summary": summary, "security": signed, "parameters": params,
                        "responses": _responses(schema, *errors)}}  # fmt: skip

    limit = {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": PAGE_MAX}}
    after = {"name": "after_seq", "in": "query", "schema": {"type": "integer", "minimum": 0, "maximum": 2**63 - 1}}
    return {
        "/v1/budget/operations": {"post": {
            "summary": "one budget operation (enact, issue, allot, transfer, obligate, disburse, carry over, ...), "
                       "checked against the law and applied as one linked chain",
            "security": signed,
            "requestBody": {"required": True, "content": content("OperationRequest")},
            "responses": _responses("OperationResponse", 400, 401, 403, 409, 413, 429, 503),
        }},  # fmt: skip
        "/v1/budget/years": read("fiscal years with a budget", "FiscalYears", []),
        "/v1/budget/{fiscal_year}/tree": read(
            "the budget tree with appropriated, allotted, obligated, disbursed, available, carried over and lapsed "
            "per node, by organisation and by category", "BudgetTree", [_FY_PARAM], errors=(400, 401, 403, 404)),
        "/v1/budget/{fiscal_year}/nodes/{path}/history": read(
            "a node's movements, oldest first", "NodeHistory", [_FY_PARAM, _PATH_PARAM, after, limit],
            errors=(400, 401, 403, 404)),
        "/v1/budget/{fiscal_year}/burdens": read("later-year burdens (後年度負担) by year", "Burdens", [_FY_PARAM]),
        "/v1/budget/{fiscal_year}/alerts": read("availability alerts, newest first", "Alerts", [_FY_PARAM]),
    }  # fmt: skip
