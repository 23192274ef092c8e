"""The Numscript interpreter: a parsed program plus inputs to postings and metadata.

Pure and deterministic: no I/O, no clock. Balances are read from the caller's mapping once
per (account, asset) and then tracked in a working copy, so every statement sees the effect
of the ones before it, exactly as the reference implementation does.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from types import MappingProxyType

from ramp.numscript import ast
from ramp.numscript.allotment import split
from ramp.numscript.errors import (
    InvalidArgumentsError,
    InvalidSendAllError,
    MissingFundsError,
    NegativeAmountError,
)
from ramp.numscript.evaluate import (
    as_account,
    as_amount_of,
    as_asset,
    as_monetary,
    as_portion,
    as_string,
    evaluate,
)
from ramp.numscript.funds import FundsQueue
from ramp.numscript.values import Value, render
from ramp.numscript.variables import bind_variables

# The account that may always send, without limit: where new money enters the ledger.
WORLD = "world"

_NO_METADATA: Mapping[str, Mapping[str, str]] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class Posting:
    source: str
    destination: str
    amount: int
    asset: str


@dataclass(frozen=True, slots=True)
class ExecutionResult:
    postings: tuple[Posting, ...]
    # Metadata values in their Numscript text form (`42`, `USD/2 100`, `3/25`, `users:1`).
    tx_meta: Mapping[str, str]
    # Only the account metadata the script set, not what the accounts already had.
    account_meta: Mapping[str, Mapping[str, str]]


def execute(
    program: ast.Program,
    vars: Mapping[str, str],
    balances: Mapping[tuple[str, str], int],
    account_meta: Mapping[str, Mapping[str, str]] = _NO_METADATA,
) -> ExecutionResult:
    """Run `program`. `balances` maps (account, asset) to an integer; a missing key is 0.

    Raises a `NumscriptRuntimeError` subclass (e.g. `MissingFundsError`) when the script
    cannot run with these inputs; nothing is partially applied, since nothing is applied.
    """
    return _Run(balances).run(program, vars, account_meta)


class _Run:
    def __init__(self, balances: Mapping[tuple[str, str], int]):
        self._initial_balances = balances
        self._balances: dict[tuple[str, str], int] = {}
        self._env: dict[str, Value] = {}
        self._postings: list[Posting] = []
        self._tx_meta: dict[str, str] = {}
        self._account_meta: dict[str, dict[str, str]] = {}
        # Asset and funds queue of the `send` being executed.
        self._asset = ""
        self._queue = FundsQueue()

    def run(
        self,
        program: ast.Program,
        given_vars: Mapping[str, str],
        account_meta: Mapping[str, Mapping[str, str]],
    ) -> ExecutionResult:
        self._env = bind_variables(program.vars, given_vars, self._balance, account_meta)
        for statement in program.statements:
            match statement:
                case ast.Send():
                    self._send(statement)
                case ast.Save():
                    self._save(statement)
                case ast.FnCall():
                    self._call(statement)
        return ExecutionResult(
            postings=tuple(self._postings),
            tx_meta=MappingProxyType(dict(self._tx_meta)),
            account_meta=MappingProxyType(
                {
                    account: MappingProxyType(dict(meta))
                    for account, meta in self._account_meta.items()
                }
            ),
        )

    # --- balances --------------------------------------------------------------------------

    def _balance(self, account: str, asset: str) -> int:
        key = (account, asset)
        if key not in self._balances:
            amount = self._initial_balances.get(key, 0)
            if type(amount) is not int:
                raise TypeError(f"balance of {key} must be an int, got {amount!r}")
            self._balances[key] = amount
        return self._balances[key]

    def _adjust(self, account: str, delta: int) -> None:
        self._balances[(account, self._asset)] = self._balance(account, self._asset) + delta

    # --- statements ------------------------------------------------------------------------

    def _send(self, statement: ast.Send) -> None:
        if isinstance(statement.amount, ast.SendAll):
            self._asset = as_asset(statement.amount.asset, self._env)
            sent = self._send_all(statement.source)
        else:
            monetary = as_monetary(statement.amount, self._env)
            self._asset = monetary.asset
            if monetary.amount < 0:
                raise _negative(monetary.amount, statement.amount.pos)
            sent = monetary.amount
            self._send_exact(statement.source, sent)
        assert self._queue.total == sent, (self._queue.total, sent)
        self._receive(statement.destination, sent)
        assert self._queue.total == 0, self._queue.total

    def _save(self, statement: ast.Save) -> None:
        if isinstance(statement.amount, ast.SendAll):
            asset, amount = as_asset(statement.amount.asset, self._env), None
        else:
            monetary = as_monetary(statement.amount, self._env)
            asset, amount = monetary.asset, monetary.amount
            if amount < 0:
                raise _negative(amount, statement.amount.pos)
        account = as_account(statement.account, self._env)
        balance = self._balance(account, asset)
        # Saving hides part of a positive balance from later sends. A balance already at or
        # below zero is left as it is: saving must never make more money spendable.
        if balance > 0:
            self._balances[(account, asset)] = 0 if amount is None else max(0, balance - amount)

    def _call(self, call: ast.FnCall) -> None:
        arity = 2 if call.name == "set_tx_meta" else 3
        if len(call.args) != arity:
            raise InvalidArgumentsError(
                f"{call.name}() takes {arity} arguments, got {len(call.args)}",
                line=call.pos.line,
                column=call.pos.column,
            )
        if call.name == "set_tx_meta":
            key = as_string(call.args[0], self._env)
            self._tx_meta[key] = render(evaluate(call.args[1], self._env))
        else:
            assert call.name == "set_account_meta", call.name
            account = as_account(call.args[0], self._env)
            key = as_string(call.args[1], self._env)
            value = render(evaluate(call.args[2], self._env))
            self._account_meta.setdefault(account, {})[key] = value

    # --- sources ---------------------------------------------------------------------------

    def _send_exact(self, source: ast.Source, amount: int) -> None:
        sent = self._send_up_to(source, amount)
        if sent != amount:
            raise MissingFundsError(
                asset=self._asset,
                needed=amount,
                available=sent,
                line=source.pos.line,
                column=source.pos.column,
            )

    def _send_up_to(self, source: ast.Source, amount: int) -> int:
        """Take at most `amount` from `source`; return how much was taken."""
        match source:
            case ast.SourceAccount(_, account):
                return self._take(account, amount, overdraft=0)
            case ast.SourceOverdraft(_, account, bound):
                return self._take(account, amount, overdraft=self._overdraft(bound))
            case ast.SourceInorder(_, sources):
                left = amount
                for sub_source in sources:
                    left -= self._send_up_to(sub_source, left)
                return amount - left
            case ast.SourceAllotment(pos, items):
                portions = [self._portion(item.portion) for item in items]
                parts = split(amount, portions, line=pos.line, column=pos.column)
                for item, part in zip(items, parts, strict=True):
                    self._send_exact(item.source, part)
                return amount
            case ast.SourceCapped(_, cap, sub_source):
                cap_amount = as_amount_of(self._asset, cap, self._env)
                return self._send_up_to(sub_source, max(0, min(amount, cap_amount)))
        raise AssertionError(f"unknown source {source!r}")

    def _send_all(self, source: ast.Source) -> int:
        """Take everything `source` can give; return how much that was."""
        match source:
            case ast.SourceAccount(_, account):
                return self._take_all(account, overdraft=0)
            case ast.SourceOverdraft(pos, account, bound):
                if bound is None:
                    raise InvalidSendAllError(
                        "cannot send all from a source with unbounded overdraft",
                        line=pos.line,
                        column=pos.column,
                    )
                return self._take_all(account, overdraft=self._overdraft(bound))
            case ast.SourceInorder(_, sources):
                return sum(self._send_all(sub_source) for sub_source in sources)
            case ast.SourceCapped(_, cap, sub_source):
                cap_amount = as_amount_of(self._asset, cap, self._env)
                return self._send_up_to(sub_source, max(0, cap_amount))
            case ast.SourceAllotment(pos, _):
                raise InvalidSendAllError(
                    "cannot send all from an allotment", line=pos.line, column=pos.column
                )
        raise AssertionError(f"unknown source {source!r}")

    def _take(self, account_expr: ast.Expr, amount: int, *, overdraft: int | None) -> int:
        account = as_account(account_expr, self._env)
        if account == WORLD or overdraft is None:
            taken = amount
        else:
            spendable = max(0, self._balance(account, self._asset) + overdraft)
            taken = min(spendable, amount)
        self._push(account, taken)
        return taken

    def _take_all(self, account_expr: ast.Expr, *, overdraft: int) -> int:
        account = as_account(account_expr, self._env)
        if account == WORLD:
            raise InvalidSendAllError(
                "cannot send all from @world, which has no limit",
                line=account_expr.pos.line,
                column=account_expr.pos.column,
            )
        taken = max(0, self._balance(account, self._asset) + overdraft)
        self._push(account, taken)
        return taken

    def _push(self, account: str, amount: int) -> None:
        if amount == 0:
            return
        self._adjust(account, -amount)
        self._queue.push(account, amount)

    def _overdraft(self, bound: ast.Expr | None) -> int | None:
        # A negative bound allows no overdraft at all, as in the reference implementation.
        if bound is None:
            return None
        return max(0, as_amount_of(self._asset, bound, self._env))

    def _portion(self, portion: ast.Expr | None) -> Fraction | None:
        return None if portion is None else as_portion(portion, self._env)

    # --- destinations ----------------------------------------------------------------------

    def _receive(self, destination: ast.Destination, amount: int) -> None:
        match destination:
            case ast.DestAccount(_, account):
                self._give(as_account(account, self._env), amount)
            case ast.DestAllotment(pos, items):
                portions = [self._portion(item.portion) for item in items]
                parts = split(amount, portions, line=pos.line, column=pos.column)
                for item, part in zip(items, parts, strict=True):
                    self._receive_target(item.target, part)
            case ast.DestInorder(_, clauses, remaining):
                left = amount
                for clause in clauses:
                    cap = as_amount_of(self._asset, clause.cap, self._env)
                    if left == 0:
                        break
                    part = max(0, min(cap, left))
                    if part > 0:
                        self._receive_target(clause.target, part)
                        left -= part
                if left > 0:
                    self._receive_target(remaining, left)

    def _receive_target(self, target: ast.Target, amount: int) -> None:
        if isinstance(target, ast.Kept):
            self._keep(amount)
        else:
            self._receive(target, amount)

    def _give(self, account: str, amount: int) -> None:
        for sender, piece in self._queue.pull(amount):
            self._postings.append(Posting(sender, account, piece, self._asset))
            self._adjust(account, piece)

    def _keep(self, amount: int) -> None:
        # Kept funds go back to whoever gave them: no posting, the balance is restored.
        for sender, piece in self._queue.pull(amount):
            self._adjust(sender, piece)


def _negative(amount: int, pos: ast.Pos) -> NegativeAmountError:
    return NegativeAmountError(
        f"cannot move a negative amount ({amount})", line=pos.line, column=pos.column
    )
