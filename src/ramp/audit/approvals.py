"""The approval checks of `ramp verify`: fed every event in log order, it keeps the identities,
the policy and the requests as they were at each point, and fails on the first approval whose
signature does not verify against the key valid at that point, or the first execution that did
not have its quorum.

For each request: its quorum and policy are the ones in force when it was made. For each
decision: the request exists, the decider is not the requester and the policy let them decide,
it names the request's digest, it precedes expiry, and its signature verifies (the decider's
current, unrevoked key; or, for a passkey, the assertion verifies against one of the decider's
registered passkeys over the challenge the statement gives). A decision the service vouched
for (`via: session`, from before web decisions were the person's own) is refused: it is no one's
signature. Every milestone attestation (`contract.attested`) is held to the same: the
attester's key or passkey over the attestation statement with the digest it names. Every use of
a passkey (registration, sign-in, decision, attestation) must show its authenticator's signature
counter grown since the last (or 0 throughout): a counter that goes back is a copied key.
For each execution: the request
is neither rejected nor expired nor executed before, and the approvals it names are exactly
those that count (quorum.counted) and they meet the quorum. A frozen flag changes only in the
linked chain of an executed freeze or unfreeze request of that account.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field

from nacl.exceptions import BadSignatureError
from nacl.signing import VerifyKey

from ramp.approvals import model as approval_model
from ramp.approvals.actions import action_of
from ramp.approvals.quorum import Decision, QuorumRule, counted, met
from ramp.approvals.state import decision_of
from ramp.auth import passkeys
from ramp.auth.passkeys import CounterWatch
from ramp.contracts import desk as contract_desk
from ramp.contracts import state as contract_state
from ramp.ledger.events import AccountFlagsChanged, Event, RecordAppended
from ramp.policy import identities as identity_records
from ramp.policy.active import POLICY_CHANGED
from ramp.policy.active import fold as fold_policy
from ramp.policy.engine import Policy, Resource, default_policy


class ApprovalInvalid(Exception):
    def __init__(self, seq: int, reason: str) -> None:
        super().__init__(f"entry {seq}: {reason}")
        self.seq = seq
        self.reason = reason


@dataclass
class _Request:
    record: RecordAppended
    decisions: list[Decision] = field(default_factory=list)
    executed: bool = False

    @property
    def body(self) -> dict[str, object]:
        return self.record.body


@dataclass
class ApprovalAudit:
    identities: dict[str, identity_records.Identity] = field(default_factory=dict)
    policy: Policy = field(default_factory=default_policy)
    policy_changes: int = 0
    requests: dict[str, _Request] = field(default_factory=dict)
    passkeys: dict[str, list[passkeys.Passkey]] = field(default_factory=dict)  # identity -> registered
    decisions_checked: int = 0
    passkey_assertions_checked: int = 0
    attestations_checked: int = 0
    counters: CounterWatch = field(default_factory=CounterWatch)
    executions_checked: int = 0
    _last_execution: tuple[int, str, str] | None = None  # (seq, kind, account) of a freeze/unfreeze

    def feed(self, event: Event) -> None:
        if type(event) is AccountFlagsChanged:
            self._flags(event)
        if type(event) is not RecordAppended:
            return
        t = event.type
        use = passkeys.use_of(event)
        if use is not None and not self.counters.observe(*use):
            raise self._fail(event, f"{event.id}: a passkey's signature counter ({use[1]}) did not grow since its last use "
                             f"({self.counters.last.get(use[0])}): a copied authenticator")  # fmt: skip
        if t.startswith("identity."):
            identity_id = identity_records.identity_of_record(event.id)
            if identity_id is not None:
                folded = identity_records.fold(self.identities.get(identity_id), event)
                if folded is not None:
                    self.identities[identity_id] = folded
        elif t == passkeys.PASSKEY_ADDED:
            self._passkey_added(event)
        elif t == POLICY_CHANGED:
            self.policy, changes = fold_policy(self.policy, self.policy_changes, event)
            if changes == self.policy_changes:
                raise ApprovalInvalid(event.seq, f"policy record {event.id} is not the next valid policy")
            self.policy_changes = changes
        elif t == approval_model.REQUESTED:
            self._requested(event)
        elif t in approval_model.DECISION_TYPES:
            self._decided(event)
        elif t == approval_model.EXECUTED:
            self._executed(event)
        elif t == contract_state.ATTESTED:
            self._attested(event)

    def _fail(self, event: Event, reason: str) -> ApprovalInvalid:
        return ApprovalInvalid(event.seq, reason)

    def _requested(self, e: RecordAppended) -> None:
        b = e.body
        rid = str(b.get("request"))
        if e.id != approval_model.request_record_id(rid) or rid in self.requests:
            raise self._fail(e, f"request record {e.id} does not name its request")
        requester = self.identities.get(str(b.get("requester")))
        if requester is None:
            raise self._fail(e, f"request {rid!r} by an unknown identity")
        if b.get("policy") != self.policy.digest:
            raise self._fail(e, f"request {rid!r} names policy {b.get('policy')}, not the one in force")
        kind, amount = str(b.get("kind")), b.get("amount_yen")
        if kind not in self.policy.rules.kinds or type(amount) is not int:
            raise self._fail(e, f"request {rid!r} has no valid kind and amount")
        quorum = self.policy.quorum(kind, amount)
        if b.get("quorum") != quorum.as_body():
            raise self._fail(e, f"request {rid!r} records a quorum other than the policy's")
        if int(str(b["expires_ns"])) - int(str(b["created_ns"])) != quorum.expires_s * 1_000_000_000:
            raise self._fail(e, f"request {rid!r} expires other than the policy says")
        self.requests[rid] = _Request(e)

    def _decided(self, e: RecordAppended) -> None:
        b = e.body
        rid = str(b.get("request"))
        req = self.requests.get(rid)
        n = len(req.decisions) + 1 if req is not None else 0
        if req is None or e.id != approval_model.decision_record_id(rid, n) or b.get("n") != n:
            raise self._fail(e, f"decision {e.id} is not the next decision of a known request")
        if req.executed or any(d.decision == "reject" for d in req.decisions):
            raise self._fail(e, f"decision on request {rid!r} after it was closed")
        if int(e.timestamp) >= int(str(req.body["expires_ns"])):
            raise self._fail(e, f"decision on request {rid!r} after it expired")
        d = decision_of(e)
        approver = self.identities.get(d.approver)
        if approver is None or approver.organisation != d.organisation:
            raise self._fail(e, f"decision by {d.approver!r}, not an identity of {d.organisation!r}")
        if d.approver == req.body["requester"] or any(x.approver == d.approver for x in req.decisions):
            raise self._fail(e, f"{d.approver} decided on request {rid!r} as its requester or twice")
        digest = approval_model.request_digest(req.body)
        if b.get("digest") != digest:
            raise self._fail(e, f"decision signs digest {b.get('digest')}, request {rid!r} has {digest}")
        requester = self.identities.get(str(req.body["requester"]))
        assert requester is not None
        resource = Resource(rid, str(req.body["kind"]), int(req.body["amount_yen"]),  # type: ignore[call-overload]
                            tuple(req.body["accounts"]), requester)  # type: ignore[arg-type]
        if not self.policy.allows(approver, d.decision, resource):
            raise self._fail(e, f"the policy in force did not let {d.approver} {d.decision} request {rid!r}")
        self._check_signature(e, d, approver, approval_model.statement(d.decision, rid, digest, d.approver))
        req.decisions.append(d)
        self.decisions_checked += 1

    def _passkey_added(self, e: RecordAppended) -> None:
        passkey = passkeys.Passkey.of_record(e)
        mine = [] if passkey is None else self.passkeys.get(passkey.identity, [])
        if (passkey is None or passkey.identity not in self.identities or passkey.n != len(mine) + 1
                or e.id != passkeys.record_id(passkey.identity, passkey.n)):  # fmt: skip
            raise self._fail(e, f"passkey record {e.id} is not the next passkey of a known identity")
        self.passkeys[passkey.identity] = [*mine, passkey]

    def _check_passkey(self, e: RecordAppended, signer: str, key: str, text: bytes, signature: bytes, what: str) -> None:
        body = e.body.get("assertion")
        try:
            if key or not isinstance(body, dict):
                raise passkeys.PasskeyInvalid("passkey_invalid", "no assertion")
            assertion = passkeys.Assertion.of_json({**body, "signature": passkeys.b64url(signature)})
            passkey = next((p for p in self.passkeys.get(signer, []) if p.credential_id == assertion.credential_id), None)
            if passkey is None:
                raise passkeys.PasskeyInvalid("passkey_unknown", "not a passkey they registered")
            passkeys.verify_assertion(passkey, assertion, passkeys.approval_challenge(text))
        except passkeys.PasskeyInvalid as exc:
            raise self._fail(e, f"passkey {what} by {signer} does not verify: {exc}") from exc
        self.passkey_assertions_checked += 1

    def _check_signature(self, e: RecordAppended, d: Decision, approver: identity_records.Identity, text: bytes) -> None:
        self._signed_by(e, d.approver, approver, d.key, text, "decision")

    def _signed_by(self, e: RecordAppended, signer: str, identity: identity_records.Identity, key: str, text: bytes,
                   what: str) -> None:  # fmt: skip
        """`e` carries `signer`'s own signature over `text`: their key valid then, or their passkey."""
        try:
            signature = base64.b64decode(str(e.body.get("signature")), validate=True)
        except ValueError as exc:
            raise self._fail(e, f"the {what}'s signature is not base64") from exc
        via = e.body.get("via")
        if via == "passkey":
            self._check_passkey(e, signer, key, text, signature, what)
            return
        if via != "signature" or identity.public_key is None or key != identity_records.b64(identity.public_key):
            raise self._fail(e, f"{what} by {signer} (via {via}) names a key that was not theirs (or revoked) then: "
                             "only the person's own key or passkey signs")  # fmt: skip
        try:
            VerifyKey(identity.public_key).verify(text, signature)
        except (BadSignatureError, ValueError) as exc:
            raise self._fail(e, f"the signature of {signer}'s {what} does not verify") from exc

    def _attested(self, e: RecordAppended) -> None:
        """A milestone attestation: the attester's own signature over the statement it names."""
        b = e.body
        attester = str(b.get("identity"))
        identity = self.identities.get(attester)
        if identity is None or identity.organisation != b.get("organisation"):
            raise self._fail(e, f"attestation {e.id} by {attester!r}, not an identity of {b.get('organisation')!r}")
        text = contract_desk.statement(str(b.get("contract")), str(b.get("milestone")), str(b.get("slot")),
                                       str(b.get("digest")), attester)  # fmt: skip
        self._signed_by(e, attester, identity, str(b.get("key", "")), text, "attestation")
        self.attestations_checked += 1

    def _executed(self, e: RecordAppended) -> None:
        rid = str(e.body.get("request"))
        req = self.requests.get(rid)
        if req is None or e.id != approval_model.execution_record_id(rid) or req.executed:
            raise self._fail(e, f"execution {e.id} of an unknown or already executed request")
        if any(d.decision == "reject" for d in req.decisions):
            raise self._fail(e, f"request {rid!r} executed after a rejection")
        if int(e.timestamp) >= int(str(req.body["expires_ns"])):
            raise self._fail(e, f"request {rid!r} executed after it expired")
        rule = QuorumRule.of(req.body["quorum"])

        def valid(d: Decision) -> bool:
            identity = self.identities.get(d.approver)
            return identity is not None and (not d.key or base64.b64decode(d.key) not in identity.revoked_keys)

        approvals = counted(rule, str(req.body["requester"]), req.decisions, valid)
        if not met(rule, approvals):
            raise self._fail(e, f"request {rid!r} executed without its quorum ({len(approvals)} of {rule.approvals} "
                             f"approvals that count, {list(rule.required_organisations)} required)")  # fmt: skip
        if e.body.get("approvals") != [d.n for d in approvals]:
            raise self._fail(e, f"execution of {rid!r} names approvals other than those that count")
        req.executed = True
        self.executions_checked += 1
        if req.body["kind"] in ("freeze", "unfreeze"):
            account = str(action_of(req.body["action"]).account)  # type: ignore[union-attr]
            self._last_execution = (e.seq, str(req.body["kind"]), account)

    def _flags(self, e: AccountFlagsChanged) -> None:
        if "frozen" not in e.set and "frozen" not in e.clear:
            return
        last = self._last_execution
        kind = "freeze" if "frozen" in e.set else "unfreeze"
        if last is None or last[0] != e.seq - 1 or last[1] != kind or last[2] != e.account:
            done = "frozen" if kind == "freeze" else "unfrozen"
            raise self._fail(e, f"{e.account} was {done} without an executed {kind} request")
