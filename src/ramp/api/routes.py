"""API v1 routes: ledger writes and reads (signed), and the public log (unsigned)."""

from __future__ import annotations

import base64
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Mount, Route

from ramp.api.group_commit import GroupCommitter, Overloaded
from ramp.api.http import ApiError, authenticate, decode, int_param, json_response, read_body
from ramp.api.models import (
    AccountOut,
    AccountsRequest,
    ConsistencyProofOut,
    EntriesResponse,
    InclusionProofOut,
    ResultsResponse,
    TransferOut,
    TransfersPage,
    TransfersRequest,
)
from ramp.api.tlog_routes import tlog_routes
from ramp.journal import Journal, proofs
from ramp.journal.queries import PAGE_MAX, QueryError, account_events
from ramp.journal.witnessing import cosigned_checkpoint
from ramp.ledger.events import TransferApplied
from ramp.ledger.model import ACCOUNT_ID_MAX_CHARS, ACCOUNT_ID_RE
from ramp.policy.identities import IdentityRegistry
from ramp.store.base import StoreError

WRITERS = ("ledger_writer",)
READERS = ("ledger_reader", "auditor")


@dataclass
class Service:
    journal: Journal
    identities: IdentityRegistry
    committer: GroupCommitter
    clock: Callable[[], float] = time.time  # the wall clock: signatures' `created`, sessions, TOTP

    def now_ns(self) -> int:
        """The instant of the business (budget years, due dates, expiries): the journal's clock,
        which is the wall clock except on a demo's simulated calendar, or tests'."""
        return self.journal.clock_ns()


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def build_routes(svc: Service) -> list[Route | Mount]:
    def handler(fn: Callable[[Request], Any]) -> Callable[[Request], Any]:
        async def wrapped(request: Request) -> Response:
            try:
                return await fn(request)
            except ApiError as exc:
                return exc.response()
            except Overloaded as exc:
                return ApiError(429, "overloaded", str(exc), {"Retry-After": str(exc.retry_after_s)}).response()
            except StoreError:
                return ApiError(503, "store_unavailable", "the store did not commit; retry",
                                {"Retry-After": "1"}).response()  # fmt: skip
            except QueryError as exc:
                return ApiError(404 if exc.code.endswith("not_found") else 400, exc.code, str(exc)).response()
            except proofs.ProofUnavailable as exc:
                return ApiError(404 if exc.code.endswith("not_found") else 400, exc.code, str(exc)).response()

        return wrapped

    async def _write(request: Request, type_: type, attr: str) -> Response:
        body = await read_body(request)
        authenticate(request, body, svc.identities, roles=WRITERS, clock=svc.clock)
        commands = getattr(decode(body, type_), attr)
        results = await svc.committer.submit(list(commands))
        return json_response(ResultsResponse(results))

    async def post_accounts(request: Request) -> Response:
        return await _write(request, AccountsRequest, "accounts")

    async def post_transfers(request: Request) -> Response:
        return await _write(request, TransfersRequest, "transfers")

    async def _signed_read(request: Request) -> None:
        authenticate(request, await read_body(request), svc.identities, roles=READERS, clock=svc.clock)

    def _account_id(request: Request) -> str:
        account_id = request.path_params["id"]
        if len(account_id) > ACCOUNT_ID_MAX_CHARS or not ACCOUNT_ID_RE.fullmatch(account_id):
            raise ApiError(400, "account_id_invalid", "account ids are lowercase seg:seg:... of at most 128")
        return account_id

    async def get_account(request: Request) -> Response:
        await _signed_read(request)
        account = svc.journal.read.account(_account_id(request))
        if account is None:
            raise ApiError(404, "account_not_found", "no such account")
        return json_response(AccountOut.of(account))

    async def get_account_transfers(request: Request) -> Response:
        await _signed_read(request)
        after = request.query_params.get("after_seq")
        page = account_events(
            svc.journal, _account_id(request),
            since_ns=int_param(request, "since_ns", default=0),
            until_ns=int_param(request, "until_ns", default=2**63 - 1),
            code=request.query_params.get("code"),
            after_seq=None if after is None else int_param(request, "after_seq"),
            limit=int_param(request, "limit", default=100, lo=1, hi=PAGE_MAX),
        )  # fmt: skip
        out = [TransferOut.of(e) for e in page.events if isinstance(e, TransferApplied)]
        return json_response(TransfersPage(out, page.next_after_seq))

    def _committed_transfer(request: Request) -> TransferApplied:
        t = svc.journal.engine.transfer(request.path_params["id"])
        if t is None or t.seq >= svc.journal.size:  # not yet durable is not yet there
            raise ApiError(404, "transfer_not_found", "no such transfer")
        return t

    async def get_transfer(request: Request) -> Response:
        await _signed_read(request)
        return json_response(TransferOut.of(_committed_transfer(request)))

    # --- public log data -----------------------------------------------------------------
    async def log_checkpoint(_request: Request) -> Response:
        note = cosigned_checkpoint(svc.journal)
        if note is None:
            raise ApiError(404, "checkpoint_not_found", "the log has no signed checkpoint yet")
        return PlainTextResponse(note, media_type="text/plain; charset=utf-8", headers={"Cache-Control": "no-store"})

    verifier_key: list[str] = []  # set once per store (put_meta refuses a change): read once

    async def log_key(_request: Request) -> Response:
        if not verifier_key:
            key = svc.journal.store.get_meta("log_verifier_key")
            if key is None:
                raise ApiError(404, "log_key_not_found", "the log has no key")
            verifier_key.append(key)
        return PlainTextResponse(verifier_key[0] + "\n", media_type="text/plain; charset=utf-8")

    async def log_entries(request: Request) -> Response:
        start = int_param(request, "start")
        end = int_param(request, "end")
        leaves = proofs.entries(svc.journal, start, end)
        return json_response(EntriesResponse(start, end, [_b64(x) for x in leaves]))

    def _inclusion(p: proofs.InclusionProof) -> Response:
        return json_response(InclusionProofOut(p.index, p.size, _b64(p.leaf_hash), [_b64(h) for h in p.hashes],
                                               _b64(p.root)))  # fmt: skip

    async def log_inclusion(request: Request) -> Response:
        size = int_param(request, "size", default=svc.journal.size)
        return _inclusion(proofs.inclusion(svc.journal, int_param(request, "index"), size))

    async def transfer_proof(request: Request) -> Response:
        t = _committed_transfer(request)
        return _inclusion(proofs.inclusion(svc.journal, t.seq))

    async def log_consistency(request: Request) -> Response:
        new = int_param(request, "new", default=svc.journal.size)
        c = proofs.consistency(svc.journal, int_param(request, "old"), new)
        return json_response(ConsistencyProofOut(c.old_size, c.new_size, [_b64(h) for h in c.hashes],
                                                 _b64(c.old_root), _b64(c.new_root)))  # fmt: skip

    return [
        Route("/v1/accounts", handler(post_accounts), methods=["POST"]),
        Route("/v1/transfers", handler(post_transfers), methods=["POST"]),
        Route("/v1/accounts/{id}", handler(get_account), methods=["GET"]),
        Route("/v1/accounts/{id}/transfers", handler(get_account_transfers), methods=["GET"]),
        Route("/v1/transfers/{id}", handler(get_transfer), methods=["GET"]),
        Route("/v1/transfers/{id}/proof", handler(transfer_proof), methods=["GET"]),
        Route("/v1/log/checkpoint", handler(log_checkpoint), methods=["GET"]),
        Route("/v1/log/key", handler(log_key), methods=["GET"]),
        Route("/v1/log/entries", handler(log_entries), methods=["GET"]),
        Route("/v1/log/proof/inclusion", handler(log_inclusion), methods=["GET"]),
        Route("/v1/log/proof/consistency", handler(log_consistency), methods=["GET"]),
        Mount("/tlog", routes=tlog_routes(lambda: svc.journal)),
    ]
