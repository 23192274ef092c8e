"""`POST /v1/scripts`: run a Numscript on the ledger as one all-or-nothing batch.

The script is parsed and its inputs checked here; it then runs inside the writer, against
live balances, as a planned batch of its own (see `ramp.numscript.ledger`). A refusal, from
the script or from the engine, is a 4xx with a machine-readable code and nothing written.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ramp.api.group_commit import Overloaded
from ramp.api.http import ApiError, authenticate, decode, json_response, read_body
from ramp.api.routes import WRITERS, Service
from ramp.api.script_models import (
    ScriptErrorBody,
    ScriptErrorResponse,
    ScriptRequest,
    ScriptRunResponse,
)
from ramp.numscript.ledger import ScriptPlanner, settle
from ramp.numscript.runs import ScriptRefused, ScriptRun, prepare
from ramp.store.base import StoreError

# The request itself is wrong / the ledger's state refuses it / the script asks for what the
# ledger cannot hold.
REFUSAL_STATUS = {"invalid": 400, "conflict": 409, "unprocessable": 422}
SCRIPT_BODY_MAX_BYTES = 64 * 1024  # a script and its vars must fit an 8 KiB record anyway


def _refused(exc: ScriptRefused) -> Response:
    body = ScriptErrorBody(
        exc.code, exc.message, exc.numscript_code, exc.line, exc.column, list(exc.results) or None
    )
    return json_response(ScriptErrorResponse(body), status=REFUSAL_STATUS[exc.kind])


def script_routes(svc: Service) -> list[Route]:
    async def post_scripts(request: Request) -> Response:
        try:
            body = await read_body(request, SCRIPT_BODY_MAX_BYTES)
            identity = authenticate(request, body, svc.identities, roles=WRITERS, clock=svc.clock)
            req = decode(body, ScriptRequest)
            planner = ScriptPlanner(prepare(ScriptRun(req.id, req.script, req.vars, req.code, identity.id)))
            results = await svc.committer.submit_planned(planner)
            return json_response(ScriptRunResponse.of(settle(planner.plan, results)))
        except ScriptRefused as exc:
            return _refused(exc)
        except ApiError as exc:
            return exc.response()
        except Overloaded as exc:
            return ApiError(429, "overloaded", str(exc), {"Retry-After": str(exc.retry_after_s)}).response()
        except StoreError:
            return ApiError(503, "store_unavailable", "the store did not commit; retry", {"Retry-After": "1"}).response()

    return [Route("/v1/scripts", post_scripts, methods=["POST"])]
