"""The composition root: one Starlette app from the API face and the dashboard face over one
service, with the writer's lifecycle (group commit, the expiry sweep) in its lifespan, and the
headers every response carries (`ramp.service.headers`).

`api` and `web` never import each other; this is the one place that knows both.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from collections.abc import AsyncIterator, Callable
from typing import Final

from starlette.applications import Starlette
from starlette.types import ASGIApp

from ramp.api.app import api_routes
from ramp.api.errors import EXCEPTION_HANDLERS
from ramp.auth.credentials import CredentialFile
from ramp.journal import Journal
from ramp.journal.group_commit import GroupCommitter
from ramp.policy.identities import IdentityRegistry
from ramp.service import Service, governance
from ramp.service.disclosure import sweep_disclosures
from ramp.service.expiry import EXPIRY_SWEEP_S, sweep_expiries
from ramp.service.headers import CachePolicy, SecurityHeaders
from ramp.web.access import Access
from ramp.web.app import web_routes

# The public answers (every other is `no-store`): static files and log tiles are the same for
# everyone; the public log, its proofs, the witnesses, the API's description and the public
# page are public to an anonymous request.
CACHE_POLICY: Final = CachePolicy(
    shared=re.compile(r"/static/.+|/tlog/.+"),
    public=re.compile(r"/v1/log/[a-z/]+|/v1/transfers/[^/]+/proof|/openapi\.json|/dashboard/witnesses|/public"),
)


class _App(Starlette):
    """The app, every response through `SecurityHeaders`: the server's own 500 included, which
    Starlette's outermost middleware would otherwise send past any middleware of ours."""

    def build_middleware_stack(self) -> ASGIApp:
        return SecurityHeaders(super().build_middleware_stack(), CACHE_POLICY)


def create_app(journal: Journal, identities: IdentityRegistry, *, credentials: CredentialFile | None = None,
               web_access: Access | None = None, clock: Callable[[], float] = time.time,
               expiry_sweep_s: float | None = EXPIRY_SWEEP_S) -> Starlette:  # fmt: skip
    """The app over an open journal whose projections include `identities`; web login is on
    when a credentials file is given. `web_access` says who sees the dashboard's private pages
    (default: the people signed in, with web login on; nobody without it)."""
    svc = Service(journal, identities, GroupCommitter(journal), clock)  # `clock`: tests run it at other instants
    gov = governance(svc, credentials)

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        svc.committer.start()  # needs the running event loop
        sweeper = None if expiry_sweep_s is None else asyncio.create_task(sweep_expiries(svc, expiry_sweep_s))
        publisher = asyncio.create_task(sweep_disclosures(svc))  # each year's Merkle-sum root, when it changed
        try:
            yield
        finally:
            publisher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await publisher
            if sweeper is not None:
                sweeper.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await sweeper
            await svc.committer.stop()

    routes = [*api_routes(svc, gov), *web_routes(svc, web_access, gov)]
    return _App(routes=routes, lifespan=lifespan, exception_handlers=EXCEPTION_HANDLERS)
