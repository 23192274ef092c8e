"""Splitting an integer amount by exact fractions, with the reference's rounding rule.

Rule: every part first gets floor(portion x total); the units this leaves over (always fewer
than the number of parts) go one each to the parts in the order they are written, starting
with the first. `remaining` is the portion 1 - (sum of the others), taking its turn in that
order like any other part. The parts always add up to the total exactly.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

from ramp.numscript.errors import InvalidAllotmentError


def split(
    total: int,
    portions: Sequence[Fraction | None],
    *,
    line: int | None = None,
    column: int | None = None,
) -> list[int]:
    """Split `total` (>= 0) by `portions`, where `None` stands for `remaining`.

    Raises `InvalidAllotmentError` unless every portion is within [0, 1] and the portions add
    up to exactly 1 (to at most 1 when one of them is `remaining`).
    """
    assert total >= 0, total
    assert sum(1 for p in portions if p is None) <= 1, "at most one remaining"

    def invalid(message: str) -> InvalidAllotmentError:
        return InvalidAllotmentError(message, line=line, column=column)

    if not portions:
        raise invalid("an allotment needs at least one part")
    for portion in portions:
        if portion is not None and not 0 <= portion <= 1:
            raise invalid(f"portion {_show(portion)} is not between 0% and 100%")
    explicit_sum = sum((p for p in portions if p is not None), Fraction(0))
    if None in portions:
        if explicit_sum > 1:
            raise invalid(f"portions add up to {_show(explicit_sum)}, more than 1")
    elif explicit_sum != 1:
        raise invalid(f"portions add up to {_show(explicit_sum)}, not 1")

    exact = [p if p is not None else 1 - explicit_sum for p in portions]
    parts = [portion.numerator * total // portion.denominator for portion in exact]
    leftover = total - sum(parts)
    assert 0 <= leftover < len(parts), (leftover, parts)
    for index in range(leftover):
        parts[index] += 1
    assert sum(parts) == total
    return parts


def _show(fraction: Fraction) -> str:
    return f"{fraction.numerator}/{fraction.denominator}"
