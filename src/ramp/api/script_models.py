"""Request and response bodies of `POST /v1/scripts` (a Numscript run on the ledger)."""

from __future__ import annotations

from typing import Annotated

import msgspec

from ramp.ledger import Result
from ramp.ledger.model import CODE_RE, RECORD_BODY_MAX_BYTES, TRANSFER_ID_RE
from ramp.numscript.runs import DEFAULT_CODE, SCRIPT_ID_MAX_CHARS, RunOutcome

# Bounds the decoder enforces; the exact limit (script + vars within one record) is checked
# after decoding, with its own error code.
ScriptId = Annotated[
    str, msgspec.Meta(min_length=1, max_length=SCRIPT_ID_MAX_CHARS, pattern=f"^{TRANSFER_ID_RE.pattern}$")
]
ScriptText = Annotated[str, msgspec.Meta(max_length=RECORD_BODY_MAX_BYTES)]
TransferCode = Annotated[str, msgspec.Meta(pattern=f"^{CODE_RE.pattern}$")]


class ScriptRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    id: ScriptId  # the idempotency key; the run's transfers are `<id>:0`, `<id>:1`, ...
    script: ScriptText
    vars: dict[str, str] = {}  # values as Numscript text: "JPYD 100", "users:001", "1/3"
    code: TransferCode = DEFAULT_CODE  # the transfers' movement type, e.g. ALLOT


class PostingOut(msgspec.Struct, frozen=True):
    transfer_id: str
    source: str
    destination: str
    amount: int
    asset: str
    result: str  # ok, or exists for a replay
    seq: int


class ScriptRunResponse(msgspec.Struct, frozen=True):
    id: str
    record: Result
    postings: list[PostingOut]
    tx_meta: dict[str, str]
    account_meta: dict[str, dict[str, str]]
    replayed: bool  # true when the id was run before with the same script, vars and code
    results: list[Result]  # one per event of the run, in order: the record, then each posting

    @classmethod
    def of(cls, o: RunOutcome) -> ScriptRunResponse:
        postings = [
            PostingOut(p.transfer_id, p.source, p.destination, p.amount, p.asset, p.result, p.seq)
            for p in o.postings
        ]
        account_meta = {account: dict(meta) for account, meta in o.account_meta.items()}
        return cls(o.run_id, o.record, postings, dict(o.tx_meta), account_meta, o.replayed, list(o.results))


class ScriptErrorBody(msgspec.Struct, frozen=True, omit_defaults=True):
    code: str
    message: str
    numscript_code: str | None = None  # the interpreter's own code (syntax_error, missing_funds, ...)
    line: int | None = None  # where in the script, 1-based
    column: int | None = None
    results: list[Result] | None = None  # the engine's answer when it refused the chain


class ScriptErrorResponse(msgspec.Struct, frozen=True):
    error: ScriptErrorBody
