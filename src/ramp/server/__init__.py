"""The composition root: one Starlette app from the API face and the dashboard face over one
service, with the writer's lifecycle (group commit, the expiry sweep) in its lifespan.

`api` and `web` never import each other; this is the one place that knows both.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable

from starlette.applications import Starlette

from ramp.api.app import api_routes
from ramp.api.errors import EXCEPTION_HANDLERS
from ramp.auth.credentials import CredentialFile
from ramp.journal import Journal
from ramp.journal.group_commit import GroupCommitter
from ramp.policy.identities import IdentityRegistry
from ramp.service import Service, governance
from ramp.service.expiry import EXPIRY_SWEEP_S, sweep_expiries
from ramp.web.access import Access
from ramp.web.app import web_routes


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
        try:
            yield
        finally:
            if sweeper is not None:
                sweeper.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await sweeper
            await svc.committer.stop()

    routes = [*api_routes(svc, gov), *web_routes(svc, web_access, gov)]
    return Starlette(routes=routes, lifespan=lifespan, exception_handlers=EXCEPTION_HANDLERS)
