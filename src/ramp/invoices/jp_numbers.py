"""Japan's 13-digit corporate number (法人番号) and the qualified-invoice registration number.

The registration number (適格請求書発行事業者登録番号) of a corporation is "T" followed by its
corporate number. The corporate number's first digit is a check digit over the other twelve
(法人番号の指定等に関する省令 第2条): with P(n) the n-th of the twelve counted from the
right and Q(n) = 1 for odd n, 2 for even n,

    check = 9 - (sum(P(n) * Q(n) for n in 1..12) mod 9)

RAMP reports a wrong check digit as a warning, never a refusal: the JP PINT Schematron checks
the form only (T + 13 digits), and the published examples carry placeholder numbers.
"""

from __future__ import annotations

import re
from typing import Final

__all__ = ["CORPORATE_NUMBER_RE", "REGISTRATION_NUMBER_RE", "corporate_number_check_digit_ok"]

CORPORATE_NUMBER_RE: Final = re.compile(r"[0-9]{13}")
REGISTRATION_NUMBER_RE: Final = re.compile(r"T[0-9]{13}")


def corporate_number_check_digit_ok(number: str) -> bool:
    """True if the 13-digit `number` carries the right check digit in front."""
    if not CORPORATE_NUMBER_RE.fullmatch(number):
        raise ValueError(f"a corporate number is 13 digits, got {number!r}")
    check, base = int(number[0]), number[1:]
    weighted = sum(int(digit) * (1 if n % 2 else 2) for n, digit in enumerate(reversed(base), start=1))
    expected = 9 - weighted % 9
    assert 1 <= expected <= 9
    return check == expected
