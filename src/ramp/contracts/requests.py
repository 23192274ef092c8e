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

from ramp.auth.passkeys import AssertionFields
from ramp.budget import model as budget_model
from ramp.budget import requests as budget_requests
from ramp.contracts import terms as contract_terms

Signature = Annotated[str, msgspec.Meta(pattern=r"^[A-Za-z0-9+/]{86}==$")]  # base64 of 64 bytes
MilestoneRef = Annotated[str, msgspec.Meta(pattern=f"^{budget_model.KEY_RE.pattern}$", max_length=budget_model.KEY_MAX_CHARS)]
Reason = Annotated[str, msgspec.Meta(max_length=512)]


class _Op(msgspec.Struct, frozen=True, forbid_unknown_fields=True, tag_field="op"):
    pass


class Sign(_Op, frozen=True, tag="sign"):
    """Sign the contract: record its terms and obligate the signing year's instalment (`id`
    is the idempotency key of that obligation)."""

    id: budget_requests.OpId
    terms: contract_terms.Terms


class ObligateInstalment(_Op, frozen=True, tag="obligate"):
    """A later fiscal year's instalment into escrow, once that year's budget exists."""

    id: budget_requests.OpId
    contract: budget_requests.Party
    fiscal_year: budget_requests.Year


class MilestoneChange(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    id: budget_requests.Key
    amount_yen: budget_requests.Yen | None = None
    due: contract_terms.Date | None = None


class ChangeOrder(_Op, frozen=True, tag="change_order"):
    """Amend amounts or dates of milestones not yet accepted, or the expiry."""

    contract: budget_requests.Party
    milestones: Annotated[tuple[MilestoneChange, ...], msgspec.Meta(max_length=contract_terms.MILESTONES_MAX)] = ()
    expires: contract_terms.Date | None = None
    reason: Reason = ""


class Hold(_Op, frozen=True, tag="hold"):
    """Stop the contract's payments (attestations still count; payments wait)."""

    contract: budget_requests.Party
    reason: Reason = ""


class Release(_Op, frozen=True, tag="release"):
    """Lift a hold and pay what is owed and payable."""

    contract: budget_requests.Party
    reason: Reason = ""


ApprovedOperation = Sign | ChangeOrder | Hold | Release


class AttestRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Signed API: `signature`, the attester's Ed25519 signature over the attestation statement
    (see GET /v1/contracts/{id}). Web session: `passkey`, an assertion of one of the attester's
    registered passkeys over `passkeys.approval_challenge(statement)`."""

    milestone: MilestoneRef
    slot: budget_requests.Key
    signature: Signature | None = None
    passkey: AssertionFields | None = None
