"""Syntax tree of a parsed Numscript program: immutable nodes, each knowing where it starts.

The parser builds it, the interpreter walks it; nothing here evaluates anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Literal


@dataclass(frozen=True, slots=True)
class Pos:
    """1-based line and column of a node's first character."""

    line: int
    column: int


# --- expressions ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class VariableRef:
    pos: Pos
    name: str


@dataclass(frozen=True, slots=True)
class AccountLit:
    pos: Pos
    name: str


@dataclass(frozen=True, slots=True)
class AssetLit:
    pos: Pos
    name: str


@dataclass(frozen=True, slots=True)
class StringLit:
    pos: Pos
    value: str


@dataclass(frozen=True, slots=True)
class NumberLit:
    pos: Pos
    value: int


@dataclass(frozen=True, slots=True)
class PortionLit:
    """A percentage literal such as `12.5%`, already an exact fraction."""

    pos: Pos
    value: Fraction


@dataclass(frozen=True, slots=True)
class MonetaryLit:
    pos: Pos
    asset: Expr
    amount: Expr


@dataclass(frozen=True, slots=True)
class Negate:
    pos: Pos
    operand: Expr


@dataclass(frozen=True, slots=True)
class BinaryOp:
    """`+` and `-` on numbers or same-asset monetaries; `/` builds a portion from numbers."""

    pos: Pos
    op: Literal["+", "-", "/"]
    left: Expr
    right: Expr


@dataclass(frozen=True, slots=True)
class FnCall:
    pos: Pos
    name: str
    args: tuple[Expr, ...]


Expr = (
    VariableRef
    | AccountLit
    | AssetLit
    | StringLit
    | NumberLit
    | PortionLit
    | MonetaryLit
    | Negate
    | BinaryOp
)


# --- sources -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SourceAccount:
    pos: Pos
    account: Expr


@dataclass(frozen=True, slots=True)
class SourceOverdraft:
    """`@a allowing overdraft up to <bound>`; `bound is None` means `allowing unbounded overdraft`."""

    pos: Pos
    account: Expr
    bound: Expr | None


@dataclass(frozen=True, slots=True)
class SourceInorder:
    pos: Pos
    sources: tuple[Source, ...]


@dataclass(frozen=True, slots=True)
class SourceAllotmentItem:
    """`portion from source`; `portion is None` means `remaining`."""

    pos: Pos
    portion: Expr | None
    source: Source


@dataclass(frozen=True, slots=True)
class SourceAllotment:
    pos: Pos
    items: tuple[SourceAllotmentItem, ...]


@dataclass(frozen=True, slots=True)
class SourceCapped:
    pos: Pos
    cap: Expr
    source: Source


Source = SourceAccount | SourceOverdraft | SourceInorder | SourceAllotment | SourceCapped


# --- destinations --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Kept:
    """Funds that stay with whoever sent them: no posting is made."""

    pos: Pos


@dataclass(frozen=True, slots=True)
class DestAccount:
    pos: Pos
    account: Expr


@dataclass(frozen=True, slots=True)
class DestAllotmentItem:
    """`portion to target`; `portion is None` means `remaining`."""

    pos: Pos
    portion: Expr | None
    target: Target


@dataclass(frozen=True, slots=True)
class DestAllotment:
    pos: Pos
    items: tuple[DestAllotmentItem, ...]


@dataclass(frozen=True, slots=True)
class DestInorderClause:
    """`max <cap> to target`."""

    pos: Pos
    cap: Expr
    target: Target


@dataclass(frozen=True, slots=True)
class DestInorder:
    pos: Pos
    clauses: tuple[DestInorderClause, ...]
    remaining: Target


Destination = DestAccount | DestAllotment | DestInorder
Target = Destination | Kept


# --- statements ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SendAll:
    """`[ASSET *]`: everything the source can give."""

    pos: Pos
    asset: Expr


@dataclass(frozen=True, slots=True)
class Send:
    pos: Pos
    amount: Expr | SendAll
    source: Source
    destination: Destination


@dataclass(frozen=True, slots=True)
class Save:
    """`save [ASSET n] from @a`: protect part (or `*`, all) of a balance from later sends."""

    pos: Pos
    amount: Expr | SendAll
    account: Expr


Statement = Send | Save | FnCall

VarType = Literal["account", "asset", "number", "monetary", "portion", "string"]


@dataclass(frozen=True, slots=True)
class VarDecl:
    pos: Pos
    type: VarType
    name: str
    origin: FnCall | None


@dataclass(frozen=True, slots=True)
class Program:
    vars: tuple[VarDecl, ...]
    statements: tuple[Statement, ...]
