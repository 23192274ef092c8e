"""The operator registry and the filings, typed at the edge; each field with its unit in its
name and its plausible range written down (after EU MiCA's sustainability indicators and the
US EIA-862 survey). A value outside its range, a field left out and a filing after its due date
are not refused: the filing is evidence, and each is a `mining.flag` record beside it.

Units: energy in kWh, shares in basis points (1/100 of a percent, so 10000 is all), emissions
in whole tCO2e per GHG Protocol scope, hashrate in TH/s (the period's average), uptime in
basis points of the period's hours.
"""

from __future__ import annotations

import calendar
import hashlib
import re
from dataclasses import dataclass
from typing import Annotated, Final

import msgspec

from ramp.ledger import AppendRecord
from ramp.ledger.model import JSON_SAFE_INT

OPERATOR_RECORD: Final = "mining.operator"
REPORT_RECORD: Final = "mining.report"
DISCLOSURE_RECORD: Final = "mining.disclosure"
FLAG_RECORD: Final = "mining.flag"
SITES_MAX: Final = 32  # a registration's sites; a larger fleet registers as several operators
PERIOD_RE: Final = re.compile(r"(20[0-9]{2})-(0[1-9]|1[0-2])")  # monthly periods, YYYY-MM
DUE_DAY: Final = 15  # a month's report is due by the end of the 15th of the next month, JST
JST_OFFSET_NS: Final = 9 * 3600 * 1_000_000_000
DISCLOSURE_FILE_MAX_BYTES: Final = 1024 * 1024  # larger logs are disclosed by hash and count only

Count = Annotated[int, msgspec.Meta(ge=0, le=JSON_SAFE_INT)]
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=128)]
Token = Annotated[str, msgspec.Meta(pattern=r"^[a-z0-9][a-z0-9_.-]{0,47}$")]
Period = Annotated[str, msgspec.Meta(pattern=f"^{PERIOD_RE.pattern}$")]
Sha256Hex = Annotated[str, msgspec.Meta(pattern=r"^[0-9a-f]{64}$")]


class Site(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    id: Token
    grid_region: Token  # e.g. the balancing authority or the TSO's area: "tepco", "ercot"
    capacity_kw: Count


class Registration(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    operator: Token  # the operator's identity, which signs its filings
    name: Name
    licence: Name
    sites: Annotated[list[Site], msgspec.Meta(min_length=1, max_length=SITES_MAX)]


class Report(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    period: Period
    energy_kwh: Count | None = None
    renewable_share_bp: Count | None = None
    scope1_tco2e: Count | None = None
    scope2_tco2e: Count | None = None
    scope3_tco2e: Count | None = None
    hashrate_ths: Count | None = None
    uptime_bp: Count | None = None
    heat_reuse_kwh: Count | None = None


class Disclosure(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    period: Period
    file_sha256: Sha256Hex
    record_count: Count
    file_b64: str | None = None  # the file itself, checked against the hash and count when given


@dataclass(frozen=True, slots=True)
class Bound:
    unit: str
    hi: int
    why: str


# Every field's upper bound (all are >= 0 by type). Over it, the value is flagged `out_of_range`.
BOUNDS: Final[dict[str, Bound]] = {
    "energy_kwh": Bound("kWh", 10**10, "a 1 GW site uses 7.4e8 kWh a month: ten such sites"),
    "renewable_share_bp": Bound("bp", 10_000, "a share is at most all of it"),
    "scope1_tco2e": Bound("tCO2e", 10**7, "on-site generation of the largest fleet, with margin"),
    "scope2_tco2e": Bound("tCO2e", 10**7, "1e10 kWh at 1 kgCO2e/kWh"),
    "scope3_tco2e": Bound("tCO2e", 10**7, "the same order as scope 2"),
    "hashrate_ths": Bound("TH/s", 10**9, "more than the whole Bitcoin network (about 8e8 TH/s in 2025)"),
    "uptime_bp": Bound("bp", 10_000, "at most every hour of the period"),
    "heat_reuse_kwh": Bound("kWh", 10**10, "and at most the energy used (checked too)"),
}
FIELDS: Final = tuple(BOUNDS)


@dataclass(frozen=True, slots=True)
class Finding:
    kind: str  # late, missing_field, out_of_range
    field: str | None
    message: str


def due_ns(period: str) -> int:
    """The first instant after the period's due date: the 16th of the next month, 00:00 JST."""
    m = PERIOD_RE.fullmatch(period)
    assert m is not None, period
    year, month = int(m.group(1)), int(m.group(2))
    year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return calendar.timegm((year, month, DUE_DAY + 1, 0, 0, 0)) * 1_000_000_000 - JST_OFFSET_NS


def findings(report: Report, received_ns: int) -> list[Finding]:
    """What the regulator flags in a report: late, each field missing, each value out of range."""
    out = []
    if received_ns >= due_ns(report.period):
        days = (received_ns - due_ns(report.period)) // (86_400 * 1_000_000_000) + 1
        out.append(Finding("late", None, f"the {report.period} report was due by the {DUE_DAY}th of the next month "
                           f"(JST); filed on day {days} after it"))  # fmt: skip
    for name, bound in BOUNDS.items():
        value = getattr(report, name)
        if value is None:
            out.append(Finding("missing_field", name, f"{name} ({bound.unit}) is missing"))
        elif value > bound.hi:
            out.append(Finding("out_of_range", name, f"{name} = {value} {bound.unit} is over {bound.hi} ({bound.why})"))
    if report.energy_kwh is not None and report.heat_reuse_kwh is not None and report.heat_reuse_kwh > report.energy_kwh:
        out.append(Finding("out_of_range", "heat_reuse_kwh", "more heat reused than energy used"))
    return out


def _id(prefix: str, *parts: str) -> str:
    return f"{prefix}:{hashlib.sha256('|'.join(parts).encode()).hexdigest()[:40]}"


def operator_record(reg: Registration, registered_by: str) -> AppendRecord:
    return AppendRecord(id=f"mining-operator:{reg.operator}", type=OPERATOR_RECORD,
                        body={**msgspec.to_builtins(reg), "registered_by": registered_by})  # fmt: skip


def report_records(operator: str, report: Report, body_sha256: str, received_ns: int) -> list[AppendRecord]:
    """The report and its flags, linked: written together or not at all."""
    rid = _id("mining-report", operator, report.period, body_sha256)
    found = findings(report, received_ns)
    records = [AppendRecord(id=rid, type=REPORT_RECORD, body={
        "operator": operator, "report": msgspec.to_builtins(report), "body_sha256": body_sha256,
        "received_ns": str(received_ns), "due_ns": str(due_ns(report.period))})]  # fmt: skip
    for f in found:
        records.append(AppendRecord(id=_id("mining-flag", rid, f.kind, f.field or ""), type=FLAG_RECORD, body={
            "operator": operator, "period": report.period, "kind": f.kind, "field": f.field, "message": f.message,
            "report": rid}))  # fmt: skip
    return _linked(records)


def disclosure_record(operator: str, d: Disclosure, body_sha256: str, received_ns: int) -> AppendRecord:
    return AppendRecord(id=_id("mining-disclosure", operator, d.period, body_sha256), type=DISCLOSURE_RECORD, body={
        "operator": operator, "period": d.period, "file_sha256": d.file_sha256, "record_count": d.record_count,
        "file_kept": d.file_b64 is not None, "received_ns": str(received_ns)})  # fmt: skip


def _linked(records: list[AppendRecord]) -> list[AppendRecord]:
    last = len(records) - 1
    return [msgspec.structs.replace(r, flags=() if k == last else ("linked",)) for k, r in enumerate(records)]
