"""Numscript specs files (`NAME.num.specs.json`, format of the reference's specs.schema.json):
decoding, and checking a script against every test case in one.

Pure: takes the script and the specs as text, returns results. Semantics follow the
reference spec runner: file-level `balances`/`variables`/`metadata` are merged under each
case's own (the case wins), assertions run only when present, `focus`/`skip` select cases.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import msgspec

from ramp.numscript.ast import Program
from ramp.numscript.errors import MissingFundsError, NumscriptError
from ramp.numscript.interpreter import ExecutionResult, Posting, execute
from ramp.numscript.parser import parse

# Feature flags this implementation honours: overdraft() is part of the language RAMP
# supports, so its flag changes nothing. Specs needing any other flag are skipped, whole.
SUPPORTED_FEATURE_FLAGS = frozenset({"experimental-overdraft-function"})


class BalanceRow(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    account: str
    asset: str
    amount: int
    color: str = ""


class PostingRow(msgspec.Struct, frozen=True):
    source: str
    destination: str
    asset: str
    amount: int
    color: str = ""


class TestCase(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    it: str
    focus: bool = False
    skip: bool = False
    balances: list[BalanceRow] | None = None
    variables: dict[str, str] | None = None
    metadata: dict[str, dict[str, str]] | None = None
    expect_postings: list[PostingRow] | None = msgspec.field(default=None, name="expect.postings")
    expect_end_balances: list[BalanceRow] | None = msgspec.field(
        default=None, name="expect.endBalances"
    )
    expect_end_balances_include: list[BalanceRow] | None = msgspec.field(
        default=None, name="expect.endBalances.include"
    )
    expect_movements: list[PostingRow] | None = msgspec.field(default=None, name="expect.movements")
    expect_tx_metadata: dict[str, str] | None = msgspec.field(
        default=None, name="expect.txMetadata"
    )
    expect_metadata: dict[str, dict[str, str]] | None = msgspec.field(
        default=None, name="expect.metadata"
    )
    expect_missing_funds: bool = msgspec.field(default=False, name="expect.error.missingFunds")


class Specs(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    test_cases: list[TestCase] = msgspec.field(name="testCases")
    schema: str | None = msgspec.field(default=None, name="$schema")
    balances: list[BalanceRow] | None = None
    variables: dict[str, str] | None = None
    metadata: dict[str, dict[str, str]] | None = None
    feature_flags: list[str] | None = msgspec.field(default=None, name="featureFlags")


class SpecsFormatError(ValueError):
    """The specs file is not valid against specs.schema.json (or is ambiguous)."""


@dataclass(frozen=True, slots=True)
class CaseResult:
    it: str
    passed: bool
    skipped: bool = False
    failures: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SpecsResult:
    """The outcome of one script with its specs file."""

    name: str
    cases: tuple[CaseResult, ...] = ()
    # Set when the file could not be run at all (bad script, bad specs): it failed.
    error: str | None = None
    # Set when the file needs a feature this implementation does not support: not counted.
    skipped_reason: str | None = None

    @property
    def passed(self) -> bool:
        return (
            self.error is None
            and self.skipped_reason is None
            and all(case.passed or case.skipped for case in self.cases)
        )

    @property
    def failed(self) -> bool:
        return self.skipped_reason is None and not self.passed


def check_specs(name: str, script: str, specs_json: bytes) -> SpecsResult:
    """Run every test case of `specs_json` against `script`."""
    try:
        specs = msgspec.json.decode(specs_json, type=Specs)
        _validate(specs)
    except (msgspec.ValidationError, msgspec.DecodeError, SpecsFormatError) as error:
        return SpecsResult(name, error=f"invalid specs file: {error}")
    unsupported = sorted(set(specs.feature_flags or ()) - SUPPORTED_FEATURE_FLAGS)
    if unsupported:
        return SpecsResult(name, skipped_reason=f"needs feature flags {', '.join(unsupported)}")
    if _uses_colors(specs):
        return SpecsResult(name, skipped_reason="needs asset colors (experimental)")
    if not specs.test_cases:
        return SpecsResult(name, error="empty test suite")
    try:
        program = parse(script)
    except NumscriptError as error:
        return SpecsResult(name, error=f"script does not parse: {error}")

    focused = any(case.focus for case in specs.test_cases)
    results = []
    for case in specs.test_cases:
        if case.skip or (focused and not case.focus):
            results.append(CaseResult(case.it, passed=False, skipped=True))
            continue
        failures = _run_case(program, specs, case)
        results.append(CaseResult(case.it, passed=not failures, failures=tuple(failures)))
    return SpecsResult(name, cases=tuple(results))


def _validate(specs: Specs) -> None:
    rows = [specs.balances] + [case.balances for case in specs.test_cases]
    for balance_rows in rows:
        keys = [(row.account, row.asset, row.color) for row in balance_rows or ()]
        if len(keys) != len(set(keys)):
            raise SpecsFormatError("a balances list holds the same (account, asset) twice")


def _uses_colors(specs: Specs) -> bool:
    rows: list[BalanceRow | PostingRow] = list(specs.balances or ())
    for case in specs.test_cases:
        for group in (
            case.balances,
            case.expect_end_balances,
            case.expect_end_balances_include,
            case.expect_postings,
            case.expect_movements,
        ):
            rows.extend(group or ())
    return any(row.color for row in rows)


def _run_case(program: Program, specs: Specs, case: TestCase) -> list[str]:
    balances = {
        (row.account, row.asset): row.amount
        for row in [*(specs.balances or ()), *(case.balances or ())]
    }
    variables = {**(specs.variables or {}), **(case.variables or {})}
    metadata: dict[str, dict[str, str]] = {}
    for source in (specs.metadata or {}, case.metadata or {}):
        for account, entries in source.items():
            metadata.setdefault(account, {}).update(entries)

    try:
        result = execute(program, variables, balances, metadata)
    except MissingFundsError as error:
        if case.expect_missing_funds:
            return []
        return [f"expect.error.missingFunds: expected no error, got {error}"]
    except NumscriptError as error:
        return [f"unexpected error [{error.code}]: {error}"]
    if case.expect_missing_funds:
        return [f"expect.error.missingFunds: expected missing funds, got {_show(result.postings)}"]
    return _compare(case, result, balances)


def _compare(
    case: TestCase, result: ExecutionResult, balances: Mapping[tuple[str, str], int]
) -> list[str]:
    failures: list[str] = []

    def check(label: str, expected: object, got: object) -> None:
        if expected != got:
            failures.append(f"{label}: expected {expected}, got {got}")

    if case.expect_postings is not None:
        expected_postings = tuple(
            Posting(row.source, row.destination, row.amount, row.asset)
            for row in case.expect_postings
        )
        check("expect.postings", _show(expected_postings), _show(result.postings))
    if case.expect_tx_metadata is not None:
        check("expect.txMetadata", case.expect_tx_metadata, dict(result.tx_meta))
    if case.expect_metadata is not None:
        got_meta = {account: dict(meta) for account, meta in result.account_meta.items()}
        check("expect.metadata", case.expect_metadata, got_meta)
    end = _end_balances(balances, result.postings)
    if case.expect_end_balances is not None:
        expected_end = {(r.account, r.asset): r.amount for r in case.expect_end_balances}
        keys = sorted(expected_end.keys() | end.keys())
        check(
            "expect.endBalances",
            {k: expected_end.get(k, 0) for k in keys if expected_end.get(k, 0)},
            {k: end.get(k, 0) for k in keys if end.get(k, 0)},
        )
    if case.expect_end_balances_include is not None:
        for row in case.expect_end_balances_include:
            key = (row.account, row.asset)
            check(f"expect.endBalances.include {key}", row.amount, end.get(key, 0))
    if case.expect_movements is not None:
        expected_moves = [
            (r.source, r.destination, r.asset, r.amount) for r in case.expect_movements
        ]
        check("expect.movements", sorted(expected_moves), sorted(_movements(result.postings)))
    return failures


def _end_balances(
    initial: Mapping[tuple[str, str], int], postings: tuple[Posting, ...]
) -> dict[tuple[str, str], int]:
    end = dict(initial)
    for posting in postings:
        source, destination = (posting.source, posting.asset), (posting.destination, posting.asset)
        end[source] = end.get(source, 0) - posting.amount
        end[destination] = end.get(destination, 0) + posting.amount
    return end


def _movements(postings: tuple[Posting, ...]) -> list[tuple[str, str, str, int]]:
    totals: dict[tuple[str, str, str], int] = {}
    for p in postings:
        key = (p.source, p.destination, p.asset)
        totals[key] = totals.get(key, 0) + p.amount
    return [(*key, amount) for key, amount in totals.items()]


def _show(postings: tuple[Posting, ...]) -> str:
    if not postings:
        return "no postings"
    return (
        "["
        + ", ".join(f"{p.source} -> {p.destination} {p.asset} {p.amount}" for p in postings)
        + "]"
    )
