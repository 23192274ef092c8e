"""Identities: who acts, for which organisation, with which roles and which Ed25519 key.

Identities live in the journal as `identity.*` records; `IdentityRegistry` is the projection
that folds them. A key is trusted from the record that adds it until a later record rotates it
(a new key replaces it) or revokes it (the identity then holds no key until one is rotated in
by an approved request). From the revocation's record on, the old key verifies nothing.
"""

from __future__ import annotations

import base64
import re
import threading
from dataclasses import dataclass, replace
from typing import Final

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from ramp.ledger import AppendRecord
from ramp.ledger.events import Event, RecordAppended

IDENTITY_ID_RE: Final = re.compile(r"[a-z0-9][a-z0-9_.-]{0,47}")  # fits a 64-char record id
ORGANISATION_RE: Final = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")  # room for contractor-<vendor id>
# An identity changes at most this often (rotations, revocations, role changes): the change
# records are numbered `identity:<id>:e<n>`, which keeps their ids within 64 characters.
IDENTITY_CHANGES_MAX: Final = 99
REASON_MAX_CHARS: Final = 256

# The organisations of the division of powers (see docs/approvals.md). Contractors are
# `contractor-<name>`; the public is one organisation, `public`.
ORGANISATIONS: Final[dict[str, str]] = {
    "mod": "Ministry of Defense (Minister's Secretariat)",
    "mod-feb": "MoD Finance and Equipment Bureau (budget and accounts)",
    "mod-dpb": "MoD Defense Policy Bureau",
    "mod-dbpb": "MoD Defense Buildup Planning Bureau",
    "gsdf": "Ground Self-Defense Force",
    "msdf": "Maritime Self-Defense Force",
    "asdf": "Air Self-Defense Force",
    "joint-staff": "Joint Staff",
    "atla": "Acquisition, Technology & Logistics Agency",
    "mof": "Ministry of Finance (Budget Bureau)",
    "mofa": "Ministry of Foreign Affairs",
    "cabinet": "the Cabinet (reserve-fund decisions)",
    "boa": "Board of Audit of Japan",
    "public": "the public",
}
CONTRACTOR_PREFIX: Final = "contractor-"

# Roles the service knows; each grants one kind of action, and no role implies another.
ROLES: Final = frozenset({
    "admin",            # operates the system: identities, keys, policy; no budget power
    "ledger_writer",    # open accounts, post transfers
    "ledger_reader",    # read accounts and transfers
    "auditor",          # read everything, export and verify
    "finance_officer", "contracting_officer", "inspector", "mof_examiner", "contractor",  # domain roles
    "treasury_officer",    # records the Diet's acts, issues money, releases the reserve, closes years
    "certifying_officer",  # 支出負担行為担当官: obligates contracts
    "disbursing_officer",  # 支出官: pays from obligated money
    "cabinet_officer",     # records the Cabinet's decisions (予備費使用)
    "security_officer",    # revokes keys at once; proposes identity changes
    "analytics",           # software: may propose (a contract hold or release), never decide
    "supply_party",        # captures EPCIS events of procured parts (manufacturer, depot, unit)
    "mining_operator", "regulator",  # files mining reports; reads filings and flags
})  # fmt: skip
# What `ramp init` gives the first identity: it runs the system (identities, keys, the policy,
# raw ledger accounts outside the budget's ring fence) and holds no budget role.
SYSTEM_ROLES: Final = ("admin", "ledger_reader", "ledger_writer")


class IdentityError(ValueError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True, slots=True)
class Identity:
    id: str
    organisation: str
    roles: frozenset[str]
    public_key: bytes | None  # raw 32-byte Ed25519 key; None once revoked and not yet replaced
    seq: int  # the record that added it
    changes: int = 0  # change records folded so far (the next is `identity:<id>:e<changes+1>`)
    revoked_keys: frozenset[bytes] = frozenset()

    def has_role(self, *roles: str) -> bool:
        """Holds one of `roles` itself (admin is a role like the others, not all of them)."""
        return any(r in self.roles for r in roles)


def organisation_valid(organisation: str) -> bool:
    if not ORGANISATION_RE.fullmatch(organisation):
        return False
    return organisation in ORGANISATIONS or (
        organisation.startswith(CONTRACTOR_PREFIX) and len(organisation) > len(CONTRACTOR_PREFIX)
    )


def _check_roles(roles: list[str]) -> None:
    unknown = set(roles) - ROLES
    if not roles or unknown:
        raise IdentityError("roles_invalid", f"unknown roles {sorted(unknown)}" if unknown else "no roles")


def check_public_key(public_key: bytes) -> None:
    if len(public_key) != 32:
        raise IdentityError("key_invalid", "an Ed25519 public key is 32 bytes")
    try:
        Ed25519PublicKey.from_public_bytes(public_key)
    except ValueError as exc:
        raise IdentityError("key_invalid", str(exc)) from exc


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def identity_added(identity_id: str, organisation: str, roles: list[str], public_key: bytes) -> AppendRecord:
    """The record that adds an identity; checked here so a bad one never reaches the log."""
    if not IDENTITY_ID_RE.fullmatch(identity_id):
        raise IdentityError("identity_invalid", f"identity id {identity_id!r} is not [a-z0-9][a-z0-9_.-]{{0,47}}")
    if not organisation_valid(organisation):
        raise IdentityError("organisation_invalid", f"organisation {organisation!r} is not one of "
                            f"{', '.join(ORGANISATIONS)} or contractor-<name>")  # fmt: skip
    _check_roles(roles)
    check_public_key(public_key)
    return AppendRecord(
        id=f"identity:{identity_id}",
        type="identity.added",
        body={"identity": identity_id, "organisation": organisation, "roles": sorted(set(roles)),
              "public_key": b64(public_key)},
    )  # fmt: skip


