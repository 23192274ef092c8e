"""The approval desk: planners that make, decide and execute requests under the write lock.

Each call returns a `Plan`, a journal planner (engine -> commands) that records what it
decided in `outcome`. A refusal raises `Refused` from inside the planner, so nothing
is written. The decision that completes a quorum is written with the execution: the decision
record alone, then the execution record and the action's commands as one linked chain, in one
batch. If the action cannot execute at that moment (the budget's law refuses it now), the
decision is still recorded and the request can be executed later with `execute`.

Every decision is its decider's own signature: their Ed25519 key over the statement (the signed
API), or one of their registered passkeys asserting over it (the dashboard, and the API for a web
session). A web session alone vouches for nothing: there is no decision the service signs for
someone (`passkey_required`).
"""

from __future__ import annotations

import base64
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from nacl.exceptions import BadSignatureError
from nacl.signing import VerifyKey

from ramp.approvals import model as approval_model
from ramp.approvals.actions import (
    Action,
    Ctx,
    Facts,
    action_body,
    action_of,
    execution_chain,
    plan_action,
)
from ramp.approvals.quorum import Decision, counted, met
from ramp.approvals.state import RequestState, decision_of, load
from ramp.auth import passkeys
from ramp.ledger import AppendRecord, Command, LedgerEngine
from ramp.policy.active import ActivePolicy
from ramp.policy.engine import Policy, Resource
from ramp.policy.identities import Identity, IdentityRegistry, b64
from ramp.refusal import Kind, Refused

refuse = approval_model.refuse


@dataclass
class Outcome:
    request_id: str
    created: bool = False  # a new request record was planned
    decision: int | None = None  # the decision's number on the request
    counted: bool = False  # the decision counts toward the quorum
    executing: bool = False  # the execution chain was planned (its results say if it applied)
    execution_error: Refused | None = None
    approvals_counted: list[int] = field(default_factory=list)


class Plan:
    """One planner call; `outcome` is set once the journal ran it."""

    def __init__(self, request_id: str, fn: Callable[[LedgerEngine, Outcome], list[Command]]) -> None:
        self.outcome = Outcome(request_id)
        self._fn = fn

    def __call__(self, engine: LedgerEngine) -> list[Command]:
        self.outcome = Outcome(self.outcome.request_id)  # a rerun (recovery) starts afresh
        return self._fn(engine, self.outcome)


