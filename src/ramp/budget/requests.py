"""Budget operations as data: what a caller asks for (the API decodes JSON straight into these).

Shapes are checked here (patterns, ranges, sizes) so a malformed request never reaches a
planner; meaning (does the node exist, does the law allow it) is checked by the planners in
`operations`. Every operation that moves money has an `id`: the idempotency key from which
the ids of its ledger commands are derived.
"""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from ramp.budget import model as budget_model

OpId = Annotated[str, msgspec.Meta(pattern=f"^{budget_model.OP_ID_RE.pattern}$", max_length=48)]
Year = Annotated[int, msgspec.Meta(ge=budget_model.FISCAL_YEAR_MIN, le=budget_model.FISCAL_YEAR_MAX)]
Yen = Annotated[int, msgspec.Meta(ge=1, le=budget_model.AMOUNT_MAX_YEN)]
Key = Annotated[str, msgspec.Meta(pattern=f"^{budget_model.KEY_RE.pattern}$", max_length=budget_model.KEY_MAX_CHARS)]
Path = Annotated[
    str,
    msgspec.Meta(pattern=r"^[a-z0-9][a-z0-9-]{0,19}(:[a-z0-9][a-z0-9-]{0,19}){0,4}$", max_length=104),
]
Party = Annotated[str, msgspec.Meta(pattern=f"^{budget_model.PARTY_RE.pattern}$", max_length=40)]
Name = Annotated[str, msgspec.Meta(max_length=budget_model.NAME_MAX_CHARS)]
Tags = Annotated[tuple[Annotated[str, msgspec.Meta(pattern=f"^{budget_model.TAG_RE.pattern}$")], ...],
                 msgspec.Meta(max_length=budget_model.TAGS_MAX)]  # fmt: skip
