"""Running a Numscript on the ledger: one run is one linked batch, all or nothing.

A run `<id>` is a `numscript.run` record (script, vars, what it set) followed by one transfer
`<id>:<n>` per posting, all linked, so the engine applies every one or none. Planning reads
the *live* engine it is given (the journal calls it under its write lock, so no other batch
can change a balance between the read and the write) and returns commands; nothing here does
I/O. `@world` is refused: new money enters only from an account the ledger holds and lets go
negative, named in the script (`@treasury:issuer allowing unbounded overdraft`).

    prepared = prepare(ScriptRun("allot-1", script, {"amount": "JPYD 100"}, code="ALLOT"))
    planner = ScriptPlanner(prepared)
    results = journal.submit_planned_async(planner).result()
    outcome = settle(planner.plan, results)  # or ScriptRefused
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from types import MappingProxyType
from typing import TYPE_CHECKING

import msgspec

from ramp.ledger import results as result_codes
from ramp.ledger.engine import LedgerEngine
from ramp.ledger.events import RecordAppended
from ramp.ledger.model import RECORD_BODY_MAX_BYTES, AppendRecord, Command, CreateTransfer, Result
from ramp.numscript.analysis import needed_balances
from ramp.numscript.errors import (
    InvalidVariableError,
    MissingFundsError,
    MissingVariableError,
    NumscriptError,
)
from ramp.numscript.interpreter import WORLD, execute
from ramp.numscript.run_record import (
    RUN_RECORD_TYPE,
    body_bytes,
    input_difference,
    run_body,
    stored_outputs,
)
from ramp.numscript.runs import (
    POSTINGS_MAX,
    REFERENCE_KEY,
    SHAPE_CODES,
    PlannedPosting,
    PostingResult,
    Prepared,
    RefusalKind,
    RunOutcome,
    RunPlan,
    ScriptRefused,
    ScriptRun,
    prepare,
    transfer_id,
)

if TYPE_CHECKING:
    from ramp.journal import Journal

_DIFFERENT = {"script": "a different script", "vars": "different vars", "code": "a different code"}


# --- under the write lock: the live engine --------------------------------------------------


class ScriptPlanner:
    """The journal's `Planner` for one run; after it was called, `plan` says what it planned."""

    def __init__(self, prepared: Prepared) -> None:
        self._prepared = prepared
        self.plan: RunPlan | None = None

    def __call__(self, engine: LedgerEngine) -> list[Command]:
        self.plan = plan_run(engine, self._prepared)
        return list(self.plan.commands)


def plan_run(engine: LedgerEngine, prepared: Prepared) -> RunPlan:
    """The commands of a run against the engine's current state (raises ScriptRefused)."""
    run = prepared.run
    done = engine.record(run.id)
    if done is not None:
        return _replay(engine, run, done)
    meta = _LedgerMetadata(engine)
    try:
        needed = needed_balances(prepared.program, run.vars, meta)
        balances = {
            (account, asset): _spendable(engine, account, asset) for account, asset in needed
        }
        result = execute(prepared.program, run.vars, balances, meta)
    except NumscriptError as error:
        raise _refusal(error) from None
    for index, p in enumerate(result.postings):
        if WORLD in (p.source, p.destination):
            raise ScriptRefused(
                "unprocessable",
                "world_account_not_allowed",
                f"posting {index} moves {p.asset} {p.amount} {'from' if p.source == WORLD else 'to'} @world, "
                "which is no ledger account: name the issuing account instead "
                "(e.g. @treasury:issuer allowing unbounded overdraft)",
            )
    # Each posting needs at least one account or variable token (2+ characters) of a script
    # that fits RECORD_BODY_MAX_BYTES, so a run can never outgrow one batch.
    assert len(result.postings) <= POSTINGS_MAX, len(result.postings)
    postings = tuple(
        PlannedPosting(transfer_id(run.id, i), p.source, p.destination, p.amount, p.asset)
        for i, p in enumerate(result.postings)
    )
    body = run_body(
        script=run.script,
        vars=run.vars,
        code=run.code,
        transfers=len(postings),
        tx_meta=result.tx_meta,
        account_meta=result.account_meta,
        submitted_by=run.submitted_by,
    )
    if body_bytes(body) > RECORD_BODY_MAX_BYTES:
        raise ScriptRefused(
            "unprocessable",
            "script_record_too_large",
            f"the run's record (script, vars and the metadata it sets) takes {body_bytes(body)} bytes, "
            f"over the {RECORD_BODY_MAX_BYTES}-byte limit",
        )
    references = {REFERENCE_KEY: run.id}
    transfers = [
        CreateTransfer(
            id=p.transfer_id,
            debit_account=p.source,
            credit_account=p.destination,
            amount=p.amount,
            asset=p.asset,
            code=run.code,
            references=references,
        )
        for p in postings
    ]
    commands = _linked([AppendRecord(id=run.id, type=RUN_RECORD_TYPE, body=body), *transfers])
    return RunPlan(
        run.id,
        commands,
        postings,
        _frozen(result.tx_meta),
        _frozen_nested(result.account_meta),
        replayed=False,
    )


