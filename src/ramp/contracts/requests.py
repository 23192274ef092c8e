"""Contract operations as data (the API decodes JSON straight into these).

Signed directly by the officer or attester: `Sign`, `Attest`, `ObligateInstalment`, `Settle`,
`Expire`. Only through an approved request (`ramp.approvals`, action type `contract`):
`ChangeOrder`, `Hold`, `Release`; and `Sign` when its obligation is above the policy's
threshold. A `Hold` or `Release` requested by software (role `analytics`) is a proposal: it
moves nothing until a person approves it.
"""

from __future__ import annotations

from typing import Annotated

import msgspec

from ramp.budget import model as M
from ramp.budget import requests as Q
from ramp.contracts import terms as T

Signature = Annotated[str, msgspec.Meta(pattern=r"^[A-Za-z0-9+/]{86}==$")]  # base64 of 64 bytes
MilestoneRef = Annotated[str, msgspec.Meta(pattern=f"^{M.KEY_RE.pattern}$", max_length=M.KEY_MAX_CHARS)]
Reason = Annotated[str, msgspec.Meta(max_length=512)]


class _Op(msgspec.Struct, frozen=True, forbid_unknown_fields=True, tag_field="op"):
    pass


class Sign(_Op, frozen=True, tag="sign"):
    """Sign the contract: record its terms and obligate the signing year's instalment (`id`
    is the idempotency key of that obligation)."""

    id: Q.OpId
    terms: T.Terms


class ObligateInstalment(_Op, frozen=True, tag="obligate"):
    """A later fiscal year's instalment into escrow, once that year's budget exists."""

    id: Q.OpId
    contract: Q.Party
    fiscal_year: Q.Year


class MilestoneChange(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    id: Q.Key
    amount_yen: Q.Yen | None = None
    due: T.Date | None = None


class ChangeOrder(_Op, frozen=True, tag="change_order"):
    """Amend amounts or dates of milestones not yet accepted, or the expiry."""

    contract: Q.Party
    milestones: Annotated[tuple[MilestoneChange, ...], msgspec.Meta(max_length=T.MILESTONES_MAX)] = ()
    expires: T.Date | None = None
    reason: Reason = ""


class Hold(_Op, frozen=True, tag="hold"):
    """Stop the contract's payments (attestations still count; payments wait)."""

    contract: Q.Party
    reason: Reason = ""


class Release(_Op, frozen=True, tag="release"):
    """Lift a hold and pay what is owed and payable."""

    contract: Q.Party
    reason: Reason = ""


ApprovedOperation = Sign | ChangeOrder | Hold | Release


class AttestRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Signed API: `signature` over the attestation statement (see GET /v1/contracts/{id}).
    Web session: `totp`, a fresh second factor."""

    milestone: MilestoneRef
    slot: Q.Key
    signature: Signature | None = None
    totp: Annotated[str, msgspec.Meta(pattern=r"^[0-9]{6}$")] | None = None
