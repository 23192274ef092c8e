"""Which balances a program will read, so a ledger can load just those before running it.

Only accounts and assets are worked out here, never amounts: in stable Numscript no balance
decides which account or asset a statement touches, so a pass that treats every balance as
zero finds the same (account, asset) pairs the interpreter will read.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from ramp.numscript import ast
from ramp.numscript.evaluate import as_account, as_asset, as_monetary
from ramp.numscript.values import Value
from ramp.numscript.variables import bind_variables

_WORLD = "world"
_NO_METADATA: Mapping[str, Mapping[str, str]] = MappingProxyType({})


def needed_balances(
    program: ast.Program,
    vars: Mapping[str, str],
    account_meta: Mapping[str, Mapping[str, str]] = _NO_METADATA,
) -> set[tuple[str, str]]:
    """The (account, asset) balances `execute` may need; any other balance may be left out.

    Raises the same variable errors `execute` would (missing variable, metadata not found).
    """
    needed: set[tuple[str, str]] = set()

    def record(account: str, asset: str) -> int:
        needed.add((account, asset))
        return 0

    env = bind_variables(program.vars, vars, record, account_meta)
    for statement in program.statements:
        if isinstance(statement, ast.Send):
            asset = _asset_of(statement.amount, env)
            for account in _source_accounts(statement.source, env):
                if account != _WORLD:
                    needed.add((account, asset))
        elif isinstance(statement, ast.Save):
            needed.add((as_account(statement.account, env), _asset_of(statement.amount, env)))
    return needed


def _asset_of(amount: ast.Expr | ast.SendAll, env: Mapping[str, Value]) -> str:
    if isinstance(amount, ast.SendAll):
        return as_asset(amount.asset, env)
    return as_monetary(amount, env).asset


def _source_accounts(source: ast.Source, env: Mapping[str, Value]) -> list[str]:
    match source:
        case ast.SourceAccount(_, account):
            return [as_account(account, env)]
        case ast.SourceOverdraft(_, account, bound):
            # An unbounded overdraft never looks at the balance.
            return [] if bound is None else [as_account(account, env)]
        case ast.SourceInorder(_, sources):
            return [name for sub in sources for name in _source_accounts(sub, env)]
        case ast.SourceAllotment(_, items):
            return [name for item in items for name in _source_accounts(item.source, env)]
        case ast.SourceCapped(_, _, sub):
            return _source_accounts(sub, env)
    raise AssertionError(f"unknown source {source!r}")