class Desk:
    def __init__(self, identities: IdentityRegistry, policy: ActivePolicy,
                 counters: passkeys.PasskeyCounters | None = None, *,
                 clock_ns: Callable[[], int] = time.time_ns) -> None:  # fmt: skip
        self.identities = identities
        self.policy = policy
        self.counters = counters  # None: this desk takes no passkey decisions (a demo's generator)
        self.clock_ns = clock_ns

    # --- helpers ---------------------------------------------------------------------------
    def _now(self, engine: LedgerEngine) -> int:
        return max(self.clock_ns(), engine.last_timestamp + 1)

    def _identity(self, engine: LedgerEngine, identity_id: str) -> Identity:
        identity = self.identities.live(engine, identity_id)
        if identity is None:
            raise refuse(Kind.FORBIDDEN, "identity_unknown", f"no identity {identity_id!r}")
        return identity

    def _ctx(self, engine: LedgerEngine, request_id: str, requester: str, at_ns: int) -> Ctx:
        policy, changes = self.policy.live(engine)
        return Ctx(engine, policy, changes, self.identities, request_id, requester, at_ns)

    def _state(self, engine: LedgerEngine, request_id: str, now_ns: int) -> RequestState:
        if not approval_model.REQUEST_ID_RE.fullmatch(request_id):
            raise refuse(Kind.INVALID, "request_id_invalid", f"request ids are {approval_model.REQUEST_ID_RE.pattern}")
        state = load(engine.record, request_id)
        if state is None:
            raise refuse(Kind.NOT_FOUND, "request_not_found", f"no request {request_id!r}")
        if state.execution is not None:
            raise refuse(Kind.CONFLICT, "request_executed", f"{request_id!r} was executed")
        if state.rejected:
            raise refuse(Kind.CONFLICT, "request_rejected", f"{request_id!r} was rejected")
        if now_ns + approval_model.EXPIRY_GUARD_NS >= state.expires_ns:
            raise refuse(Kind.CONFLICT, "request_expired", f"{request_id!r} expired")
        return state

    def _resource(self, engine: LedgerEngine, state: RequestState) -> Resource:
        requester = self.identities.live(engine, state.requester)
        if requester is None:  # pragma: no cover - identities are never removed
            raise refuse(Kind.CONFLICT, "identity_unknown", f"no identity {state.requester!r}")
        body = state.body
        return Resource(state.id, state.kind, int(body["amount_yen"]),  # type: ignore[call-overload]
                        tuple(body["accounts"]), requester)  # type: ignore[arg-type]

    def _valid(self, engine: LedgerEngine) -> Callable[[Decision], bool]:
        """An approval counts while its approver exists and the key that signed it is not revoked."""
        def valid(d: Decision) -> bool:
            identity = self.identities.live(engine, d.approver)
            return identity is not None and (not d.key or base64.b64decode(d.key) not in identity.revoked_keys)
        return valid

    def _execution(self, engine: LedgerEngine, state: RequestState, decisions: list[Decision], now_ns: int,
                   out: Outcome) -> list[Command]:  # fmt: skip
        """The execution chain when the quorum is met; [] (with `out` saying why) otherwise."""
        approvals = counted(state.rule, state.requester, decisions, self._valid(engine))
        out.approvals_counted = [d.n for d in approvals]
        if not met(state.rule, approvals):
            return []
        try:
            facts: Facts = plan_action(action_of(state.body["action"]), self._ctx(engine, state.id, state.requester,
                                                                                   now_ns))  # fmt: skip
        except Refused as exc:
            out.execution_error = exc
            return []
        execution = AppendRecord(id=approval_model.execution_record_id(state.id), type=approval_model.EXECUTED, body={
            "request": state.id, "kind": state.kind, "approvals": [d.n for d in approvals],
            "approvers": [d.approver for d in approvals], "executed_ns": str(now_ns),
        })  # fmt: skip
        out.executing = True
        return execution_chain(execution, facts.commands)

    # --- planners ----------------------------------------------------------------------------
    def create(self, requester_id: str, request_id: str, action: Action, memo: str = "") -> Plan:
        def planner(engine: LedgerEngine, out: Outcome) -> list[Command]:
            if not approval_model.REQUEST_ID_RE.fullmatch(request_id):
                raise refuse(Kind.INVALID, "request_id_invalid", f"request ids are {approval_model.REQUEST_ID_RE.pattern}")
            if len(memo) > approval_model.MEMO_MAX_CHARS:
                raise refuse(Kind.INVALID, "memo_invalid", f"a memo is at most {approval_model.MEMO_MAX_CHARS} characters")
            existing = load(engine.record, request_id)
            if existing is not None:
                if existing.requester == requester_id and existing.body["action"] == action_body(action):
                    return []  # a retry of the same request: answered with the request as it is
                raise refuse(Kind.CONFLICT, "request_exists", f"{request_id!r} is another request")
            now = self._now(engine)
            requester = self._identity(engine, requester_id)
            ctx = self._ctx(engine, request_id, requester_id, now)
            facts = plan_action(action, ctx)
            resource = Resource(request_id, facts.kind, facts.amount_yen, facts.accounts, requester)
            if not ctx.policy.allows(requester, "request", resource):
                raise refuse(Kind.FORBIDDEN, "not_permitted", f"the policy does not let {requester_id} request {facts.kind}")
            quorum = ctx.policy.quorum(facts.kind, facts.amount_yen)
            body: dict[str, object] = {
                "request": request_id, "kind": facts.kind, "action": action_body(action),
                "amount_yen": facts.amount_yen, "accounts": list(facts.accounts), "requester": requester_id,
                "requester_organisation": requester.organisation, "policy": ctx.policy.digest,
                "quorum": quorum.as_body(), "created_ns": str(now),
                "expires_ns": str(now + quorum.expires_s * 1_000_000_000), "memo": memo,
            }  # fmt: skip
            out.created = True
            return [AppendRecord(id=approval_model.request_record_id(request_id), type=approval_model.REQUESTED, body=body)]

        return Plan(request_id, planner)

    def decide(self, approver_id: str, request_id: str, decision: str, *, signature: bytes | None = None,
               passkey: passkeys.Assertion | None = None) -> Plan:  # fmt: skip
        """An approval or rejection: signed by the approver's key (`signature` over
        `model.statement`), or by one of the approver's registered passkeys (`passkey`: an
        assertion over `passkeys.approval_challenge(statement)`, its counter above the passkey's
        last use). With neither, refused (`passkey_required`)."""
        assert decision in ("approve", "reject")
        assert signature is None or passkey is None

        def planner(engine: LedgerEngine, out: Outcome) -> list[Command]:
            now = self._now(engine)
            state = self._state(engine, request_id, now)
            approver = self._identity(engine, approver_id)
            if approver_id == state.requester:
                raise refuse(Kind.FORBIDDEN, "self_approval", "the requester cannot decide their own request")
            if any(d.approver == approver_id for d in state.decisions):
                raise refuse(Kind.CONFLICT, "already_decided", f"{approver_id} decided on {request_id!r} already")
            n = len(state.decisions) + 1
            if n > approval_model.DECISIONS_MAX:
                raise refuse(Kind.CONFLICT, "decisions_exhausted", f"{request_id!r} has {approval_model.DECISIONS_MAX} decisions")
            policy: Policy = self.policy.live(engine)[0]
            if not policy.allows(approver, decision, self._resource(engine, state)):
                raise refuse(Kind.FORBIDDEN, "not_an_approver", f"the policy does not let {approver_id} {decision} "
                             f"a {state.kind} request")  # fmt: skip
            text = approval_model.statement(decision, request_id, state.digest, approver_id)
            if signature is not None:
                if approver.public_key is None:
                    raise refuse(Kind.FORBIDDEN, "key_revoked", f"the key of {approver_id} is revoked")
                try:
                    VerifyKey(approver.public_key).verify(text, signature)
                except (BadSignatureError, ValueError) as exc:
                    raise refuse(Kind.INVALID, "approval_signature_invalid",
                                 "the signature is not the approver's over the request's statement") from exc
                sig, key, via = signature, b64(approver.public_key), "signature"
            elif passkey is not None:
                passkeys.check_signature(engine.record, self.counters, approver_id, passkey, text)
                sig, key, via = passkey.signature, "", "passkey"
            else:
                raise refuse(Kind.FORBIDDEN, "passkey_required", "a decision is its decider's own signature: their key "
                             "(the signed API) or a passkey they registered (the web); add a passkey to decide in the web")  # fmt: skip
            record = AppendRecord(
                id=approval_model.decision_record_id(request_id, n), type=approval_model.APPROVED if decision == "approve" else approval_model.REJECTED,
                body={"request": request_id, "n": n, "approver": approver_id, "organisation": approver.organisation,
                      "digest": state.digest, "signature": b64(sig), "key": key, "via": via,
                      **({"second_factor": "passkey", "assertion": passkey.record_body()} if passkey is not None else {})},
            )  # fmt: skip
            out.decision = n
            if decision == "reject":
                return [record]
            new = decision_of(record)
            execution = self._execution(engine, state, [*state.decisions, new], now, out)
            out.counted = n in out.approvals_counted
            return [record, *execution]

        return Plan(request_id, planner)

    def execute(self, actor_id: str, request_id: str) -> Plan:
        """Execute an approved request whose execution the state refused earlier."""

        def planner(engine: LedgerEngine, out: Outcome) -> list[Command]:
            now = self._now(engine)
            state = self._state(engine, request_id, now)
            actor = self._identity(engine, actor_id)
            involved = actor_id == state.requester or any(d.approver == actor_id for d in state.decisions)
            if not (involved or actor.has_role("admin")):
                raise refuse(Kind.FORBIDDEN, "not_involved", "only the requester, a decider or an admin executes a request")
            commands = self._execution(engine, state, list(state.decisions), now, out)
            if out.execution_error is not None:
                raise out.execution_error
            if not commands:
                raise refuse(Kind.CONFLICT, "quorum_not_reached", f"{request_id!r} has {len(out.approvals_counted)} of "
                             f"{state.rule.approvals} approvals that count")  # fmt: skip
            return commands

        return Plan(request_id, planner)
