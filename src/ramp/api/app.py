"""The API face: every route of API v1 and its OpenAPI document, over the service layer.

The composition root (`ramp.server`) mounts these beside the dashboard's and installs the
one exception-handler table (`ramp.api.errors.EXCEPTION_HANDLERS`).
"""

from __future__ import annotations

from functools import partial
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from ramp.api.approval_routes import approval_routes
from ramp.api.auth_routes import auth_routes
from ramp.api.budget_routes import budget_routes
from ramp.api.contract_routes import contract_routes
from ramp.api.disclosure_routes import disclosure_routes
from ramp.api.epcis_routes import epcis_routes
from ramp.api.ledger_routes import ledger_routes
from ramp.api.mining_routes import mining_routes
from ramp.api.openapi import build_openapi
from ramp.api.script_routes import script_routes
from ramp.service import Governance, Service
from ramp.service.http import json_response


async def openapi_json(document: dict[str, Any], _request: Request) -> Response:
    return json_response(document)


def api_routes(svc: Service, gov: Governance) -> list[BaseRoute]:
    return [
        Route("/openapi.json", partial(openapi_json, build_openapi()), methods=["GET"]),
        *ledger_routes(svc), *script_routes(svc), *budget_routes(svc), *approval_routes(svc, gov),
        *contract_routes(svc, gov), *auth_routes(svc, gov), *disclosure_routes(svc),
        *epcis_routes(svc), *mining_routes(svc),
    ]  # fmt: skip