Approvals = Annotated[
    tuple[Annotated[str, msgspec.Meta(pattern=f"^{budget_model.APPROVAL_RE.pattern}$", max_length=64)], ...],
    msgspec.Meta(max_length=budget_model.APPROVALS_MAX),
]
Ref = Annotated[str, msgspec.Meta(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,63}$", max_length=64)]
Bp = Annotated[int, msgspec.Meta(ge=1, le=10_000)]
# A node above the restricted floor every node below an item has: only auditors read a secret one.
Classification = Literal["restricted", "secret"]


class _Op(msgspec.Struct, frozen=True, forbid_unknown_fields=True, tag_field="op", gc=False):
    pass


class ItemEnactment(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """One 項 of an act: its amount and, at first enactment, what the budget says about it."""

    key: Key
    amount_yen: Yen
    name: Name = ""
    name_ja: Name = ""
    tags: Tags = ()
    estimate: bool = False  # the amount is a demo estimate, not a published figure
    carryover_designated: bool = False  # 繰越明許費: the Diet allows 明許繰越 of this item
    iyo_with: Annotated[tuple[Key, ...], msgspec.Meta(max_length=8)] = ()  # 移用 the budget allows


class Enact(_Op, frozen=True, tag="enact"):
    """The Diet's act: an original budget (本予算) or a supplementary one (補正予算).

    Records the act and grants appropriation authority per item; money is then issued
    against it with `Issue`. A supplementary act adds to existing items or enacts new ones.
    """

    id: OpId
    fiscal_year: Year
    act: Ref
    items: Annotated[tuple[ItemEnactment, ...], msgspec.Meta(min_length=1, max_length=64)]
    kind: Literal["original", "supplementary"] = "original"
    reserve_yen: Annotated[int, msgspec.Meta(ge=0, le=budget_model.AMOUNT_MAX_YEN)] = 0  # 予備費


class DefineNode(_Op, frozen=True, tag="define_node"):
    """A sub-item, organisation, program or project under an existing parent."""

    fiscal_year: Year
    path: Path
    name: Name = ""
    name_ja: Name = ""
    tags: Tags = ()
    estimate: bool = False
    tolerance_bp: tuple[Bp, Bp, Bp] | None = None  # info, warning, reject; default 70/90/100 %
    # The node account's metadata `classification` (`ramp.disclosure.classify`); a node under a
    # secret parent is secret whatever it says here.
    classification: Classification | None = None


class Issue(_Op, frozen=True, tag="issue"):
    """Mint digital yen for an enacted item (or the reserve fund, item `reserve`)."""

    id: OpId
    fiscal_year: Year
    item: Key
    amount_yen: Yen


class Allot(_Op, frozen=True, tag="allot"):
    """配賦 / 示達: pass budget from a node to one of its children."""

    id: OpId
    fiscal_year: Year
    source: Path
    target: Path
    amount_yen: Yen


class Transfer(_Op, frozen=True, tag="transfer"):
    """Move budget between two nodes of a year. Between sub-items of one item it is 流用 (MOF
    approval); between items, 移用 (only where the budget allows it, plus MOF approval);
    inside one sub-item, a re-allotment."""

    id: OpId
    fiscal_year: Year
    source: Path
    target: Path
    amount_yen: Yen
    approvals: Approvals = ()


class RegisterVendor(_Op, frozen=True, tag="register_vendor"):
    vendor: Party
    name: Name = ""


class Instalment(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    fiscal_year: Year
    amount_yen: Yen


class Milestone(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    id: Key
    amount_yen: Yen
    due: Annotated[str, msgspec.Meta(pattern=r"^\d{4}-\d{2}-\d{2}$")]


class RegisterContract(_Op, frozen=True, tag="register_contract"):
    """A contract of a project: its payment schedule by fiscal year. Payments in later years
    are 国庫債務負担行為 (at most 5 years, 10 for designated defense procurement)."""

    contract: Party
    vendor: Party
    fiscal_year: Year  # the year it is concluded
    project: Path
    schedule: Annotated[tuple[Instalment, ...], msgspec.Meta(min_length=1, max_length=10)]
    designated: bool = False  # 特定防衛調達: the ten-year authority
    milestones: Annotated[tuple[Milestone, ...], msgspec.Meta(max_length=24)] = ()
    name: Name = ""


class Obligate(_Op, frozen=True, tag="obligate"):
    """支出負担行為: commit a year's instalment of a contract into its escrow."""

    id: OpId
    contract: Party
    fiscal_year: Year
    amount_yen: Yen
    references: Annotated[dict[Annotated[str, msgspec.Meta(pattern=r"^[a-z][a-z0-9_]{0,31}$")], Ref],
                          msgspec.Meta(max_length=4)] = {}  # fmt: skip


class Disburse(_Op, frozen=True, tag="disburse"):
    """支出: pay the vendor from the contract's escrow of a year."""

    id: OpId
    contract: Party
    fiscal_year: Year
    amount_yen: Yen
    carried: bool = False  # pay from money carried over into this year (事故繰越)
    milestone: Annotated[str, msgspec.Meta(max_length=budget_model.KEY_MAX_CHARS)] = ""
    invoice: Annotated[str, msgspec.Meta(max_length=64)] = ""
    references: Annotated[dict[Annotated[str, msgspec.Meta(pattern=r"^[a-z][a-z0-9_]{0,31}$")], Ref],
                          msgspec.Meta(max_length=4)] = {}  # fmt: skip


class CarryOver(_Op, frozen=True, tag="carry_over"):
    """繰越 into the next year: 明許 (a node's unobligated money, in an item the Diet designated)
    or 事故 (a contract's obligated, unpaid money). Both need MOF approval."""

    id: OpId
    fiscal_year: Year
    kind: Literal["meikyo", "jiko"]
    amount_yen: Yen
    node: Annotated[str, msgspec.Meta(max_length=104)] = ""
    contract: Annotated[str, msgspec.Meta(max_length=40)] = ""
    approvals: Approvals = ()


class ReleaseReserve(_Op, frozen=True, tag="release_reserve"):
    """予備費使用: release reserve-fund money to a node, on a Cabinet decision."""

    id: OpId
    fiscal_year: Year
    target: Path
    amount_yen: Yen
    approvals: Approvals = ()


class CloseYear(_Op, frozen=True, tag="close_year"):
    """Year close: whatever is neither spent nor carried over lapses (不用)."""

    id: OpId
    fiscal_year: Year


Operation = (
    Enact | DefineNode | Issue | Allot | Transfer | RegisterVendor | RegisterContract | Obligate | Disburse
    | CarryOver | ReleaseReserve | CloseYear
)  # fmt: skip
