"""Numscript, the transaction DSL of the Formance ledger: parser and pure interpreter.

    program = parse(source)
    result = execute(program, vars={"amt": "JPYD 100"}, balances={("a", "JPYD"): 500})
    result.postings  # (Posting(source="a", destination="b", amount=100, asset="JPYD"), ...)

Amounts are Python ints, portions exact fractions; the rounding rule is in `allotment`.
"""

from ramp.numscript.analysis import needed_balances
from ramp.numscript.ast import Program
from ramp.numscript.errors import (
    InvalidAllotmentError,
    MissingFundsError,
    NumscriptError,
    NumscriptParseError,
    NumscriptRuntimeError,
)
from ramp.numscript.interpreter import ExecutionResult, Posting, execute
from ramp.numscript.parser import parse

__all__ = [
    "ExecutionResult",
    "InvalidAllotmentError",
    "MissingFundsError",
    "NumscriptError",
    "NumscriptParseError",
    "NumscriptRuntimeError",
    "Posting",
    "Program",
    "execute",
    "needed_balances",
    "parse",
]
