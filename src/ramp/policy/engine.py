"""Policy as data: Cedar policies say who may request, approve and reject which approval
requests (by kind, amount, accounts, organisation, role); a rules table says how many must
approve, from which organisations, within what time.

A `Policy` is the pair (Cedar text, rules), validated against the schema shipped beside the
default policy before it is ever used. Its digest names it in every request made under it.
Evaluation is Cedar's (through `cedarpy`): default deny, any `forbid` wins.
"""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass
from importlib import resources
from typing import Annotated, Final

import cedarpy
import msgspec

from ramp.policy.identities import Identity, organisation_valid
from ramp.policy.ring_fence import DEFAULT_FENCE, RingFence, check_fence

# --- limits ------------------------------------------------------------------------------
POLICY_MAX_BYTES: Final = 6 * 1024  # text + rules travel in one approval request record (8 KiB)
APPROVERS_MAX: Final = 8  # M of N: the most approvals a rule may ask for
EXPIRY_MIN_S: Final = 60
EXPIRY_MAX_S: Final = 90 * 86_400  # a quarter: past that a decision is stale, ask again
ACTIONS: Final = ("request", "approve", "reject")
# Every kind of approval request; a rules table must say how each is decided.
KINDS: Final = ("ryuyo", "iyo", "carry_over", "reserve_release", "obligation", "freeze", "unfreeze",
                "policy_change", "identity_change", "change_order", "contract_hold", "contract_release")  # fmt: skip


class PolicyInvalid(ValueError):
    """A policy that may not be used; `errors` says every reason found."""

    def __init__(self, code: str, errors: list[str]) -> None:
        super().__init__(f"{code}: " + "; ".join(errors))
        self.code = code
        self.errors = errors


