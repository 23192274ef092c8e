"""Request and response bodies of the approval, identity-key, policy and login endpoints."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec

from ramp.approvals.actions import Action, Reason
from ramp.approvals.model import MEMO_MAX_CHARS, REQUEST_ID_RE
from ramp.approvals.state import RequestState
from ramp.auth.passkeys import AssertionFields
from ramp.ledger import Result
from ramp.policy.identities import IDENTITY_ID_RE, Identity, b64

RequestId = Annotated[str, msgspec.Meta(pattern=f"^{REQUEST_ID_RE.pattern}$", max_length=48)]
IdentityId = Annotated[str, msgspec.Meta(pattern=f"^{IDENTITY_ID_RE.pattern}$", max_length=48)]
Signature = Annotated[str, msgspec.Meta(pattern=r"^[A-Za-z0-9+/]{86}==$")]  # base64 of 64 bytes
PublicKey = Annotated[str, msgspec.Meta(pattern=r"^[A-Za-z0-9+/]{43}=$")]


class CreateRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    id: RequestId  # the idempotency key; its records are request:<id>, request:<id>:d<n>, request:<id>:x
    action: Action
    memo: Annotated[str, msgspec.Meta(max_length=MEMO_MAX_CHARS)] = ""


class DecideRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Signed API: `signature`, the approver's Ed25519 signature over the statement of
    GET /v1/approvals/{id}. Web session: `passkey`, an assertion of one of the approver's
    registered passkeys whose challenge is SHA-256("ramp-passkey-approval-v1\\n" + the statement)."""

    signature: Signature | None = None
    passkey: AssertionFields | None = None


class DecisionOut(msgspec.Struct, frozen=True):
    n: int
    approver: str
    organisation: str
    decision: str
    via: str
    seq: int


class ExecutionOut(msgspec.Struct, frozen=True):
    seq: int
    approvals: list[int]
    approvers: list[str]


class QuorumOut(msgspec.Struct, frozen=True):
    approvals: int
    distinct_organisations: bool
    required_organisations: list[str]


class StatementsOut(msgspec.Struct, frozen=True):
    approve: str  # the exact text an approver signs (UTF-8), with {approver} left to fill in
    reject: str


class RequestOut(msgspec.Struct, frozen=True):
    id: str
    kind: str
    status: str  # open | executed | rejected | expired
    requester: str
    requester_organisation: str
    action: dict[str, Any]
    amount_yen: int
    accounts: list[str]
    policy: str
    quorum: QuorumOut
    created_ns: int
    expires_ns: int
    memo: str
    digest: str
    seq: int
    decisions: list[DecisionOut]
    approvals_counted: list[int]
    execution: ExecutionOut | None
    statements: StatementsOut

    @classmethod
    def of(cls, state: RequestState, status: str, counted: list[int]) -> RequestOut:
        b = state.body
        q = b["quorum"]
        assert isinstance(q, dict)
        decisions = [DecisionOut(d.n, d.approver, d.organisation, d.decision, str(r.body.get("via", "")), r.seq)
                     for d, r in zip(state.decisions, state.decision_records, strict=True)]  # fmt: skip
        execution = None
        if state.execution is not None:
            e = state.execution.body
            execution = ExecutionOut(state.execution.seq, list(e["approvals"]), list(e["approvers"]))  # type: ignore[call-overload]
        stmt = "ramp-approval-v1\n{decision}\n" + f"{state.id}\n{state.digest}\n" + "{approver}\n"
        return cls(
            state.id, state.kind, status, state.requester, str(b["requester_organisation"]), b["action"],  # type: ignore[arg-type]
            int(b["amount_yen"]), list(b["accounts"]), str(b["policy"]),  # type: ignore[call-overload]
            QuorumOut(int(q["approvals"]), bool(q["distinct_organisations"]), list(q["required_organisations"])),
            int(str(b["created_ns"])), state.expires_ns, str(b["memo"]), state.digest, state.record.seq,
            decisions, counted, execution,
            StatementsOut(stmt.replace("{decision}", "approve"), stmt.replace("{decision}", "reject")),
        )  # fmt: skip


class RequestsPage(msgspec.Struct, frozen=True):
    requests: list[RequestOut]
    next_after: int | None  # pass as ?after= for the next page


class ExecutionErrorOut(msgspec.Struct, frozen=True):
    code: str
    message: str


class DecideResponse(msgspec.Struct, frozen=True):
    request: RequestOut
    decision: int  # its number on the request
    counted: bool  # counts toward the quorum (not when an organisation already counted, ...)
    executed: bool  # the request executed with this decision
    execution_error: ExecutionErrorOut | None  # the quorum is met but the action could not run now
    results: list[Result]  # the engine's answer per command: decision, then execution chain


class ExecuteResponse(msgspec.Struct, frozen=True):
    request: RequestOut
    results: list[Result]


class ApprovalErrorBody(msgspec.Struct, frozen=True, omit_defaults=True):
    code: str
    message: str
    details: list[str] | None = None  # e.g. every reason a proposed policy does not validate


class ApprovalErrorResponse(msgspec.Struct, frozen=True):
    error: ApprovalErrorBody


class IdentityOut(msgspec.Struct, frozen=True):
    id: str
    organisation: str
    roles: list[str]
    public_key: str | None  # base64; null once revoked (until a new key is approved)
    revoked_keys: list[str]
    changes: int

    @classmethod
    def of(cls, i: Identity) -> IdentityOut:
        return cls(i.id, i.organisation, sorted(i.roles), None if i.public_key is None else b64(i.public_key),
                   sorted(b64(k) for k in i.revoked_keys), i.changes)  # fmt: skip


class RevokeRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    reason: Reason = ""


class RotateRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """`proof`: the new key's signature over `ramp-key-rotation-v1\\n<identity>\\n<public_key>\\n`."""

    public_key: PublicKey
    proof: Signature


class IdentityChangeResponse(msgspec.Struct, frozen=True):
    identity: IdentityOut
    result: Result


class PolicyOut(msgspec.Struct, frozen=True):
    digest: str
    changes: int  # executed policy changes since the default
    cedar: str
    rules: dict[str, Any]


class LoginRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    identity: Annotated[str, msgspec.Meta(min_length=1, max_length=48)]
    password: Annotated[str, msgspec.Meta(min_length=1, max_length=256)]
    totp: Annotated[str, msgspec.Meta(min_length=1, max_length=10)]


class SessionOut(msgspec.Struct, frozen=True):
    identity: str
    organisation: str
    roles: list[str]
    csrf_token: str  # send back as X-CSRF-Token on every state-changing request
    expires_s: int  # unix seconds, if unused (each request extends it, up to a working day)


class LogoutResponse(msgspec.Struct, frozen=True):
    logged_out: bool
