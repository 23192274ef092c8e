"""Fiscal years, node kinds and the ledger addresses of the budget (see docs/architecture.md).

A fiscal year's budget is a five-level tree: item (項, voted by the Diet) / sub-item (目) /
organisation / program / project. Each node is one ledger account `fy<N>:<path>`, whose
metadata defines the node; the kind of a node is its depth. Money moves only between these
accounts, the issuer, contract escrows and vendor wallets, and every budget account refuses
to go negative (`debits_must_not_exceed_credits`).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from typing import Final

ASSET: Final = "JPYD"  # the digital defense yen: money
# Appropriation authority, in yen: what the Diet enacted and is not yet issued. A separate
# asset, so the money supply (minus the issuer's JPYD balance) is never mixed with it, and
# the engine itself refuses an issuance beyond the enacted amount (the item's authority
# account may not go negative).
AUTHORITY_ASSET: Final = "JPY_AUTH"

NO_OVERDRAFT: Final = ("debits_must_not_exceed_credits",)

FISCAL_YEAR_MIN: Final = 2000
FISCAL_YEAR_MAX: Final = 2100  # wide enough for ten-year contract authority from any year here

KINDS: Final = ("item", "sub_item", "organisation", "program", "project")
PROJECT_DEPTH: Final = len(KINDS)

# A key is one path segment. 20 characters keep the deepest address within the ledger's 128:
# "fy2025:" (7) + 5 keys of 20 + 4 colons = 111.
KEY_MAX_CHARS: Final = 20
KEY_RE: Final = re.compile(r"[a-z0-9][a-z0-9-]{0,19}")
RESERVED_ITEM_KEYS: Final = frozenset({"authority", "reserve"})
PARTY_RE: Final = re.compile(r"[a-z0-9][a-z0-9-]{0,39}")  # contract and vendor ids
OP_ID_RE: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,47}")  # + ".<suffix>" stays <= 64
NAME_MAX_CHARS: Final = 120
TAGS_MAX: Final = 8
TAG_RE: Final = re.compile(r"[a-z0-9][a-z0-9-]{0,23}")
APPROVALS_MAX: Final = 8
APPROVAL_RE: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:/-]{0,63}")
AMOUNT_MAX_YEN: Final = 10**15  # a thousand trillion yen: beyond any budget, exact in JSON (< 2^53)

TREASURY_ISSUER: Final = "treasury:issuer"
DIET_AUTHORITY: Final = "diet:authority"

_JST: Final = timezone(timedelta(hours=9))
_NS: Final = 1_000_000_000


# --- fiscal years: 1 April N 00:00 JST to 31 March N+1 (the end is exclusive) -------------
def fy_start_ns(fiscal_year: int) -> int:
    return int(datetime(fiscal_year, 4, 1, tzinfo=_JST).timestamp()) * _NS


def fy_end_ns(fiscal_year: int) -> int:
    return fy_start_ns(fiscal_year + 1)


def fiscal_year_of(at_ns: int) -> int:
    day = datetime.fromtimestamp(at_ns // _NS, tz=_JST)
    return day.year if day.month >= 4 else day.year - 1


def date_of(at_ns: int) -> str:
    """The JST calendar date of an instant, as records write it."""
    return datetime.fromtimestamp(at_ns // _NS, tz=_JST).date().isoformat()


def jst_ns(year: int, month: int, day: int, hour: int = 9) -> int:
    return int(datetime(year, month, day, hour, tzinfo=_JST).astimezone(UTC).timestamp()) * _NS


# --- addresses ---------------------------------------------------------------------------
def fy_prefix(fiscal_year: int) -> str:
    return f"fy{fiscal_year}"


def node_account(fiscal_year: int, path: str) -> str:
    return f"fy{fiscal_year}:{path}"


def authority_account(fiscal_year: int, item: str) -> str:
    return f"fy{fiscal_year}:authority:{item}"


def authority_issued_account(fiscal_year: int) -> str:
    return f"fy{fiscal_year}:authority:issued"


def reserve_account(fiscal_year: int) -> str:
    return f"fy{fiscal_year}:reserve"


def lapsed_account(fiscal_year: int) -> str:
    """Where 不用 money goes at year close; its existence marks the year as closed."""
    return f"treasury:lapsed:fy{fiscal_year}"


def contract_account(contract: str) -> str:
    """The contract's anchor: its definition (schedule, vendor, project) in metadata; no money."""
    return f"contract:{contract}"


def escrow_account(contract: str, fiscal_year: int, carried: bool = False) -> str:
    """The contract's escrow of one year's money; carried-over (事故繰越) money is kept apart."""
    return f"contract:{contract}:fy{fiscal_year}" + (":carried" if carried else "")


def revenue_account(fiscal_year: int) -> str:
    """The treasury's miscellaneous revenue (雑入) of a year: late-delivery penalties offset
    against payments land here, outside the budget."""
    return f"treasury:revenue:fy{fiscal_year}"


def vendor_account(vendor: str) -> str:
    return f"vendor:{vendor}"


def split_path(path: str) -> tuple[str, ...] | None:
    """The keys of a node path `a:b:c`, or None when it is not a valid path."""
    keys = tuple(path.split(":"))
    if not 1 <= len(keys) <= PROJECT_DEPTH or not all(KEY_RE.fullmatch(k) for k in keys):
        return None
    if keys[0] in RESERVED_ITEM_KEYS:
        return None
    return keys


def kind_of(path: str) -> str:
    return KINDS[path.count(":")]


def parent_path(path: str) -> str | None:
    head, sep, _ = path.rpartition(":")
    return head if sep else None


# --- movement codes (the transfer's `code`: what the movement is, in law) -----------------
class Code:
    ENACT: Final = "ENACT"  # authority granted by the Diet's act (JPY_AUTH)
    ISSUE: Final = "ISSUE"  # authority used by an issuance (JPY_AUTH)
    MINT: Final = "MINT"  # digital yen issued for an enacted item or the reserve fund
    ALLOT: Final = "ALLOT"  # 配賦 / 示達: parent to child
    REALLOT: Final = "REALLOT"  # between nodes of one sub-item: no approval needed
    TRANSFER_RYUYO: Final = "TRANSFER_RYUYO"  # 流用: between sub-items of one item
    TRANSFER_IYO: Final = "TRANSFER_IYO"  # 移用: between items
    RESERVE_RELEASE: Final = "RESERVE_RELEASE"  # 予備費使用
    OBLIGATE: Final = "OBLIGATE"  # 支出負担行為: node to contract escrow
    DISBURSE: Final = "DISBURSE"  # 支出: escrow to vendor
    DEOBLIGATE: Final = "DEOBLIGATE"  # 支出負担行為の取消・減額: escrow back to the project
    PENALTY: Final = "PENALTY"  # 遅延違約金: withheld from a payment, escrow to the treasury's revenue
    CARRY_OVER: Final = "CARRY_OVER"  # 繰越: to the next year's node or escrow
    LAPSE: Final = "LAPSE"  # 不用: at year close


# Codes that move budget between nodes of one year (allotment and the transfers).
MOVE_CODES: Final = frozenset({Code.ALLOT, Code.REALLOT, Code.TRANSFER_RYUYO, Code.TRANSFER_IYO})
