"""Interpreter: each typed error, functions, metadata, balance discovery, purity."""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from types import MappingProxyType

import pytest

from ramp.numscript import (
    InvalidAllotmentError,
    MissingFundsError,
    NumscriptRuntimeError,
    Posting,
    errors,
    execute,
    needed_balances,
    parse,
)
from ramp.numscript.allotment import split


def run(source: str, vars: Mapping[str, str] | None = None, balances=None, meta=None):
    return execute(parse(source), vars or {}, balances or {}, meta or {})


def send(amount: str, source: str, destination: str) -> str:
    return f"send {amount} (\n  source = {source}\n  destination = {destination}\n)"


# --- allotment rounding ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("total", "portions", "parts"),
    [
        (100, ["3/5", "71/200", "9/200"], [61, 35, 4]),  # 60%, 35.5%, 4.5%
        (15, ["4/5", "2/25", "3/25"], [13, 1, 1]),  # 80%, 8%, 12%
        (100, [None, "1/8"], [88, 12]),  # remaining first takes the leftover unit first
        (2, ["9/10", "1/10"], [2, 0]),
        (10, ["1/3", None, "1/3"], [4, 3, 3]),
        (7, ["1/7", "1/7", None], [1, 1, 5]),
        (0, ["1/2", "1/2"], [0, 0]),
        (1, ["1/3", "1/3", "1/3"], [1, 0, 0]),
        (9, ["1/3", "2/3"], [3, 6]),
        (100_000, ["19/100000", None], [19, 99_981]),
    ],
)
def test_split_rounding(total: int, portions: list[str | None], parts: list[int]) -> None:
    fractions = [None if p is None else Fraction(p) for p in portions]
    assert split(total, fractions) == parts


@pytest.mark.parametrize(
    "portions",
    [["1/2", "1/3"], ["1/2", "2/3"], ["1/2", "3/4", None], ["3/2", "-1/2"], []],
)
def test_split_rejects_bad_portions(portions: list[str | None]) -> None:
    with pytest.raises(InvalidAllotmentError) as caught:
        split(10, [None if p is None else Fraction(p) for p in portions])
    assert caught.value.code == "invalid_allotment"


# --- each error type ------------------------------------------------------------------------


def test_missing_funds_error() -> None:
    with pytest.raises(MissingFundsError) as caught:
        run(send("[COIN 10]", "{ @a @b }", "@c"), balances={("a", "COIN"): 3, ("b", "COIN"): 4})
    error = caught.value
    assert (error.code, error.asset, error.needed, error.available) == (
        "missing_funds",
        "COIN",
        10,
        7,
    )
    assert (error.line, error.column) == (2, 12)


def test_missing_funds_in_an_allotment_part() -> None:
    with pytest.raises(MissingFundsError) as caught:
        run(send("[COIN 10]", "{ 1/2 from @a  remaining from @world }", "@c"))
    assert (caught.value.needed, caught.value.available) == (5, 0)


@pytest.mark.parametrize(
    ("script", "vars"),
    [
        (send("[COIN 10]", "@world", "{ 1/2 to @a  1/3 to @b }"), {}),
        (send("[COIN 10]", "@world", "{ 1/2 to @a  2/3 to @b  remaining kept }"), {}),
        (send("[COIN 10]", "{ 1/2 from @world  1/4 from @world }", "@a"), {}),
        (
            "vars { number $n  number $d }\n"
            + send("[COIN 10]", "@world", "{ $n/$d to @a  remaining kept }"),
            {"n": "3", "d": "2"},
        ),
    ],
)
def test_invalid_allotment_error(script: str, vars: dict[str, str]) -> None:
    with pytest.raises(InvalidAllotmentError) as caught:
        run(script, vars)
    assert caught.value.line is not None


def test_variable_portion_allotment_is_valid() -> None:
    result = run(
        "vars { portion $p }\n" + send("[COIN 10]", "@world", "{ $p to @a  remaining kept }"),
        {"p": "1/3"},
    )
    assert result.postings == (Posting("world", "a", 4, "COIN"),)


