"""`POST /v1/scripts`: run a Numscript on the ledger as one all-or-nothing batch.

The script is parsed and its inputs checked here; it then runs inside the writer, against
live balances, as a planned batch of its own (see `ramp.numscript.ledger`). A refusal, from
the script or from the engine, is a 4xx with a machine-readable code and nothing written.
"""

from __future__ import annotations

from functools import partial
from typing import Final

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ramp.api.script_models import ScriptRequest, ScriptRunResponse
from ramp.ledger import Command, LedgerEngine
from ramp.numscript.ledger import ScriptPlanner, settle
from ramp.numscript.runs import ScriptRun, prepare
from ramp.policy.active import ActivePolicy
from ramp.policy.ring_fence import refuse_raw_write
from ramp.service import Service
from ramp.service.access import LEDGER_WRITERS
from ramp.service.http import authenticate, decode, json_response, read_body

SCRIPT_BODY_MAX_BYTES: Final = 64 * 1024  # a script and its vars must fit an 8 KiB record anyway


async def post_scripts(svc: Service, request: Request) -> Response:
    """Refusals (`ScriptRefused`, a `Refused` with the script's line and column) answer through the
    API's one handler table."""
    body = await read_body(request, SCRIPT_BODY_MAX_BYTES)
    identity = authenticate(request, body, svc.identities, roles=LEDGER_WRITERS, clock=svc.clock)
    req = decode(body, ScriptRequest)
    planner = ScriptPlanner(prepare(ScriptRun(req.id, req.script, req.vars, req.code, identity.id)))
    policy = svc.journal.projection(ActivePolicy)

    def fenced(engine: LedgerEngine) -> list[Command]:
        """The run's planned postings, refused if one touches the budget's ring fence."""
        commands = planner(engine)
        refuse_raw_write(policy.live(engine)[0].rules.ring_fence, commands, engine.transfer)
        return commands

    results = await svc.committer.submit_planned(fenced)
    return json_response(ScriptRunResponse.of(settle(planner.plan, results)))


def script_routes(svc: Service) -> list[Route]:
    return [Route("/v1/scripts", partial(post_scripts, svc), methods=["POST"])]
