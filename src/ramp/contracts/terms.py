"""A milestone contract as data: who is paid, from which project, for which milestones, on
whose attestation, less what (retention, late-delivery penalty), until when.

The terms are decoded from JSON straight into these structs (shapes: patterns, ranges,
sizes) and then checked for meaning by `check` (amounts add up to the total, dates are in
order, the rules are satisfiable by identities that exist). The signed terms are recorded
whole in the contract's first record; their digest is what attesters sign.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import date
from typing import Annotated, Final, Literal

import msgspec

from ramp.budget import model as budget_model
from ramp.budget import requests as budget_requests
from ramp.policy.identities import ORGANISATION_RE, ROLES, Identity
from ramp.refusal import Kind, refuse

FINAL: Final = "final"  # the id attestations of final acceptance name instead of a milestone's
MILESTONES_MAX: Final = 12
SLOTS_MAX: Final = 8
RETENTION_BP_MAX: Final = 5_000  # at most half of each release held back
PENALTY_PPM_MAX: Final = 100_000  # 10 % of the milestone per day late: beyond any contract
BP: Final = 10_000
PPM: Final = 1_000_000
TERMS_MAX_BYTES: Final = 6 * 1024  # the signed record (terms + digest + signer) fits its 8 KiB

Date = Annotated[str, msgspec.Meta(pattern=r"^\d{4}-\d{2}-\d{2}$")]
Role = Annotated[str, msgspec.Meta(pattern=r"^[a-z_]{1,32}$")]
Organisation = Annotated[str, msgspec.Meta(pattern=f"^{ORGANISATION_RE.pattern}$", max_length=64)]
Claim = Annotated[str, msgspec.Meta(max_length=120)]


class Slot(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """One attestation a rule counts: what is attested (`claim`), by whom (a role, and an
    organisation where it matters: "test evaluation passed" by an ATLA inspector)."""

    name: budget_requests.Key
    role: Role
    organisation: Organisation | Literal[""] = ""
    claim: Claim = ""

    def admits(self, identity: Identity) -> bool:
        """The identity may fill this slot: it holds the role itself (admin is not enough: an
        attestation is a person's own statement) and belongs to the organisation if named."""
        return self.role in identity.roles and (not self.organisation or identity.organisation == self.organisation)


class Rule(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """M of N: `required` distinct slots, each filled by a distinct identity."""

    required: Annotated[int, msgspec.Meta(ge=1, le=SLOTS_MAX)]
    slots: Annotated[tuple[Slot, ...], msgspec.Meta(min_length=1, max_length=SLOTS_MAX)]

    def slot(self, name: str) -> Slot | None:
        return next((s for s in self.slots if s.name == name), None)


class MilestoneTerms(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    id: budget_requests.Key
    amount_yen: budget_requests.Yen
    due: Date
    rule: Rule
    name: budget_requests.Name = ""


class Penalty(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Late delivery: `rate_ppm_per_day` of the milestone's amount per day after its due
    date, at most `cap_bp` of it (floored to whole yen)."""

    rate_ppm_per_day: Annotated[int, msgspec.Meta(ge=1, le=PENALTY_PPM_MAX)]
    cap_bp: Annotated[int, msgspec.Meta(ge=0, le=BP)]


class Terms(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    contract: budget_requests.Party
    vendor: budget_requests.Party
    project: budget_requests.Path
    fiscal_year: budget_requests.Year  # concluded in; each milestone is paid from the money of its due date's year
    total_yen: budget_requests.Yen
    milestones: Annotated[tuple[MilestoneTerms, ...], msgspec.Meta(min_length=1, max_length=MILESTONES_MAX)]
    expires: Date  # the last day (JST) a milestone may be accepted; after it, what remains is de-obligated
    currency: Literal["JPYD"] = "JPYD"
    retention_bp: Annotated[int, msgspec.Meta(ge=0, le=RETENTION_BP_MAX)] = 0
    penalty: Penalty | None = None
    final_acceptance: Rule | None = None  # releases the retention; required when retention_bp > 0
    designated: bool = False  # 特定防衛調達: payments over up to ten years
    name: budget_requests.Name = ""

    def milestone(self, milestone_id: str) -> MilestoneTerms | None:
        return next((m for m in self.milestones if m.id == milestone_id), None)

    def rule_of(self, milestone_id: str) -> Rule | None:
        if milestone_id == FINAL:
            return self.final_acceptance
        m = self.milestone(milestone_id)
        return None if m is None else m.rule

    def schedule(self) -> dict[int, int]:
        """Fiscal year -> instalment: each milestone is funded by the year its due date falls in."""
        out: dict[int, int] = {}
        for m in self.milestones:
            fy = fiscal_year_of_date(m.due)
            out[fy] = out.get(fy, 0) + m.amount_yen
        return dict(sorted(out.items()))


def parse_date(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def fiscal_year_of_date(text: str) -> int:
    d = date.fromisoformat(text)
    return d.year if d.month >= 4 else d.year - 1


def day_end_ns(text: str) -> int:
    """The end of a JST calendar day (exclusive): an expiry date is the last day allowed."""
    d = date.fromisoformat(text)
    return budget_model.jst_ns(d.year, d.month, d.day, 0) + 86_400 * 1_000_000_000


def days_late(due: str, accepted_on: str) -> int:
    return max(0, (date.fromisoformat(accepted_on) - date.fromisoformat(due)).days)


def penalty_yen(terms: Terms, amount: int, late_days: int) -> int:
    if terms.penalty is None or late_days == 0:
        return 0
    p = terms.penalty
    return min(amount * p.rate_ppm_per_day * late_days // PPM, amount * p.cap_bp // BP)


def retention_yen(terms: Terms, amount: int) -> int:
    return amount * terms.retention_bp // BP


def encode(terms: Terms) -> dict[str, object]:
    """The terms as JSON values (what the signed record holds)."""
    return msgspec.json.decode(msgspec.json.encode(terms))  # type: ignore[no-any-return]


def decode(body: object) -> Terms:
    return msgspec.convert(body, Terms)


def digest(terms: Terms) -> str:
    """What attesters sign: sha256 over the canonical JSON of the terms as signed."""
    return "sha256:" + hashlib.sha256(msgspec.json.encode(encode(terms), order="sorted")).hexdigest()


def check(terms: Terms, signed_on: str, identities: Iterable[Identity]) -> None:
    """The terms' meaning, or `Refused` (invalid) naming the first thing wrong."""
    if len(msgspec.json.encode(terms)) > TERMS_MAX_BYTES:
        raise refuse(Kind.INVALID, "terms_too_large", f"the terms take more than {TERMS_MAX_BYTES} bytes of JSON")
    ids = [m.id for m in terms.milestones]
    if len(set(ids)) != len(ids) or FINAL in ids:
        raise refuse(Kind.INVALID, "milestones_invalid", f"milestone ids are distinct and not {FINAL!r}")
    if sum(m.amount_yen for m in terms.milestones) != terms.total_yen:
        raise refuse(Kind.INVALID, "amounts_do_not_add_up", f"the milestones add up to "
                     f"{sum(m.amount_yen for m in terms.milestones):,} yen; the total is {terms.total_yen:,}")  # fmt: skip
    dates = [parse_date(m.due) for m in terms.milestones]
    expires = parse_date(terms.expires)
    if any(d is None for d in dates) or expires is None:
        raise refuse(Kind.INVALID, "date_invalid", "dates are real calendar dates, YYYY-MM-DD")
    if dates[0] < date.fromisoformat(signed_on):  # type: ignore[operator]
        raise refuse(Kind.INVALID, "dates_not_ordered", f"milestone {ids[0]!r} is due before the contract is signed ({signed_on})")
    for k in range(1, len(dates)):
        if dates[k] < dates[k - 1]:  # type: ignore[operator]
            raise refuse(Kind.INVALID, "dates_not_ordered", f"milestone {ids[k]!r} is due before {ids[k - 1]!r}: list them in order")
    if expires < dates[-1]:  # type: ignore[operator]
        raise refuse(Kind.INVALID, "dates_not_ordered", f"the contract expires ({terms.expires}) before its last milestone is due")
    if min(terms.schedule()) < terms.fiscal_year:
        raise refuse(Kind.INVALID, "dates_not_ordered", f"a milestone is due before FY{terms.fiscal_year}")
    if terms.retention_bp and terms.final_acceptance is None:
        raise refuse(Kind.INVALID, "final_acceptance_required", "retention is released by final acceptance: give its rule")
    cap = 0 if terms.penalty is None else terms.penalty.cap_bp
    if terms.retention_bp + cap > BP:
        raise refuse(Kind.INVALID, "deductions_exceed_amount", "retention and the penalty cap together exceed 100 %")
    people = list(identities)
    for where, rule in [*((m.id, m.rule) for m in terms.milestones), (FINAL, terms.final_acceptance)]:
        if rule is not None:
            _check_rule(where, rule, people)


def _check_rule(where: str, rule: Rule, people: list[Identity]) -> None:
    names = [s.name for s in rule.slots]
    if len(set(names)) != len(names):
        raise refuse(Kind.INVALID, "rule_invalid", f"{where}: slot names are distinct")
    if rule.required > len(rule.slots):
        raise refuse(Kind.INVALID, "rule_invalid", f"{where}: {rule.required} of {len(rule.slots)} slots can never be met")
    unknown = sorted({s.role for s in rule.slots} - ROLES)
    if unknown:
        raise refuse(Kind.INVALID, "rule_invalid", f"{where}: unknown roles {', '.join(unknown)}")
    if "admin" in {s.role for s in rule.slots}:
        raise refuse(Kind.INVALID, "rule_invalid", f"{where}: attestations are by domain roles, not admin")
    if matching_size(rule.slots, people) < rule.required:
        raise refuse(Kind.INVALID, "rule_unsatisfiable", f"{where}: no {rule.required} distinct identities exist today "
                     "that hold the slots' roles and organisations")  # fmt: skip


def matching_size(slots: tuple[Slot, ...], people: list[Identity]) -> int:
    """The most slots distinct people can fill at once (bipartite matching, augmenting paths)."""
    holder: dict[str, int] = {}  # identity id -> slot index it fills

    def place(k: int, seen: set[str]) -> bool:
        for person in people:
            if person.public_key is None or person.id in seen or not slots[k].admits(person):
                continue
            seen.add(person.id)
            if person.id not in holder or place(holder[person.id], seen):
                holder[person.id] = k
                return True
        return False

    return sum(1 for k in range(len(slots)) if place(k, set()))
