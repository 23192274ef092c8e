"""A script run as the ledger layer sees it: the request, its checks, the plan and outcome.

`prepare` checks everything that needs no ledger state (id, code, record size, syntax, var
names) before the journal's write lock is taken; `ramp.numscript.ledger` does the rest.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final, Literal

from ramp.ledger import results as result_codes
from ramp.ledger.model import (
    BATCH_MAX_EVENTS,
    CODE_RE,
    RECORD_BODY_MAX_BYTES,
    TRANSFER_ID_MAX_CHARS,
    TRANSFER_ID_RE,
    Command,
    Result,
)
from ramp.numscript.ast import Program
from ramp.numscript.errors import NumscriptParseError
from ramp.numscript.parser import parse
from ramp.numscript.run_record import body_bytes, run_body
from ramp.refusal import Kind, Refused

DEFAULT_CODE: Final = "NUMSCRIPT"
# The record takes one slot of the batch; every other slot may hold a posting.
POSTINGS_MAX: Final = BATCH_MAX_EVENTS - 1
# Room in a transfer id for the longest ":<n>" suffix.
SCRIPT_ID_MAX_CHARS: Final = TRANSFER_ID_MAX_CHARS - len(f":{POSTINGS_MAX - 1}")
REFERENCE_KEY: Final = "script_run"  # on every transfer of a run: the run's id

# What kind of refusal: the request itself is wrong (HTTP 400), the ledger's state does not
# allow it (409), or the script ran but asks for what the ledger cannot hold (422).
RefusalKind = Literal["invalid", "conflict", "unprocessable"]

# Engine codes about a command's shape (no state consulted): a script that produced such a
# posting asks for something no ledger state allows.
_SHAPE_FIRST, _SHAPE_LAST = (
    result_codes.CODES_IN_PRECEDENCE.index(code) for code in (result_codes.ID_INVALID, result_codes.ACCOUNTS_MUST_BE_DIFFERENT)
)
SHAPE_CODES: Final = frozenset(result_codes.CODES_IN_PRECEDENCE[_SHAPE_FIRST : _SHAPE_LAST + 1])


class ScriptRefused(Refused):
    """The run was refused and nothing was written. `code` is machine-readable; for script
    errors `numscript_code` (and `line`/`column` when located) say exactly what; for a chain
    the engine refused, `results` holds its result per command. They are the error body's
    extra fields."""

    def __init__(
        self,
        kind: RefusalKind,
        code: str,
        message: str,
        *,
        numscript_code: str | None = None,
        line: int | None = None,
        column: int | None = None,
        results: Sequence[Result] = (),
    ) -> None:
        extra = {"numscript_code": numscript_code, "line": line, "column": column, "results": list(results) or None}
        super().__init__(Kind(kind), code, message, fields={k: v for k, v in extra.items() if v is not None})
        self.numscript_code = numscript_code
        self.line = line
        self.column = column
        self.results = tuple(results)


@dataclass(frozen=True, slots=True)
class ScriptRun:
    """What is asked: run `script` with `vars` as run `id`; its transfers get `code`."""

    id: str
    script: str
    vars: Mapping[str, str]
    code: str = DEFAULT_CODE
    submitted_by: str | None = None  # the signing identity, kept in the record


@dataclass(frozen=True, slots=True)
class Prepared:
    """A run whose inputs were checked and whose script parsed (no ledger state read yet)."""

    run: ScriptRun
    program: Program


@dataclass(frozen=True, slots=True)
class PlannedPosting:
    transfer_id: str
    source: str
    destination: str
    amount: int
    asset: str


@dataclass(frozen=True, slots=True)
class RunPlan:
    run_id: str
    commands: tuple[Command, ...]  # the record, then one transfer per posting
    postings: tuple[PlannedPosting, ...]
    tx_meta: Mapping[str, str]
    account_meta: Mapping[str, Mapping[str, str]]
    replayed: bool  # the id was run before with the same inputs: the answer is `exists`


@dataclass(frozen=True, slots=True)
class PostingResult:
    transfer_id: str
    source: str
    destination: str
    amount: int
    asset: str
    result: str
    seq: int


@dataclass(frozen=True, slots=True)
class RunOutcome:
    run_id: str
    record: Result
    postings: tuple[PostingResult, ...]
    tx_meta: Mapping[str, str]
    account_meta: Mapping[str, Mapping[str, str]]
    replayed: bool
    results: tuple[Result, ...]


def transfer_id(run_id: str, index: int) -> str:
    return f"{run_id}:{index}"


def prepare(run: ScriptRun) -> Prepared:
    """Check what can be checked without the ledger, and parse the script."""
    if len(run.id) > SCRIPT_ID_MAX_CHARS or not TRANSFER_ID_RE.fullmatch(run.id):
        raise ScriptRefused(
            "invalid",
            "script_id_invalid",
            f"a run id is [A-Za-z0-9_.:-], 1 to {SCRIPT_ID_MAX_CHARS} characters",
        )
    if not CODE_RE.fullmatch(run.code):
        raise ScriptRefused("invalid", "code_invalid", "a transfer code is [A-Z][A-Z0-9_]{0,31}")
    # The record must hold the inputs; checking now also bounds the parser's work.
    inputs = run_body(
        script=run.script,
        vars=run.vars,
        code=run.code,
        transfers=0,
        tx_meta={},
        account_meta={},
        submitted_by=run.submitted_by,
    )
    if body_bytes(inputs) > RECORD_BODY_MAX_BYTES:
        raise ScriptRefused(
            "invalid",
            "script_too_large",
            f"the script and its vars must fit a {RECORD_BODY_MAX_BYTES}-byte record "
            f"(JSON), they take {body_bytes(inputs)}",
        )
    try:
        program = parse(run.script)
    except NumscriptParseError as error:
        raise ScriptRefused(
            "invalid",
            "script_parse_error",
            error.message,
            numscript_code=error.code,
            line=error.line,
            column=error.column,
        ) from None
    declared = {decl.name for decl in program.vars}
    unknown = sorted(set(run.vars) - declared)
    if unknown:
        raise ScriptRefused(
            "invalid",
            "script_vars_invalid",
            "vars the script does not declare: " + ", ".join(f"${n}" for n in unknown),
            numscript_code="unknown_variable",
        )
    return Prepared(run, program)