class Escalation(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    above_yen: Annotated[int, msgspec.Meta(ge=1)]
    approvals: Annotated[int, msgspec.Meta(ge=1, le=APPROVERS_MAX)]


class KindRule(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    approvals: Annotated[int, msgspec.Meta(ge=1, le=APPROVERS_MAX)]
    distinct_organisations: bool
    required_organisations: Annotated[tuple[str, ...], msgspec.Meta(max_length=APPROVERS_MAX)]
    expires_s: Annotated[int, msgspec.Meta(ge=EXPIRY_MIN_S, le=EXPIRY_MAX_S)]
    escalations: Annotated[tuple[Escalation, ...], msgspec.Meta(max_length=4)] = ()


class Rules(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    obligation_threshold_yen: Annotated[int, msgspec.Meta(ge=1)]  # obligations above it need a request
    kinds: dict[str, KindRule]
    ring_fence: RingFence = DEFAULT_FENCE  # where raw ledger writes are refused (ramp.policy.ring_fence)


@dataclass(frozen=True, slots=True)
class Quorum:
    """What one request needs, fixed when it is made (recorded in its record)."""

    approvals: int
    distinct_organisations: bool
    required_organisations: tuple[str, ...]
    expires_s: int

    def as_body(self) -> dict[str, object]:
        return {"approvals": self.approvals, "distinct_organisations": self.distinct_organisations,
                "required_organisations": list(self.required_organisations)}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Resource:
    """The request as policies see it."""

    id: str
    kind: str
    amount_yen: int
    accounts: tuple[str, ...]
    requester: Identity


@functools.cache
def schema_text() -> str:
    return (resources.files("ramp.policy") / "default" / "schema.cedarschema").read_text(encoding="utf-8")


@functools.cache
def _schema() -> cedarpy.Schema:
    return cedarpy.Schema.from_str(schema_text())


def _check_rules(rules: Rules) -> list[str]:
    errors = []
    missing = sorted(set(KINDS) - set(rules.kinds))
    unknown = sorted(set(rules.kinds) - set(KINDS))
    if missing:
        errors.append(f"rules: no rule for {', '.join(missing)}")
    if unknown:
        errors.append(f"rules: unknown kinds {', '.join(unknown)}")
    for kind, rule in sorted(rules.kinds.items()):
        bad = [o for o in rule.required_organisations if not organisation_valid(o)]
        if bad:
            errors.append(f"rules.{kind}: unknown organisations {bad}")
        if len(set(rule.required_organisations)) != len(rule.required_organisations):
            errors.append(f"rules.{kind}: an organisation is required twice")
        for m in (rule.approvals, *(e.approvals for e in rule.escalations)):
            if len(rule.required_organisations) > m:
                errors.append(f"rules.{kind}: {len(rule.required_organisations)} organisations required "
                              f"but only {m} approvals")  # fmt: skip
        bounds = [e.above_yen for e in rule.escalations]
        if bounds != sorted(set(bounds)):
            errors.append(f"rules.{kind}: escalations must be in increasing above_yen")
    return errors + check_fence(rules.ring_fence)


def parse_rules(data: bytes | str | dict) -> Rules:
    try:
        if isinstance(data, dict):
            return msgspec.convert(data, Rules)
        return msgspec.json.decode(data, type=Rules)
    except (msgspec.ValidationError, msgspec.DecodeError) as exc:
        raise PolicyInvalid("policy_rules_invalid", [f"rules: {exc}"]) from exc


def validate(cedar: str, rules: Rules) -> list[str]:
    """Every reason this (text, rules) pair may not be used; empty when it may."""
    errors = []
    size = len(cedar.encode()) + len(msgspec.json.encode(rules))
    if size > POLICY_MAX_BYTES:
        errors.append(f"policy is {size} bytes; at most {POLICY_MAX_BYTES}")
    try:
        result = cedarpy.validate_policies(cedar, _schema())
    except ValueError as exc:  # pragma: no cover - cedarpy reports parse errors as results
        errors.append(f"cedar: {exc}")
    else:
        errors += [f"cedar: {e}" for e in result.errors]
    return errors + _check_rules(rules)


def digest_of(cedar: str, rules: Rules) -> str:
    """sha256 over the canonical JSON of {cedar, rules}: what requests name as their policy."""
    canonical = msgspec.json.encode({"cedar": cedar, "rules": msgspec.to_builtins(rules)}, order="sorted")
    return "sha256:" + hashlib.sha256(canonical).hexdigest()


class Policy:
    """A validated policy: decides and sizes approval requests."""

    def __init__(self, cedar: str, rules: Rules) -> None:
        errors = validate(cedar, rules)
        if errors:
            raise PolicyInvalid("policy_invalid", errors)
        self.cedar = cedar
        self.rules = rules
        self.digest = digest_of(cedar, rules)
        self._set = cedarpy.PolicySet.from_str(cedar)

    def allows(self, principal: Identity, action: str, resource: Resource) -> bool:
        assert action in ACTIONS, action
        entities = {principal.id: _entity(principal), resource.requester.id: _entity(resource.requester)}
        request_entity = {
            "uid": {"type": "Request", "id": resource.id},
            "attrs": {"kind": resource.kind, "amount_yen": resource.amount_yen, "accounts": list(resource.accounts),
                      "requester": {"__entity": {"type": "Identity", "id": resource.requester.id}},
                      "requester_organisation": resource.requester.organisation},
            "parents": [],
        }  # fmt: skip
        result = cedarpy.is_authorized(
            {"principal": {"type": "Identity", "id": principal.id}, "action": {"type": "Action", "id": action},
             "resource": {"type": "Request", "id": resource.id}, "context": {}},
            self._set, [*entities.values(), request_entity], _schema(),
        )  # fmt: skip
        return result.allowed

    def quorum(self, kind: str, amount_yen: int) -> Quorum:
        rule = self.rules.kinds[kind]
        approvals = rule.approvals
        for e in rule.escalations:
            if amount_yen > e.above_yen:
                approvals = e.approvals
        return Quorum(approvals, rule.distinct_organisations, rule.required_organisations, rule.expires_s)

    def as_body(self) -> dict[str, object]:
        return {"cedar": self.cedar, "rules": msgspec.json.decode(msgspec.json.encode(self.rules))}


def _entity(identity: Identity) -> dict[str, object]:
    return {"uid": {"type": "Identity", "id": identity.id},
            "attrs": {"organisation": identity.organisation, "roles": sorted(identity.roles)}, "parents": []}  # fmt: skip


@functools.cache
def default_policy() -> Policy:
    base = resources.files("ramp.policy") / "default"
    cedar = (base / "policy.cedar").read_text(encoding="utf-8")
    return Policy(cedar, parse_rules((base / "rules.json").read_bytes()))


def policy_from_body(body: dict[str, object]) -> Policy:
    """A policy carried in a record body (`{"cedar": ..., "rules": {...}}`)."""
    cedar = body.get("cedar")
    rules = body.get("rules")
    if type(cedar) is not str or type(rules) is not dict:
        raise PolicyInvalid("policy_invalid", ["a policy is {cedar: text, rules: object}"])
    return Policy(cedar, parse_rules(rules))


def rules_json(rules: Rules) -> str:
    return json.dumps(msgspec.to_builtins(rules), indent=2, sort_keys=True)
