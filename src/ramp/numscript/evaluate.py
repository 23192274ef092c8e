"""Evaluation of Numscript expressions to values, and typed reads of those values.

Pure: an expression's value depends only on the variables bound so far.
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction

from ramp.numscript import ast
from ramp.numscript.errors import (
    AssetMismatchError,
    DivisionByZeroError,
    TypeMismatchError,
    UnboundVariableError,
)
from ramp.numscript.values import (
    Account,
    Asset,
    Monetary,
    Number,
    Portion,
    String,
    Value,
    render,
    type_name,
)


def evaluate(expr: ast.Expr, env: Mapping[str, Value]) -> Value:
    """The value of `expr` given the bound variables `env`."""
    match expr:
        case ast.VariableRef(pos, name):
            if name not in env:
                raise UnboundVariableError(
                    f"variable ${name} is not defined", line=pos.line, column=pos.column
                )
            return env[name]
        case ast.AccountLit(_, name):
            return Account(name)
        case ast.AssetLit(_, name):
            return Asset(name)
        case ast.StringLit(_, text):
            return String(text)
        case ast.NumberLit(_, number):
            return Number(number)
        case ast.PortionLit(_, fraction):
            return Portion(fraction)
        case ast.MonetaryLit(_, asset_expr, amount_expr):
            return Monetary(as_asset(asset_expr, env), as_number(amount_expr, env))
        case ast.Negate(pos, operand):
            match evaluate(operand, env):
                case Number(number):
                    return Number(-number)
                case Monetary(asset, amount):
                    return Monetary(asset, -amount)
                case other:
                    raise _mismatch("number or monetary", other, pos)
        case ast.BinaryOp(pos, "/", left, right):
            numerator, denominator = as_number(left, env), as_number(right, env)
            if denominator == 0:
                raise DivisionByZeroError(
                    f"portion {numerator}/0 divides by zero", line=pos.line, column=pos.column
                )
            return Portion(Fraction(numerator, denominator))
        case ast.BinaryOp(pos, op, left, right):
            return _add_or_subtract(op, evaluate(left, env), evaluate(right, env), pos)
    raise AssertionError(f"unknown expression {expr!r}")


def _add_or_subtract(op: str, left: Value, right: Value, pos: ast.Pos) -> Value:
    sign = 1 if op == "+" else -1
    match left, right:
        case Number(a), Number(b):
            return Number(a + sign * b)
        case Monetary(asset_a, a), Monetary(asset_b, b):
            if asset_a != asset_b:
                raise AssetMismatchError(
                    f"cannot {'add' if sign == 1 else 'subtract'} {asset_b} and {asset_a}",
                    line=pos.line,
                    column=pos.column,
                )
            return Monetary(asset_a, a + sign * b)
        case ((Number() | Monetary()), _):
            raise _mismatch(type_name(left), right, pos)
    raise _mismatch("number or monetary", left, pos)


def _mismatch(expected: str, value: Value, pos: ast.Pos) -> TypeMismatchError:
    return TypeMismatchError(
        f"expected a {expected}, got {type_name(value)} {render(value)!r}",
        line=pos.line,
        column=pos.column,
    )


def as_account(expr: ast.Expr, env: Mapping[str, Value]) -> str:
    value = evaluate(expr, env)
    if not isinstance(value, Account):
        raise _mismatch("account", value, expr.pos)
    return value.name


def as_asset(expr: ast.Expr, env: Mapping[str, Value]) -> str:
    value = evaluate(expr, env)
    if not isinstance(value, Asset):
        raise _mismatch("asset", value, expr.pos)
    return value.name


def as_number(expr: ast.Expr, env: Mapping[str, Value]) -> int:
    value = evaluate(expr, env)
    if not isinstance(value, Number):
        raise _mismatch("number", value, expr.pos)
    return value.value


def as_string(expr: ast.Expr, env: Mapping[str, Value]) -> str:
    value = evaluate(expr, env)
    if not isinstance(value, String):
        raise _mismatch("string", value, expr.pos)
    return value.value


def as_portion(expr: ast.Expr, env: Mapping[str, Value]) -> Fraction:
    value = evaluate(expr, env)
    if not isinstance(value, Portion):
        raise _mismatch("portion", value, expr.pos)
    return value.value


def as_monetary(expr: ast.Expr, env: Mapping[str, Value]) -> Monetary:
    value = evaluate(expr, env)
    if not isinstance(value, Monetary):
        raise _mismatch("monetary", value, expr.pos)
    return value


def as_amount_of(asset: str, expr: ast.Expr, env: Mapping[str, Value]) -> int:
    """The amount of a monetary that must be in `asset` (a cap or an overdraft bound)."""
    monetary = as_monetary(expr, env)
    if monetary.asset != asset:
        raise AssetMismatchError(
            f"expected an amount of {asset}, got {monetary.asset}",
            line=expr.pos.line,
            column=expr.pos.column,
        )
    return monetary.amount
