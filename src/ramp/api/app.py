"""The RAMP HTTP service: the API v1 routes, /openapi.json, and the writer's lifecycle."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ramp.api.approval_routes import approval_routes, governance
from ramp.api.auth_routes import auth_routes
from ramp.api.budget_routes import budget_routes
from ramp.api.contract_routes import EXPIRY_SWEEP_S, contract_routes, sweep_expiries
from ramp.api.http import ApiError, json_response
from ramp.api.openapi import build_openapi
from ramp.api.routes import Service, build_routes
from ramp.api.script_routes import script_routes
from ramp.auth.credentials import CredentialFile
from ramp.journal import Journal
from ramp.journal.group_commit import GroupCommitter
from ramp.policy.identities import IdentityRegistry
from ramp.web.access import Access
from ramp.web.app import web_routes


def create_app(journal: Journal, identities: IdentityRegistry, *, credentials: CredentialFile | None = None,
               web_access: Access | None = None, clock: Callable[[], float] = time.time,
               expiry_sweep_s: float | None = EXPIRY_SWEEP_S) -> Starlette:
    """The app over an open journal whose projections include `identities`; web login is on
    when a credentials file is given. `web_access` says who sees the dashboard's private pages
    (default: the people signed in, with web login on; nobody without it)."""
    svc = Service(journal, identities, GroupCommitter(journal), clock)  # `clock`: tests run it at other instants
    gov = governance(svc, credentials)
    openapi = build_openapi()

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        svc.committer.start()  # needs the running event loop
        sweeper = None if expiry_sweep_s is None else asyncio.create_task(sweep_expiries(svc, expiry_sweep_s))
        try:
            yield
        finally:
            if sweeper is not None:
                sweeper.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await sweeper
            await svc.committer.stop()

    async def openapi_json(_request: Request) -> Response:
        return json_response(openapi)

    async def not_found(_request: Request, _exc: Exception) -> Response:
        return ApiError(404, "not_found", "no such resource").response()

    async def method_not_allowed(_request: Request, exc: Exception) -> Response:
        allow = getattr(exc, "headers", None) or {}  # Starlette's routing names the methods it has
        return ApiError(405, "method_not_allowed", "method not allowed", dict(allow)).response()

    routes = [Route("/openapi.json", openapi_json, methods=["GET"]), *build_routes(svc), *script_routes(svc),
              *budget_routes(svc), *approval_routes(svc, gov), *contract_routes(svc, gov), *auth_routes(svc, gov),
              *web_routes(svc, web_access, gov)]
    return Starlette(
        routes=routes,
        lifespan=lifespan,
        exception_handlers={404: not_found, 405: method_not_allowed},
    )