@pytest.mark.parametrize(
    ("script", "vars", "error_type", "code"),
    [
        (
            "vars { monetary $m }\n" + send("$m", "@world", "@a"),
            {"m": "COIN -5"},
            errors.NegativeAmountError,
            "negative_amount",
        ),
        ("save [COIN 0] - [COIN 1] from @a", {}, errors.NegativeAmountError, "negative_amount"),
        ("vars { account $a }", {}, errors.MissingVariableError, "missing_variable"),
        ("vars { monetary $m }", {"m": "COIN"}, errors.InvalidVariableError, "invalid_variable"),
        (
            "vars { monetary $m }",
            {"m": "COIN 1.5"},
            errors.InvalidVariableError,
            "invalid_variable",
        ),
        ("vars { portion $p }", {"p": "101%"}, errors.InvalidVariableError, "invalid_variable"),
        ("vars { portion $p }", {"p": "1/0"}, errors.InvalidVariableError, "invalid_variable"),
        (
            "vars { account $a }",
            {"a": "bad account"},
            errors.InvalidVariableError,
            "invalid_variable",
        ),
        ("vars { number $n }", {"n": "1_000"}, errors.InvalidVariableError, "invalid_variable"),
        ("vars { asset $x }", {"x": "usd"}, errors.InvalidVariableError, "invalid_variable"),
        (send("$nope", "@world", "@a"), {}, errors.UnboundVariableError, "unbound_variable"),
        (send("@a", "@world", "@b"), {}, errors.TypeMismatchError, "type_mismatch"),
        ("set_tx_meta(@a, 1)", {}, errors.TypeMismatchError, "type_mismatch"),
        ('set_tx_meta("k", 1 + [COIN 1])', {}, errors.TypeMismatchError, "type_mismatch"),
        ('set_tx_meta("k", "a" + "b")', {}, errors.TypeMismatchError, "type_mismatch"),
        ('set_tx_meta("k", [COIN 1] + [EUR 1])', {}, errors.AssetMismatchError, "asset_mismatch"),
        (
            send("[COIN 1]", "max [EUR 5] from @world", "@a"),
            {},
            errors.AssetMismatchError,
            "asset_mismatch",
        ),
        (
            send("[COIN 1]", "@world", "{ max [EUR 5] to @a remaining kept }"),
            {},
            errors.AssetMismatchError,
            "asset_mismatch",
        ),
        (
            send("[COIN 1]", "@a allowing overdraft up to [EUR 5]", "@b"),
            {},
            errors.AssetMismatchError,
            "asset_mismatch",
        ),
        (
            'vars { string $s = meta(@a, "k") }',
            {},
            errors.MetadataNotFoundError,
            "metadata_not_found",
        ),
        (
            "vars { monetary $b = balance(@a, COIN) }",
            {},
            errors.NegativeBalanceError,
            "negative_balance",
        ),
        ('set_tx_meta("k", 1/0)', {}, errors.DivisionByZeroError, "division_by_zero"),
        (send("[COIN *]", "@world", "@a"), {}, errors.InvalidSendAllError, "invalid_send_all"),
        (
            send("[COIN *]", "@a allowing unbounded overdraft", "@b"),
            {},
            errors.InvalidSendAllError,
            "invalid_send_all",
        ),
        (
            send("[COIN *]", "{ 1/2 from @a remaining from @b }", "@c"),
            {},
            errors.InvalidSendAllError,
            "invalid_send_all",
        ),
        ('set_tx_meta("k")', {}, errors.InvalidArgumentsError, "invalid_arguments"),
        (
            "vars { monetary $b = balance(@a) }",
            {},
            errors.InvalidArgumentsError,
            "invalid_arguments",
        ),
        ("vars { number $b = balance(@a, COIN) }", {}, errors.TypeMismatchError, "type_mismatch"),
    ],
)
def test_runtime_errors(script: str, vars: dict[str, str], error_type, code: str) -> None:
    with pytest.raises(error_type) as caught:
        run(script, vars, balances={("a", "COIN"): -1})
    assert caught.value.code == code
    assert isinstance(caught.value, NumscriptRuntimeError)


def test_runtime_errors_carry_the_location() -> None:
    with pytest.raises(errors.UnboundVariableError) as caught:
        run('set_tx_meta("a", 1)\nset_tx_meta("b",  $x)')
    assert (caught.value.line, caught.value.column) == (2, 19)


