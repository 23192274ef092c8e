"""Runtime values of Numscript, their text forms, and parsing of variables given as text.

Text forms follow the reference implementation, because they are what ends up in metadata:
a number is `42`, a monetary `USD/2 100`, a portion always `n/d` in lowest terms (`3/25`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction

from ramp.numscript.ast import VarType
from ramp.numscript.errors import InvalidVariableError
from ramp.numscript.lexer import NUMBER_MAX_DIGITS


@dataclass(frozen=True, slots=True)
class Account:
    name: str


@dataclass(frozen=True, slots=True)
class Asset:
    name: str


@dataclass(frozen=True, slots=True)
class Number:
    value: int


@dataclass(frozen=True, slots=True)
class String:
    value: str


@dataclass(frozen=True, slots=True)
class Portion:
    value: Fraction


@dataclass(frozen=True, slots=True)
class Monetary:
    asset: str
    amount: int


Value = Account | Asset | Number | String | Portion | Monetary

_TYPE_NAMES: dict[type, VarType] = {
    Account: "account",
    Asset: "asset",
    Number: "number",
    String: "string",
    Portion: "portion",
    Monetary: "monetary",
}

ACCOUNT_RE = re.compile(r"[a-zA-Z0-9_-]+(?::[a-zA-Z0-9_-]+)*")
ASSET_RE = re.compile(r"[A-Z][A-Z0-9]*(?:/[0-9]+)?")
_INTEGER_RE = re.compile(r"[+-]?[0-9]+")
_PERCENT_RE = re.compile(r"([0-9]+(?:\.[0-9]+)?)%")
_RATIO_RE = re.compile(r"([0-9]+) ?/ ?([0-9]+)")


def type_name(value: Value) -> VarType:
    return _TYPE_NAMES[type(value)]


def render(value: Value) -> str:
    """The text form of a value, as stored in transaction or account metadata."""
    match value:
        case Account(name) | Asset(name):
            return name
        case Number(number):
            return str(number)
        case String(text):
            return text
        case Portion(fraction):
            return f"{fraction.numerator}/{fraction.denominator}"
        case Monetary(asset, amount):
            return f"{asset} {amount}"
    raise AssertionError(f"unknown value {value!r}")


def parse_value(var_type: VarType, text: str, *, name: str) -> Value:
    """Read the text given for variable `name` (or found in metadata) as a `var_type`."""
    match var_type:
        case "account":
            if ACCOUNT_RE.fullmatch(text):
                return Account(text)
        case "asset":
            if ASSET_RE.fullmatch(text):
                return Asset(text)
        case "number":
            number = _parse_integer(text)
            if number is not None:
                return Number(number)
        case "string":
            return String(text)
        case "monetary":
            parts = text.split(" ")
            if len(parts) == 2 and ASSET_RE.fullmatch(parts[0]):
                amount = _parse_integer(parts[1])
                if amount is not None:
                    return Monetary(parts[0], amount)
        case "portion":
            portion = _parse_portion(text)
            if portion is not None:
                return Portion(portion)
    raise InvalidVariableError(f"${name}: {text!r} is not a valid {var_type}")


def _parse_integer(text: str) -> int | None:
    if not _INTEGER_RE.fullmatch(text) or len(text.lstrip("+-")) > NUMBER_MAX_DIGITS:
        return None
    return int(text)


def _parse_portion(text: str) -> Fraction | None:
    # A portion given as text must lie in [0, 1], as in the reference implementation.
    if percent := _PERCENT_RE.fullmatch(text):
        if len(percent.group(1)) > NUMBER_MAX_DIGITS:
            return None
        portion = Fraction(percent.group(1)) / 100
    elif ratio := _RATIO_RE.fullmatch(text):
        numerator, denominator = ratio.groups()
        too_long = max(len(numerator), len(denominator)) > NUMBER_MAX_DIGITS
        if too_long or int(denominator) == 0:
            return None
        portion = Fraction(int(numerator), int(denominator))
    else:
        return None
    return portion if 0 <= portion <= 1 else None
