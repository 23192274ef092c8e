"""API v1 ledger routes: account and transfer writes and reads (signed), and the public log
(unsigned): checkpoint, key, entries, proofs, tlog-tiles.

The signed reads answer to the signer's clearance (`service.access.may_read_account`,
`may_read_transfer`): an account or a transfer the signer is not cleared for (a secret line,
to anyone but an auditor) is answered exactly as an unknown id is — the same 404, code and
message — and an account's transfers leave out those the signer may not read.
"""

from __future__ import annotations

import base64
from functools import partial

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Mount, Route

from ramp.api.models import (
    AccountOut,
    AccountsRequest,
    ConsistencyProofOut,
    EntriesResponse,
    InclusionProofOut,
    OpeningOut,
    OpeningsResponse,
    ResultsResponse,
    TransferOut,
    TransfersPage,
    TransfersRequest,
)
from ramp.api.tlog_routes import tlog_routes
from ramp.disclosure.classify import transfer_level
from ramp.journal import envelope, proofs
from ramp.journal.queries import PAGE_MAX, account_events
from ramp.journal.witnessing import cosigned_checkpoint
from ramp.ledger.events import TransferApplied
from ramp.ledger.model import ACCOUNT_ID_MAX_CHARS, ACCOUNT_ID_RE
from ramp.policy.active import ActivePolicy
from ramp.policy.identities import Identity
from ramp.policy.ring_fence import refuse_raw_write
from ramp.refusal import Kind, Refused
from ramp.service import Service
from ramp.service.access import (
    ANYONE,
    LEDGER_READERS,
    LEDGER_WRITERS,
    may_read_account,
    may_read_level,
    may_read_movement,
    may_read_transfer,
)
from ramp.service.http import authenticate, decode, int_param, json_response, read_body


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


async def _write(svc: Service, request: Request, type_: type, attr: str) -> Response:
    body = await read_body(request)
    authenticate(request, body, svc.identities, roles=LEDGER_WRITERS, clock=svc.clock)
    commands = getattr(decode(body, type_), attr)
    # The budget's ring fence holds whoever signs: its money moves only as the law's operations.
    fence = svc.journal.projection(ActivePolicy).current.rules.ring_fence
    refuse_raw_write(fence, commands, svc.journal.engine.transfer)
    results = await svc.committer.submit(list(commands))
    return json_response(ResultsResponse(results))


async def post_accounts(svc: Service, request: Request) -> Response:
    return await _write(svc, request, AccountsRequest, "accounts")


async def post_transfers(svc: Service, request: Request) -> Response:
    return await _write(svc, request, TransfersRequest, "transfers")


async def _signed_read(svc: Service, request: Request) -> Identity:
    return authenticate(request, await read_body(request), svc.identities, roles=LEDGER_READERS, clock=svc.clock)


def _account_id(request: Request) -> str:
    account_id = request.path_params["id"]
    if len(account_id) > ACCOUNT_ID_MAX_CHARS or not ACCOUNT_ID_RE.fullmatch(account_id):
        raise Refused(Kind.INVALID, "account_id_invalid", "account ids are lowercase seg:seg:... of at most 128")
    return account_id


async def get_account(svc: Service, request: Request) -> Response:
    identity = await _signed_read(svc, request)
    account_id = _account_id(request)
    account = svc.journal.read.account(account_id)
    if account is None or not may_read_account(identity, account_id, svc.journal.engine):
        raise Refused(Kind.NOT_FOUND, "account_not_found", "no such account")
    return json_response(AccountOut.of(account))


async def get_account_transfers(svc: Service, request: Request) -> Response:
    identity = await _signed_read(svc, request)
    engine = svc.journal.engine
    account_id = _account_id(request)
    after = request.query_params.get("after_seq")
    since_ns = int_param(request, "since_ns", default=0)
    until_ns = int_param(request, "until_ns", default=2**63 - 1)
    after_seq = None if after is None else int_param(request, "after_seq")
    limit = int_param(request, "limit", default=100, lo=1, hi=PAGE_MAX)
    if not may_read_account(identity, account_id, engine):  # refused where, and as, an unknown id is
        raise Refused(Kind.NOT_FOUND, "account_not_found", f"no account {account_id!r}")
    page = account_events(svc.journal, account_id, since_ns=since_ns, until_ns=until_ns,
                          code=request.query_params.get("code"), after_seq=after_seq, limit=limit,
                          visible=lambda e: may_read_movement(identity, e, engine))  # fmt: skip
    out = [TransferOut.of(e) for e in page.events if isinstance(e, TransferApplied)]
    return json_response(TransfersPage(out, page.next_after_seq))


def _committed_transfer(svc: Service, request: Request) -> TransferApplied:
    t = svc.journal.engine.transfer(request.path_params["id"])
    if t is None or t.seq >= svc.journal.size:  # not yet durable is not yet there
        raise Refused(Kind.NOT_FOUND, "transfer_not_found", "no such transfer")
    return t


