"""Identities: who acts, for which organisation, with which roles and which Ed25519 key.

Identities live in the journal as `identity.*` records; `IdentityRegistry` is the projection
that folds them. A key is trusted from the record that adds it until a later record revokes or
replaces it (key rotation and revocation are issue-7 records of the same family).
"""

from __future__ import annotations

import base64
import re
import threading
from dataclasses import dataclass
from typing import Final

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from ramp.ledger import AppendRecord
from ramp.ledger.events import Event, RecordAppended

IDENTITY_ID_RE: Final = re.compile(r"[a-z0-9][a-z0-9_.-]{0,47}")  # fits a 64-char record id
ORGANISATION_RE: Final = re.compile(r"[a-z0-9][a-z0-9_-]{0,31}")

# Roles the service knows. `admin` may do everything; the others grant one kind of action.
ROLES: Final = frozenset({
    "admin",            # everything, including adding identities
    "ledger_writer",    # open accounts, post transfers
    "ledger_reader",    # read accounts and transfers
    "auditor",          # read everything, export and verify
    "finance_officer", "contracting_officer", "inspector", "mof_examiner", "contractor",  # domain roles
    "treasury_officer",    # records the Diet's acts, issues money, releases the reserve, closes years
    "certifying_officer",  # 支出負担行為担当官: obligates contracts
    "disbursing_officer",  # 支出官: pays from obligated money
})  # fmt: skip


class IdentityError(ValueError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True, slots=True)
class Identity:
    id: str
    organisation: str
    roles: frozenset[str]
    public_key: bytes  # raw 32-byte Ed25519 key
    seq: int  # the record that added it

    def has_role(self, *roles: str) -> bool:
        return "admin" in self.roles or any(r in self.roles for r in roles)


def identity_added(identity_id: str, organisation: str, roles: list[str], public_key: bytes) -> AppendRecord:
    """The record that adds an identity; checked here so a bad one never reaches the log."""
    if not IDENTITY_ID_RE.fullmatch(identity_id):
        raise IdentityError("identity_invalid", f"identity id {identity_id!r} is not [a-z0-9][a-z0-9_.-]{{0,47}}")
    if not ORGANISATION_RE.fullmatch(organisation):
        raise IdentityError("organisation_invalid", f"organisation {organisation!r} is not valid")
    unknown = set(roles) - ROLES
    if not roles or unknown:
        raise IdentityError("roles_invalid", f"unknown roles {sorted(unknown)}" if unknown else "no roles")
    if len(public_key) != 32:
        raise IdentityError("key_invalid", "an Ed25519 public key is 32 bytes")
    Ed25519PublicKey.from_public_bytes(public_key)
    return AppendRecord(
        id=f"identity:{identity_id}",
        type="identity.added",
        body={
            "identity": identity_id,
            "organisation": organisation,
            "roles": sorted(set(roles)),
            "public_key": base64.b64encode(public_key).decode(),
        },
    )


class IdentityRegistry:
    """Projection of `identity.*` records: identity id -> Identity."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_id: dict[str, Identity] = {}

    def reset(self) -> None:
        with self._lock:
            self._by_id = {}

    def apply(self, events: list[Event]) -> None:
        for e in events:
            if type(e) is RecordAppended and e.type == "identity.added":
                body = e.body
                identity = Identity(
                    id=str(body["identity"]),
                    organisation=str(body["organisation"]),
                    roles=frozenset(body["roles"]),  # type: ignore[arg-type]
                    public_key=base64.b64decode(str(body["public_key"])),
                    seq=e.seq,
                )
                with self._lock:
                    self._by_id.setdefault(identity.id, identity)  # the first record wins

    def get(self, identity_id: str) -> Identity | None:
        return self._by_id.get(identity_id)

    def public_key(self, identity_id: str) -> bytes | None:
        """The identity's raw 32-byte Ed25519 public key."""
        identity = self._by_id.get(identity_id)
        return None if identity is None else identity.public_key

    def __len__(self) -> int:
        return len(self._by_id)