def _change(identity: Identity, type_: str, body: dict[str, object]) -> AppendRecord:
    n = identity.changes + 1
    if n > IDENTITY_CHANGES_MAX:
        raise IdentityError("identity_changes_exhausted", f"{identity.id} has changed {IDENTITY_CHANGES_MAX} times")
    return AppendRecord(id=f"identity:{identity.id}:e{n}", type=type_, body={"identity": identity.id, "n": n, **body})


def key_rotated(identity: Identity, public_key: bytes, by: str) -> AppendRecord:
    """A new key replaces the current one (or restores one after a revocation)."""
    check_public_key(public_key)
    if public_key == identity.public_key or public_key in identity.revoked_keys:
        raise IdentityError("key_reused", "the new key must be a key this identity never had revoked or holds now")
    return _change(identity, "identity.key_rotated", {"public_key": b64(public_key), "by": by})


def key_revoked(identity: Identity, reason: str, by: str) -> AppendRecord:
    """The current key verifies nothing from this record on."""
    if identity.public_key is None:
        raise IdentityError("key_already_revoked", f"{identity.id} holds no key")
    if len(reason) > REASON_MAX_CHARS:
        raise IdentityError("reason_invalid", f"a reason is at most {REASON_MAX_CHARS} characters")
    return _change(identity, "identity.key_revoked",
                   {"public_key": b64(identity.public_key), "reason": reason, "by": by})  # fmt: skip


def roles_changed(identity: Identity, roles: list[str], by: str) -> AppendRecord:
    _check_roles(roles)
    return _change(identity, "identity.roles_changed", {"roles": sorted(set(roles)), "by": by})


def fold(identity: Identity | None, record: RecordAppended) -> Identity | None:
    """`identity` after one `identity.*` record (the same rules for the projection, the live
    view of a planner and the offline verifier)."""
    body, type_ = record.body, record.type
    if type_ == "identity.added":
        if identity is not None:
            return identity  # the first record wins
        return Identity(id=str(body["identity"]), organisation=str(body["organisation"]),
                        roles=frozenset(body["roles"]),  # type: ignore[arg-type]
                        public_key=base64.b64decode(str(body["public_key"])), seq=record.seq)  # fmt: skip
    if identity is None or body.get("n") != identity.changes + 1:
        return identity
    identity = replace(identity, changes=identity.changes + 1)
    if type_ == "identity.key_rotated":
        return replace(identity, public_key=base64.b64decode(str(body["public_key"])))
    if type_ == "identity.key_revoked":
        revoked = base64.b64decode(str(body["public_key"]))
        current = None if identity.public_key == revoked else identity.public_key
        return replace(identity, public_key=current, revoked_keys=identity.revoked_keys | {revoked})
    if type_ == "identity.roles_changed":
        return replace(identity, roles=frozenset(body["roles"]))  # type: ignore[arg-type]
    return identity


def identity_of_record(record_id: str) -> str | None:
    """The identity a record id of the `identity:` family belongs to."""
    if not record_id.startswith("identity:"):
        return None
    return record_id.split(":")[1]


class IdentityRegistry:
    """Projection of `identity.*` records: identity id -> Identity (committed state)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_id: dict[str, Identity] = {}

    def reset(self) -> None:
        with self._lock:
            self._by_id = {}

    def apply(self, events: list[Event]) -> None:
        for e in events:
            if type(e) is RecordAppended and e.type.startswith("identity."):
                identity_id = identity_of_record(e.id)
                if identity_id is None:
                    continue
                with self._lock:
                    folded = fold(self._by_id.get(identity_id), e)
                    if folded is not None:
                        self._by_id[identity_id] = folded

    def get(self, identity_id: str) -> Identity | None:
        return self._by_id.get(identity_id)

    def live(self, engine: object, identity_id: str) -> Identity | None:
        """The identity as the live engine has it: committed state plus any `identity.*`
        records of batches not yet durable (a planner's view; `engine` is a LedgerEngine)."""
        record = engine.record  # type: ignore[attr-defined]
        identity = self._by_id.get(identity_id)
        if identity is None:
            added = record(f"identity:{identity_id}")
            if added is None:
                return None
            identity = fold(None, added)
        while identity is not None and identity.changes < IDENTITY_CHANGES_MAX:
            nxt = record(f"identity:{identity_id}:e{identity.changes + 1}")
            if nxt is None:
                break
            identity = fold(identity, nxt)
        return identity

    def public_key(self, identity_id: str) -> bytes | None:
        """The identity's current raw 32-byte Ed25519 public key (None if revoked)."""
        identity = self._by_id.get(identity_id)
        return None if identity is None else identity.public_key

    def all(self) -> list[Identity]:
        return sorted(self._by_id.values(), key=lambda i: i.id)

    def __len__(self) -> int:
        return len(self._by_id)