async def get_transfer(svc: Service, request: Request) -> Response:
    identity = await _signed_read(svc, request)
    t = _committed_transfer(svc, request)
    if not may_read_transfer(identity, t, svc.journal.engine):
        raise Refused(Kind.NOT_FOUND, "transfer_not_found", "no such transfer")
    return json_response(TransferOut.of(t))


# --- public log data -----------------------------------------------------------------------
async def log_checkpoint(svc: Service, _request: Request) -> Response:
    note = cosigned_checkpoint(svc.journal)
    if note is None:
        raise Refused(Kind.NOT_FOUND, "checkpoint_not_found", "the log has no signed checkpoint yet")
    return PlainTextResponse(note, media_type="text/plain; charset=utf-8", headers={"Cache-Control": "no-store"})


async def log_key(svc: Service, _request: Request) -> Response:
    key = svc.journal.store.get_meta("log_verifier_key")  # set once per store: put_meta refuses a change
    if key is None:
        raise Refused(Kind.NOT_FOUND, "log_key_not_found", "the log has no key")
    return PlainTextResponse(key + "\n", media_type="text/plain; charset=utf-8")


async def log_entries(svc: Service, request: Request) -> Response:
    start = int_param(request, "start")
    end = int_param(request, "end")
    leaves = proofs.entries(svc.journal, start, end)
    return json_response(EntriesResponse(start, end, [_b64(x) for x in leaves]))


def _inclusion(p: proofs.InclusionProof) -> Response:
    return json_response(InclusionProofOut(p.index, p.size, _b64(p.leaf_hash), [_b64(h) for h in p.hashes],
                                           _b64(p.root)))  # fmt: skip


async def log_inclusion(svc: Service, request: Request) -> Response:
    size = int_param(request, "size", default=svc.journal.size)
    return _inclusion(proofs.inclusion(svc.journal, int_param(request, "index"), size))


async def transfer_proof(svc: Service, request: Request) -> Response:
    """Public: whoever holds a transfer's id (a contractor its payment's) proves it is in the log.
    A secret transfer's id is unknown here (the 404 of an unknown id): a cleared auditor reads its
    seq signed (`GET /v1/transfers/{id}`) and proves it by seq (`/v1/log/proof/inclusion`)."""
    t = _committed_transfer(svc, request)
    if transfer_level(t, svc.journal.engine) is envelope.Level.SECRET:
        raise Refused(Kind.NOT_FOUND, "transfer_not_found", "no such transfer")
    return _inclusion(proofs.inclusion(svc.journal, t.seq))


async def log_consistency(svc: Service, request: Request) -> Response:
    new = int_param(request, "new", default=svc.journal.size)
    c = proofs.consistency(svc.journal, int_param(request, "old"), new)
    return json_response(ConsistencyProofOut(c.old_size, c.new_size, [_b64(h) for h in c.hashes],
                                             _b64(c.old_root), _b64(c.new_root)))  # fmt: skip


async def log_openings(svc: Service, request: Request) -> Response:
    """The openings of [start, end) that the signer is cleared for; the rest `withheld`."""
    identity = authenticate(request, await read_body(request), svc.identities, roles=ANYONE, clock=svc.clock)
    start = int_param(request, "start")
    end = int_param(request, "end")
    leaves = proofs.entries(svc.journal, start, end)  # checks the range against the committed size
    out = []
    for k, (leaf, (salt, body)) in enumerate(zip(leaves, svc.journal.openings(start, end), strict=True)):
        level = envelope.parse(leaf).level
        if may_read_level(identity, level):
            out.append(OpeningOut(start + k, level.value, salt.hex(), _b64(body)))
        else:
            out.append(OpeningOut(start + k, level.value, withheld=True))
    return json_response(OpeningsResponse(start, end, out))


def ledger_routes(svc: Service) -> list[Route | Mount]:
    return [
        Route("/v1/accounts", partial(post_accounts, svc), methods=["POST"]),
        Route("/v1/transfers", partial(post_transfers, svc), methods=["POST"]),
        Route("/v1/accounts/{id}", partial(get_account, svc), methods=["GET"]),
        Route("/v1/accounts/{id}/transfers", partial(get_account_transfers, svc), methods=["GET"]),
        Route("/v1/transfers/{id}", partial(get_transfer, svc), methods=["GET"]),
        Route("/v1/transfers/{id}/proof", partial(transfer_proof, svc), methods=["GET"]),
        Route("/v1/log/checkpoint", partial(log_checkpoint, svc), methods=["GET"]),
        Route("/v1/log/key", partial(log_key, svc), methods=["GET"]),
        Route("/v1/log/entries", partial(log_entries, svc), methods=["GET"]),
        Route("/v1/log/openings", partial(log_openings, svc), methods=["GET"]),
        Route("/v1/log/proof/inclusion", partial(log_inclusion, svc), methods=["GET"]),
        Route("/v1/log/proof/consistency", partial(log_consistency, svc), methods=["GET"]),
        Mount("/tlog", routes=tlog_routes(lambda: svc.journal)),
    ]
