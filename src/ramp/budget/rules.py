"""The legal preconditions of budget operations, each refusal a precise code.

A refusal is raised as `Refused` from inside a planner, before any command exists, so a
refused operation writes nothing. Codes are checked in the order the operations list them:
existence and shape first, then the year's state, then the law (authorisation, designation,
approvals), then amounts.
"""

from __future__ import annotations

from typing import Final

from ramp.refusal import Kind, Refused

# --- codes -------------------------------------------------------------------------------
OPERATION_ID_INVALID: Final = "operation_id_invalid"
AMOUNT_INVALID: Final = "amount_invalid"
PATH_INVALID: Final = "path_invalid"
FISCAL_YEAR_INVALID: Final = "fiscal_year_invalid"
FISCAL_YEAR_UNKNOWN: Final = "fiscal_year_unknown"  # nothing enacted for that year
FISCAL_YEAR_CLOSED: Final = "fiscal_year_closed"
FISCAL_YEAR_NOT_ENDED: Final = "fiscal_year_not_ended"  # closing before 1 April of N+1
OUTSIDE_FISCAL_YEAR: Final = "outside_fiscal_year"  # an obligation dated outside its year
NODE_NOT_FOUND: Final = "node_not_found"
PARENT_NOT_FOUND: Final = "parent_not_found"
NODE_EXISTS: Final = "node_exists"
ITEM_EXISTS: Final = "item_exists"  # an original act enacting an item twice
APPROPRIATION_NOT_ENACTED: Final = "appropriation_not_enacted"
EXCEEDS_APPROPRIATION: Final = "exceeds_appropriation"  # issuance beyond what the Diet enacted
ALLOTMENT_NOT_DOWNWARD: Final = "allotment_not_downward"  # allot only to a direct child
SAME_NODE: Final = "same_node"
EXCEEDS_AVAILABLE: Final = "exceeds_available"  # more than the node holds
EXCEEDS_TOLERANCE: Final = "exceeds_tolerance"  # above the node's reject threshold (< 100 %)
IYO_NOT_AUTHORISED: Final = "iyo_not_authorised"  # 移用 between items the budget does not pair
APPROVAL_REQUIRED: Final = "approval_required"
APPROVAL_REFERENCE_INVALID: Final = "approval_reference_invalid"  # an approval named in free text
OBLIGATION_REQUIRES_PROJECT: Final = "obligation_requires_project"
VENDOR_NOT_FOUND: Final = "vendor_not_found"
VENDOR_EXISTS: Final = "vendor_exists"
CONTRACT_NOT_FOUND: Final = "contract_not_found"
CONTRACT_EXISTS: Final = "contract_exists"
SCHEDULE_INVALID: Final = "schedule_invalid"
CONTRACT_TERM_TOO_LONG: Final = "contract_term_too_long"  # 国庫債務負担行為: 5 years, 10 designated
INSTALMENT_NOT_SCHEDULED: Final = "instalment_not_scheduled"
EXCEEDS_INSTALMENT: Final = "exceeds_instalment"
EXCEEDS_OBLIGATION: Final = "exceeds_obligation"  # disbursing more than the escrow holds
MILESTONE_CONTRACT: Final = "milestone_contract"  # its money moves by its attestations, not directly
CARRYOVER_NOT_DESIGNATED: Final = "carryover_not_designated"  # 明許繰越 outside a designated item
ACCIDENT_CARRYOVER_REQUIRES_OBLIGATION: Final = "accident_carryover_requires_obligation"
RESERVE_NOT_ENACTED: Final = "reserve_not_enacted"
CLOSE_TOO_LARGE: Final = "close_too_large"  # more lapses than one all-or-nothing batch holds


def require(condition: bool, code: str, message: str) -> None:
    if not condition:
        raise Refused(Kind.CONFLICT, code, message)
