"""Approval records, their ids, limits and refusal codes, and what an approver signs.

Records (all `approval.*`, in the journal):
- `request:<id>` `approval.requested`: the action, its kind and amount, the requester, the
  policy in force (digest) and the quorum it fixed, creation and expiry;
- `request:<id>:d<n>` `approval.approved` / `approval.rejected`: one signed decision each;
- `request:<id>:x` `approval.executed`: the decisions that made the quorum, linked with the
  action's commands so that both apply or neither does.
"""

from __future__ import annotations

import hashlib
import re
from typing import Final

import msgspec

from ramp.refusal import Kind, Refused, refuse  # noqa: F401 - the approvals' refusals

REQUEST_ID_RE: Final = re.compile(r"[a-z0-9][a-z0-9_.-]{0,47}")  # `request:<id>:d<n>` stays <= 64
DECISIONS_MAX: Final = 32  # decisions on one request: M of N with N this large is never needed
MEMO_MAX_CHARS: Final = 512
EXPIRY_GUARD_NS: Final = 1_000_000_000  # a decision this close to expiry is refused: its log
# timestamp (assigned microseconds after planning) must fall before expiry for `ramp verify`

REQUESTED: Final = "approval.requested"
APPROVED: Final = "approval.approved"
REJECTED: Final = "approval.rejected"
EXECUTED: Final = "approval.executed"
DECISION_TYPES: Final = {APPROVED: "approve", REJECTED: "reject"}

STATEMENT_PREFIX: Final = "ramp-approval-v1"


def request_record_id(request_id: str) -> str:
    return f"request:{request_id}"


def decision_record_id(request_id: str, n: int) -> str:
    return f"request:{request_id}:d{n}"


def execution_record_id(request_id: str) -> str:
    return f"request:{request_id}:x"


def request_digest(body: dict[str, object]) -> str:
    """What approvers sign: sha256 over the request record's canonical JSON body."""
    return "sha256:" + hashlib.sha256(msgspec.json.encode(body, order="sorted")).hexdigest()


def statement(decision: str, request_id: str, digest: str, approver: str) -> bytes:
    """The exact bytes an approver signs with their Ed25519 key to approve or reject."""
    assert decision in ("approve", "reject")
    return f"{STATEMENT_PREFIX}\n{decision}\n{request_id}\n{digest}\n{approver}\n".encode()