def _replay(engine: LedgerEngine, run: ScriptRun, done: RecordAppended) -> RunPlan:
    """The same id again: the stored run's own commands, which the engine answers `exists`."""
    if done.type != RUN_RECORD_TYPE:
        raise ScriptRefused(
            "conflict",
            result_codes.EXISTS_WITH_DIFFERENT_TYPE,
            f"id {run.id!r} is a {done.type} record, not a script run",
        )
    field = input_difference(done.body, script=run.script, vars=run.vars, code=run.code)
    if field is not None:
        raise ScriptRefused(
            "conflict",
            f"exists_with_different_{field}",
            f"run {run.id!r} was made with {_DIFFERENT[field]}; a new run needs a new id",
        )
    count, tx_meta, account_meta = stored_outputs(done.body)
    commands: list[Command] = [
        AppendRecord(id=done.id, type=done.type, body=done.body, flags=done.flags)
    ]
    postings = []
    for index in range(count):
        t = engine.transfer(transfer_id(run.id, index))
        assert t is not None, f"run {run.id} records {count} transfers; {index} is missing"
        postings.append(
            PlannedPosting(t.id, t.debit_account, t.credit_account, int(t.amount), t.asset)
        )
        commands.append(
            CreateTransfer(
                id=t.id,
                debit_account=t.debit_account,
                credit_account=t.credit_account,
                amount=int(t.amount),
                asset=t.asset,
                code=t.code,
                flags=t.flags,
                references=t.references,
                memo=t.memo,
            )
        )
    return RunPlan(
        run.id,
        tuple(commands),
        tuple(postings),
        _frozen(tx_meta),
        _frozen_nested(account_meta),
        replayed=True,
    )


# --- after the commit: the engine's answer --------------------------------------------------


def settle(plan: RunPlan | None, results: Sequence[Result]) -> RunOutcome:
    """The outcome of a planned run from its batch's results; ScriptRefused if the engine
    refused the chain (then nothing of it was applied)."""
    assert plan is not None, "the planner was not called"
    assert len(results) == len(plan.commands), (len(results), len(plan.commands))
    failed = [r for r in results if r.result not in result_codes.SUCCESS_CODES]
    if failed:
        # In a failed chain one command has the cause; the others say linked_event_failed.
        cause_index, cause = next(
            ((i, r) for i, r in enumerate(results) if r.result != result_codes.LINKED_EVENT_FAILED),
            (0, failed[0]),
        )
        where = (
            "the run's record" if cause_index == 0 else _describe(plan.postings[cause_index - 1])
        )
        kind: RefusalKind = "unprocessable" if cause.result in SHAPE_CODES else "conflict"
        raise ScriptRefused(
            kind,
            cause.result,
            f"the ledger refused {where}: {cause.result}; nothing was written",
            results=results,
        )
    if plan.replayed:
        assert all(r.result == result_codes.EXISTS for r in results), results
    postings = tuple(
        PostingResult(p.transfer_id, p.source, p.destination, p.amount, p.asset, r.result, r.seq)  # type: ignore[arg-type]
        for p, r in zip(plan.postings, results[1:], strict=True)
    )
    assert all(p.seq is not None for p in postings) and results[0].seq is not None, results
    return RunOutcome(
        plan.run_id,
        results[0],
        postings,
        plan.tx_meta,
        plan.account_meta,
        plan.replayed,
        tuple(results),
    )


def run_on_journal(journal: Journal, run: ScriptRun, now_ns: int | None = None) -> RunOutcome:
    """Prepare, plan under the journal's write lock, wait until durable, settle."""
    planner = ScriptPlanner(prepare(run))
    results = journal.submit_planned_async(planner, now_ns).result()
    return settle(planner.plan, results)


# --- helpers ---------------------------------------------------------------------------------




def _spendable(engine: LedgerEngine, account_id: str, asset: str) -> int:
    """What the ledger lets the account pay now: posted credits minus posted and pending
    debits (exactly the engine's own `debits_must_not_exceed_credits` test). An account that
    does not exist, or holds another asset, has nothing."""
    account = engine.account(account_id)
    if account is None or account.asset != asset:
        return 0
    return account.credits_posted - account.debits_posted - account.debits_pending


class _LedgerMetadata(Mapping[str, Mapping[str, str]]):
    """Account metadata for `meta()`, read from the live engine when the script asks."""

    def __init__(self, engine: LedgerEngine) -> None:
        self._engine = engine

    def __getitem__(self, account_id: str) -> Mapping[str, str]:
        account = self._engine.account(account_id)
        if account is None:
            raise KeyError(account_id)
        return account.metadata

    def __iter__(self) -> Iterator[str]:
        return iter(self._engine.balances())

    def __len__(self) -> int:
        return self._engine.account_count()


def _refusal(error: NumscriptError) -> ScriptRefused:
    located = {"numscript_code": error.code, "line": error.line, "column": error.column}
    if isinstance(error, MissingFundsError):
        return ScriptRefused("conflict", "insufficient_funds", error.message, **located)
    if isinstance(error, MissingVariableError | InvalidVariableError):
        return ScriptRefused("invalid", "script_vars_invalid", error.message, **located)
    return ScriptRefused("unprocessable", "script_runtime_error", error.message, **located)


def _linked(commands: list[Command]) -> tuple[Command, ...]:
    """All but the last flagged `linked`: one chain, applied all or nothing."""
    out: list[Command] = []
    for i, cmd in enumerate(commands):
        if i < len(commands) - 1:
            assert not cmd.flags, cmd
            cmd = msgspec.structs.replace(cmd, flags=("linked",))
        out.append(cmd)
    return tuple(out)


def _describe(p: PlannedPosting) -> str:
    return f"posting {p.transfer_id} ({p.source} -> {p.destination}, {p.asset} {p.amount})"


def _frozen(m: Mapping[str, str]) -> Mapping[str, str]:
    return MappingProxyType(dict(m))


def _frozen_nested(m: Mapping[str, Mapping[str, str]]) -> Mapping[str, Mapping[str, str]]:
    return MappingProxyType({k: _frozen(v) for k, v in m.items()})
