"""Parser: accepted syntax, and located, coded errors for everything else."""

from __future__ import annotations

from fractions import Fraction

import pytest

from ramp.numscript import NumscriptParseError, ast, parse
from ramp.numscript.lexer import NUMBER_MAX_DIGITS, SCRIPT_MAX_CHARS
from ramp.numscript.parser import NESTING_MAX_DEPTH


def _error(source: str) -> NumscriptParseError:
    with pytest.raises(NumscriptParseError) as caught:
        parse(source)
    return caught.value


@pytest.mark.parametrize(
    ("source", "line", "column", "code"),
    [
        # misspelt keyword: points at the word
        ("send [COIN 10] (\n  source = @a\n  destinaton = @b\n)", 3, 3, "syntax_error"),
        # missing destination: points at the closing parenthesis
        ("send [COIN 10] (\n  source = @a\n)", 3, 1, "syntax_error"),
        ("send [COIN 10] (\n  source = @a\n  destination = @b\n", 4, 1, "syntax_error"),
        ('set_tx_meta("k", #)', 1, 18, "syntax_error"),
        ('set_tx_meta("k\n", 1)', 1, 13, "syntax_error"),
        ("/* never closed\nsend", 1, 1, "syntax_error"),
        ("vars {\n  money $m\n}", 2, 3, "unknown_type"),
        ("vars {\n  number $n\n  string $n\n}", 3, 10, "duplicate_variable"),
        ("vars { monetary $m = price(@a) }", 1, 22, "unknown_function"),
        ("print(1)", 1, 1, "unknown_function"),
        (
            "send [C 1] (\n source = @a\n destination = {\n  remaining to @b\n  remaining kept\n }\n)",
            5,
            3,
            "duplicate_remaining",
        ),
        (
            "send [C 1] (\n source = { remaining from @a\n remaining from @b }\n destination = @c\n)",
            3,
            2,
            "duplicate_remaining",
        ),
        (
            "send [C 1] (\n source = @a\n destination = {\n  max [C 1] to @b\n  1/2 to @c\n }\n)",
            5,
            3,
            "syntax_error",
        ),
        (
            "send [C 1] (\n source = {\n  @a\n  1/2 from @b\n }\n destination = @c\n)",
            4,
            3,
            "syntax_error",
        ),
        ("send [C 1] (\n source = @a\n destination = {}\n)", 3, 17, "syntax_error"),
        (
            "send [C 1] (\n source = oneof { @a @b }\n destination = @c\n)",
            2,
            11,
            "unsupported_feature",
        ),
        ("send [C 1] (\n source = @a:$id\n destination = @c\n)", 2, 11, "unsupported_feature"),
        ('set_tx_meta("k", balance(@a, C))', 1, 18, "unsupported_feature"),
        ('set_tx_meta("k", [C *])', 1, 21, "syntax_error"),
    ],
)
def test_errors_are_located_and_coded(source: str, line: int, column: int, code: str) -> None:
    error = _error(source)
    assert (error.line, error.column, error.code) == (line, column, code), error


def test_error_message_names_what_was_found() -> None:
    error = _error("send [COIN 10] (\n  source = @a\n  destinaton = @b\n)")
    assert "expected destination" in str(error)
    assert "'destinaton'" in str(error)
    assert "line 3, column 3" in str(error)


def test_limits() -> None:
    assert _error("// " + "x" * SCRIPT_MAX_CHARS).code == "script_too_long"
    assert _error(f'set_tx_meta("k", {"9" * (NUMBER_MAX_DIGITS + 1)})').code == "number_too_long"
    deep = "-" * (NESTING_MAX_DEPTH + 1) + "1"
    assert _error(f'set_tx_meta("k", {deep})').code == "nesting_too_deep"
    nested = "{ " * (NESTING_MAX_DEPTH + 1) + "@a" + " }" * (NESTING_MAX_DEPTH + 1)
    assert _error(f"send [C 1] (source = {nested} destination = @b)").code == "nesting_too_deep"


