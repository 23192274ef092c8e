"""Amounts for the reader: exact yen with separators in English, 兆/億/万 units in Japanese.

Money is an integer yen amount everywhere; this module only turns one into text. `static/
ramp.js` carries the same functions for figures that arrive in the browser, and a browser test
checks both agree on the same amounts.

Exact forms:   EN ¥8,700,500,000,000          JA 8兆7,005億円  (zero groups are left out)
Short forms:   EN ¥8.70 tn / ¥223 bn / ¥4.30 m JA 8.7兆円 / 2,231億円 / 430万円
Short forms keep three significant digits (two in 兆), rounding half away from zero with
integer arithmetic: they are labels for charts, never figures to add up.
"""

from __future__ import annotations

from typing import Final

LANGS: Final = ("en", "ja")
_JA_UNITS: Final = ((10**12, "兆"), (10**8, "億"), (10**4, "万"))
_EN_UNITS: Final = ((10**12, "tn"), (10**9, "bn"), (10**6, "m"))
MINUS: Final = "−"  # U+2212: a real minus sign, not a hyphen


def yen(amount: int, lang: str = "en") -> str:
    """The exact amount: `¥1,234` (en) or `1,234円`, `8兆7,005億円` (ja)."""
    assert isinstance(amount, int), "amounts are integers"
    sign, n = (MINUS, -amount) if amount < 0 else ("", amount)
    if lang != "ja":
        return f"{sign}¥{n:,}"
    if n == 0:
        return "0円"
    parts = []
    for unit, name in _JA_UNITS:
        q, n = divmod(n, unit)
        if q:
            parts.append(f"{q:,}{name}")
    if n:
        parts.append(f"{n:,}")
    return f"{sign}{''.join(parts)}円"


def _round_div(n: int, d: int) -> int:
    """n / d rounded half away from zero (n >= 0)."""
    return (2 * n + d) // (2 * d)


def _significant(n: int, unit: int, digits: int) -> str:
    """n / unit with `digits` significant digits (at least the integer part), as text."""
    whole = n // unit
    decimals = max(0, digits - len(str(whole))) if whole else digits - 1
    scaled = _round_div(n * 10**decimals, unit)
    text = f"{scaled // 10**decimals:,}"
    if decimals:
        text += "." + f"{scaled % 10**decimals:0{decimals}d}"
    return text


def yen_short(amount: int, lang: str = "en") -> str:
    """A chart label: `¥8.70 tn`, `¥223 bn` (en); `8.7兆円`, `2,231億円`, `430万円` (ja)."""
    assert isinstance(amount, int), "amounts are integers"
    sign, n = (MINUS, -amount) if amount < 0 else ("", amount)
    if lang == "ja":
        if n >= 10**12:
            return f"{sign}{_significant(n, 10**12, 2)}兆円"
        if n >= 10**8:
            return f"{sign}{_round_div(n, 10**8):,}億円"
        if n >= 10**4:
            return f"{sign}{_round_div(n, 10**4):,}万円"
        return f"{sign}{n:,}円"
    for unit, name in _EN_UNITS:
        if n >= unit:
            return f"{sign}¥{_significant(n, unit, 3)} {name}"
    return f"{sign}¥{n:,}"


def percent(part: int, whole: int) -> str:
    """part / whole as a percentage with one decimal, rounded half up ('—' for a zero whole)."""
    if whole <= 0:
        return "—"
    tenths = _round_div(max(part, 0) * 1000, whole)
    return f"{tenths // 10}.{tenths % 10}%"


def basis_points(part: int, whole: int) -> int:
    """part / whole in basis points (0..10000+), rounded down: for bar widths and colour bands."""
    return 0 if whole <= 0 else max(part, 0) * 10_000 // whole
