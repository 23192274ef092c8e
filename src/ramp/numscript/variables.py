"""Binding a program's `vars` block: given text, `meta()`, `balance()` and `overdraft()`.

Declarations are bound in order, so an origin may use the variables declared before it.
Balances come through a lookup function so the interpreter and the balance-discovery pass
(`analysis.needed_balances`) share this code.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from ramp.numscript import ast
from ramp.numscript.errors import (
    InvalidArgumentsError,
    InvalidVariableError,
    MetadataNotFoundError,
    MissingVariableError,
    NegativeBalanceError,
    TypeMismatchError,
)
from ramp.numscript.evaluate import as_account, as_asset, as_string
from ramp.numscript.values import Monetary, Value, parse_value

BalanceLookup = Callable[[str, str], int]


def bind_variables(
    declarations: tuple[ast.VarDecl, ...],
    given: Mapping[str, str],
    balance_of: BalanceLookup,
    account_meta: Mapping[str, Mapping[str, str]],
) -> dict[str, Value]:
    """Values of all declared variables, in declaration order."""
    env: dict[str, Value] = {}
    for decl in declarations:
        if decl.origin is None:
            if decl.name not in given:
                raise MissingVariableError(
                    f"no value given for ${decl.name}", line=decl.pos.line, column=decl.pos.column
                )
            text = given[decl.name]
            if not isinstance(text, str):
                raise InvalidVariableError(f"${decl.name}: value must be given as text")
            env[decl.name] = parse_value(decl.type, text, name=decl.name)
        else:
            env[decl.name] = _from_origin(decl, decl.origin, env, balance_of, account_meta)
    return env


def _from_origin(
    decl: ast.VarDecl,
    call: ast.FnCall,
    env: Mapping[str, Value],
    balance_of: BalanceLookup,
    account_meta: Mapping[str, Mapping[str, str]],
) -> Value:
    line, column = call.pos.line, call.pos.column
    if len(call.args) != 2:
        raise InvalidArgumentsError(
            f"{call.name}() takes 2 arguments, got {len(call.args)}", line=line, column=column
        )
    account = as_account(call.args[0], env)
    if call.name == "meta":
        key = as_string(call.args[1], env)
        text = account_meta.get(account, {}).get(key)
        if text is None:
            raise MetadataNotFoundError(
                f"account @{account} has no metadata {key!r}", line=line, column=column
            )
        # Metadata is text: it is read as the declared type, like a given variable.
        return parse_value(decl.type, text, name=decl.name)

    asset = as_asset(call.args[1], env)
    if decl.type != "monetary":
        raise TypeMismatchError(
            f"{call.name}() gives a monetary, but ${decl.name} is a {decl.type}",
            line=line,
            column=column,
        )
    balance = balance_of(account, asset)
    if call.name == "overdraft":
        # How far below zero the account is; 0 when it is not overdrawn.
        return Monetary(asset, max(0, -balance))
    assert call.name == "balance", call.name
    if balance < 0:
        raise NegativeBalanceError(
            f"balance() of @{account} is negative ({asset} {balance})", line=line, column=column
        )
    return Monetary(asset, balance)
