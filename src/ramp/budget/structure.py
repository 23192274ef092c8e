"""The budget tree of a fiscal year, defined by the accounts that hold it.

A node is the account `fy<N>:<path>` whose metadata says what it is: kind (its depth),
names in English and Japanese, category tags, whether its figure is an estimate, its
tolerance profile, its classification if above restricted (a secret line: only auditors read
it, `ramp.disclosure.classify`); an item also carries what the Diet's act says about it (明許繰越
designation, the items 移用 may go to). Account metadata never changes, so a definition read
once from the live ledger stays true.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ramp.budget import model as budget_model
from ramp.budget.availability import DEFAULT, Tolerance
from ramp.disclosure.classify import CLASSIFICATION_KEY

_FY_RE = re.compile(r"fy\d{4}")


@dataclass(frozen=True, slots=True)
class Node:
    fiscal_year: int
    path: str
    kind: str
    name: str = ""
    name_ja: str = ""
    tags: tuple[str, ...] = ()
    estimate: bool = False
    tolerance: Tolerance = DEFAULT
    carryover_designated: bool = False  # items only
    iyo_with: tuple[str, ...] = ()  # items only
    classification: str = ""  # "", "restricted" or "secret": metadata `classification`

    @property
    def account(self) -> str:
        return budget_model.node_account(self.fiscal_year, self.path)

    @property
    def item(self) -> str:
        return self.path.split(":", 1)[0]

    def ancestor(self, depth: int) -> str:
        """The path of this node's ancestor at `depth` (1 = its item)."""
        return ":".join(self.path.split(":")[:depth])

    def metadata(self) -> dict[str, str]:
        meta = {"kind": self.kind, "fiscal_year": str(self.fiscal_year)}
        if self.name:
            meta["name"] = self.name
        if self.name_ja:
            meta["name_ja"] = self.name_ja
        if self.tags:
            meta["tags"] = ",".join(self.tags)
        if self.estimate:
            meta["estimate"] = "true"
        if self.tolerance != DEFAULT:
            meta["tolerance_bp"] = self.tolerance.encode()
        if self.carryover_designated:
            meta["carryover_designated"] = "true"
        if self.iyo_with:
            meta["iyo_with"] = ",".join(self.iyo_with)
        if self.classification:
            meta[CLASSIFICATION_KEY] = self.classification
        return meta

    @classmethod
    def of(cls, account_id: str, meta: dict[str, str]) -> Node | None:
        """The node an account defines, or None when it is not a budget node."""
        kind = meta.get("kind")
        if kind not in budget_model.KINDS:
            return None
        prefix, _, path = account_id.partition(":")
        # Only the budget opens these accounts; one forged by a raw ledger write is not a node.
        if not _FY_RE.fullmatch(prefix) or budget_model.split_path(path) is None or budget_model.kind_of(path) != kind:
            return None
        try:
            tolerance = Tolerance.decode(meta.get("tolerance_bp"))
        except (ValueError, AssertionError, TypeError):
            return None
        return cls(
            fiscal_year=int(prefix[2:]), path=path, kind=kind, name=meta.get("name", ""),
            name_ja=meta.get("name_ja", ""), tags=_split(meta.get("tags")), estimate=meta.get("estimate") == "true",
            tolerance=tolerance,
            carryover_designated=meta.get("carryover_designated") == "true", iyo_with=_split(meta.get("iyo_with")),
            classification=meta.get(CLASSIFICATION_KEY, ""),
        )  # fmt: skip

    def in_year(self, fiscal_year: int) -> Node:
        """The same node in another year's tree (where carried-over money goes)."""
        return Node(fiscal_year, self.path, self.kind, self.name, self.name_ja, self.tags, self.estimate,
                    self.tolerance, self.carryover_designated, self.iyo_with, self.classification)  # fmt: skip


def _split(text: str | None) -> tuple[str, ...]:
    return tuple(text.split(",")) if text else ()


def iyo_authorised(a: Node, b: Node) -> bool:
    """移用 between two items is allowed when the budget pairs them (either way round)."""
    return b.item in a.iyo_with or a.item in b.iyo_with
