"""Typed errors of the Numscript parser and interpreter.

Every error carries a stable, machine-readable `code` (the API maps it to a 4xx answer) and,
where the failure belongs to a place in the script, the 1-based `line` and `column` of it.
"""

from __future__ import annotations


class NumscriptError(Exception):
    """Base of every error raised by `ramp.numscript`."""

    code: str = "numscript_error"

    def __init__(self, message: str, *, line: int | None = None, column: int | None = None):
        self.message = message
        self.line = line
        self.column = column
        where = f" (line {line}, column {column})" if line is not None else ""
        super().__init__(f"{message}{where}")


class NumscriptParseError(NumscriptError):
    """The script is not valid Numscript. Always located: `line` and `column` are set."""

    line: int
    column: int

    def __init__(self, message: str, *, line: int, column: int, code: str = "syntax_error"):
        self.code = code
        super().__init__(message, line=line, column=column)


class NumscriptRuntimeError(NumscriptError):
    """The script is valid but cannot run with these inputs."""

    code = "runtime_error"


class MissingFundsError(NumscriptRuntimeError):
    """A source could not provide the amount a `send` (or an allotment part) needs."""

    code = "missing_funds"

    def __init__(
        self, *, asset: str, needed: int, available: int, line: int | None, column: int | None
    ):
        self.asset = asset
        self.needed = needed
        self.available = available
        super().__init__(
            f"not enough funds: needed [{asset} {needed}], only [{asset} {available}] available",
            line=line,
            column=column,
        )


class InvalidAllotmentError(NumscriptRuntimeError):
    """Allotment portions do not add up to 1 (or to at most 1 beside `remaining`)."""

    code = "invalid_allotment"


class NegativeAmountError(NumscriptRuntimeError):
    """A `send` or `save` was asked to move a negative amount."""

    code = "negative_amount"


class MissingVariableError(NumscriptRuntimeError):
    """A declared variable without origin was not given a value."""

    code = "missing_variable"


class InvalidVariableError(NumscriptRuntimeError):
    """A variable's (or a metadata value's) text is not a valid value of its declared type."""

    code = "invalid_variable"


class UnboundVariableError(NumscriptRuntimeError):
    """A `$name` is used that no declaration (before it) defines."""

    code = "unbound_variable"


class TypeMismatchError(NumscriptRuntimeError):
    """A value of one type is used where another is required."""

    code = "type_mismatch"


class AssetMismatchError(NumscriptRuntimeError):
    """Two monetaries of different assets are combined, or a cap's asset is not the sent one."""

    code = "asset_mismatch"


class MetadataNotFoundError(NumscriptRuntimeError):
    """`meta(@account, "key")` found no such key on the account."""

    code = "metadata_not_found"


class NegativeBalanceError(NumscriptRuntimeError):
    """`balance()` was called on an account whose balance is negative."""

    code = "negative_balance"


class DivisionByZeroError(NumscriptRuntimeError):
    """A portion `a/b` was built with b = 0."""

    code = "division_by_zero"


class InvalidSendAllError(NumscriptRuntimeError):
    """`send [ASSET *]` from a source with no upper bound (`@world`, unbounded overdraft) or
    from an allotment, whose total is not defined."""

    code = "invalid_send_all"


class InvalidArgumentsError(NumscriptRuntimeError):
    """A built-in function got the wrong number of arguments."""

    code = "invalid_arguments"
