"""Amounts for the reader: exact yen in both languages, short labels, percentages."""

from __future__ import annotations

import pytest

from ramp.web.money import MINUS, basis_points, percent, yen, yen_short

# (amount, en exact, ja exact, en short, ja short): shared with the browser test of ramp.js
CASES = [
    (0, "¥0", "0円", "¥0", "0円"),
    (1, "¥1", "1円", "¥1", "1円"),
    (9_999, "¥9,999", "9,999円", "¥9,999", "9,999円"),
    (10_000, "¥10,000", "1万円", "¥10,000", "1万円"),
    (4_300_000, "¥4,300,000", "430万円", "¥4.30 m", "430万円"),
    (93_299_655_958, "¥93,299,655,958", "932億9,965万5,958円", "¥93.3 bn", "933億円"),
    (223_100_000_000, "¥223,100,000,000", "2,231億円", "¥223 bn", "2,231億円"),
    (999_999_999_999, "¥999,999,999,999", "9,999億9,999万9,999円", "¥1,000 bn", "10,000億円"),
    (8_700_500_000_000, "¥8,700,500,000,000", "8兆7,005億円", "¥8.70 tn", "8.7兆円"),
    (12_345_678_901_234_567, "¥12,345,678,901,234,567", "12,345兆6,789億123万4,567円", "¥12,346 tn", "12,346兆円"),
    (-8_700_500_000_000, f"{MINUS}¥8,700,500,000,000", f"{MINUS}8兆7,005億円", f"{MINUS}¥8.70 tn", f"{MINUS}8.7兆円"),
]


@pytest.mark.parametrize(("amount", "en", "ja", "en_short", "ja_short"), CASES)
def test_exact_and_short_forms(amount, en, ja, en_short, ja_short):
    assert yen(amount, "en") == en
    assert yen(amount, "ja") == ja
    assert yen_short(amount, "en") == en_short
    assert yen_short(amount, "ja") == ja_short


def test_an_unknown_language_reads_english():
    assert yen(1234, "fr") == "¥1,234"


def test_amounts_are_integers_only():
    with pytest.raises(AssertionError):
        yen(1.5)  # type: ignore[arg-type]
    with pytest.raises(AssertionError):
        yen_short(1.5)  # type: ignore[arg-type]


def test_percent_rounds_half_up_to_a_tenth_and_never_divides_by_zero():
    assert percent(1, 3) == "33.3%"
    assert percent(2, 3) == "66.7%"
    assert percent(1, 2000) == "0.1%"  # 0.05 % rounds up
    assert percent(1, 2001) == "0.0%"
    assert percent(5, 0) == "—"
    assert percent(-5, 10) == "0.0%"


def test_basis_points_round_down():
    assert basis_points(1, 3) == 3333
    assert basis_points(3, 3) == 10_000
    assert basis_points(1, 0) == 0