# --- behaviour ------------------------------------------------------------------------------


def test_overdraft_function_gives_the_debt() -> None:
    script = (
        "vars { monetary $debt = overdraft(@a, COIN)  monetary $none = overdraft(@b, COIN) }\n"
        + send("$debt", "@world", "@a")
        + '\nset_tx_meta("none", $none)'
    )
    result = run(script, balances={("a", "COIN"): -30, ("b", "COIN"): 12})
    assert result.postings == (Posting("world", "a", 30, "COIN"),)
    assert result.tx_meta == {"none": "COIN 0"}


def test_metadata_values_are_read_as_the_declared_type() -> None:
    script = (
        'vars { account $to = meta(@a, "to")  monetary $m = meta(@a, "m")'
        '  number $n = meta(@a, "n") }\n'
        + send("$m", "@world", "$to")
        + '\nset_account_meta($to, "n", $n + 1)'
    )
    meta = {"a": {"to": "users:1", "m": "JPYD 500", "n": "41"}}
    result = run(script, meta=meta)
    assert result.postings == (Posting("world", "users:1", 500, "JPYD"),)
    assert result.account_meta == {"users:1": {"n": "42"}}


def test_save_hides_funds_and_never_raises_a_negative_balance() -> None:
    script = "save [COIN 5] from @a\n" + send("[COIN 10]", "{ @a @world }", "@b")
    (from_a, from_world) = run(script, balances={("a", "COIN"): 8}).postings
    assert (from_a.amount, from_world.amount) == (3, 7)
    # With a negative balance the reference would reset it to 0 (freeing 30 here): we do not.
    script = "save [COIN 5] from @a\n" + send(
        "[COIN 10]", "@a allowing overdraft up to [COIN 30]", "@b"
    )
    with pytest.raises(MissingFundsError):
        run(script, balances={("a", "COIN"): -100})


def test_kept_funds_return_to_their_sender() -> None:
    script = (
        send("[COIN 10]", "@a", "{ max [COIN 4] kept  remaining to @b }")
        + "\n"
        + send("[COIN *]", "@a", "@c")
    )
    result = run(script, balances={("a", "COIN"): 10})
    assert result.postings == (Posting("a", "b", 6, "COIN"), Posting("a", "c", 4, "COIN"))


def test_execute_is_pure() -> None:
    balances = MappingProxyType({("a", "COIN"): 10})
    program = parse(send("[COIN *]", "@a", "@b"))
    first = execute(program, {}, balances)
    assert first == execute(program, {}, balances)
    assert balances == {("a", "COIN"): 10}
    with pytest.raises(TypeError):
        first.tx_meta["x"] = "y"  # type: ignore[index]


def test_balances_must_be_ints() -> None:
    with pytest.raises(TypeError):
        run(send("[COIN 1]", "@a", "@b"), balances={("a", "COIN"): 1.0})


# --- needed_balances ------------------------------------------------------------------------

NEEDS = """
vars {
  account $src
  monetary $cap = balance(@limits, EUR)
  account $dest = meta($src, "dest")
}
send [EUR 10] (
  source = {
    max $cap from $src
    @b allowing overdraft up to [EUR 5]
    @c allowing unbounded overdraft
    @d
    @world
  }
  destination = $dest
)
save [USD *] from @e
send [EUR *] (source = $dest destination = @f)
"""


def test_needed_balances_lists_what_execution_reads() -> None:
    program = parse(NEEDS)
    vars, meta = {"src": "s"}, {"s": {"dest": "t"}}
    needed = needed_balances(program, vars, meta)
    assert needed == {
        ("limits", "EUR"),
        ("s", "EUR"),
        ("b", "EUR"),
        ("d", "EUR"),
        ("e", "USD"),
        ("t", "EUR"),
    }

    class Recording(dict):
        def get(self, key, default=None):
            reads.append(key)
            return super().get(key, default)

    reads: list[tuple[str, str]] = []
    full = Recording({key: 7 for key in needed} | {("c", "EUR"): 100, ("zz", "EUR"): 1})
    result = execute(program, vars, full, meta)
    assert {key for key in reads if key in full} <= needed
    only_needed = {key: 7 for key in needed}
    assert execute(program, vars, only_needed, meta) == result