def test_full_program_shape() -> None:
    program = parse(
        """
        // a comment
        vars {
          account $rider
          portion $cut = meta($rider, "cut") /* block /* nested */ comment */
          monetary $bal = balance(@a, USD/2)
          monetary $debt = overdraft(@a, USD/2)
        }
        send [USD/2 100_000] (
          source = {
            max [USD/2 -10] from $rider
            @b allowing overdraft up to [USD/2 5]
            @c allowing unbounded overdraft
          }
          destination = {
            12.5% to @d
            $cut kept
            remaining to { max $bal to @e  remaining kept }
          }
        )
        save [USD/2 *] from @a
        set_account_meta(@a, "k", 1/3)
        """
    )
    assert [v.name for v in program.vars] == ["rider", "cut", "bal", "debt"]
    assert program.vars[1].origin == ast.FnCall(ast.Pos(5, 26), "meta", program.vars[1].origin.args)
    send, save, call = program.statements
    assert (
        isinstance(send, ast.Send) and isinstance(save, ast.Save) and isinstance(call, ast.FnCall)
    )
    assert send.amount == ast.MonetaryLit(
        ast.Pos(9, 14),
        ast.AssetLit(ast.Pos(9, 15), "USD/2"),
        ast.NumberLit(ast.Pos(9, 21), 100_000),
    )
    source = send.source
    assert isinstance(source, ast.SourceInorder)
    capped, bounded, unbounded = source.sources
    assert isinstance(capped, ast.SourceCapped)
    assert capped.cap.amount == ast.Negate(ast.Pos(11, 24), ast.NumberLit(ast.Pos(11, 25), 10))
    assert isinstance(bounded, ast.SourceOverdraft) and bounded.bound is not None
    assert isinstance(unbounded, ast.SourceOverdraft) and unbounded.bound is None
    destination = send.destination
    assert isinstance(destination, ast.DestAllotment)
    first, second, third = destination.items
    assert first.portion == ast.PortionLit(ast.Pos(16, 13), Fraction(1, 8))
    assert isinstance(second.target, ast.Kept)
    assert third.portion is None and isinstance(third.target, ast.DestInorder)
    assert isinstance(save.amount, ast.SendAll)
    assert call.args[2] == ast.BinaryOp(
        ast.Pos(22, 35), "/", ast.NumberLit(ast.Pos(22, 35), 1), ast.NumberLit(ast.Pos(22, 37), 3)
    )


def test_operator_precedence_and_monetary_minus() -> None:
    (call,) = parse('set_tx_meta("k", [EUR/2 100-1] - [EUR/2 2] + 1/3)').statements
    assert isinstance(call, ast.FnCall)
    expr = call.args[1]
    # ((m1 - m2) + (1/3)): `/` binds tighter, `+`/`-` associate to the left.
    assert isinstance(expr, ast.BinaryOp) and expr.op == "+"
    assert isinstance(expr.left, ast.BinaryOp) and expr.left.op == "-"
    assert isinstance(expr.right, ast.BinaryOp) and expr.right.op == "/"
    monetary = expr.left.left
    assert isinstance(monetary, ast.MonetaryLit)
    assert isinstance(monetary.amount, ast.BinaryOp) and monetary.amount.op == "-"


def test_ordered_destination_and_send_plus() -> None:
    (send,) = parse(
        "send [C 1] + [C 2] (source = @world destination = { max [C 1] kept remaining to @b })"
    ).statements
    assert isinstance(send, ast.Send)
    assert isinstance(send.amount, ast.BinaryOp)
    assert isinstance(send.destination, ast.DestInorder)
    assert isinstance(send.destination.clauses[0].target, ast.Kept)


def test_empty_program_and_empty_vars() -> None:
    assert parse("") == ast.Program((), ())
    assert parse("vars {}\n// nothing") == ast.Program((), ())
