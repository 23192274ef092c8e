"""Charts: the squarified treemap tiles its box exactly with areas in proportion, and the SVG
escapes every label."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ramp.web.charts import Block, Group, Rect, Series, squarify, treemap_svg, utilisation_svg


@given(st.lists(st.integers(1, 10**15), min_size=1, max_size=40), st.floats(10, 2000), st.floats(10, 2000))
def test_squarify_tiles_the_box_in_proportion(amounts, w, h):
    amounts = sorted(amounts, reverse=True)
    rects = squarify(amounts, Rect(0, 0, w, h))
    total = sum(amounts)
    assert len(rects) == len(amounts)
    assert sum(r.w * r.h for r in rects) == pytest.approx(w * h, rel=1e-6)
    for a, r in zip(amounts, rects, strict=True):
        assert r.w * r.h == pytest.approx(a * w * h / total, rel=1e-6, abs=1e-9)
        assert -1e-6 <= r.x <= r.x + r.w <= w + 1e-6
        assert -1e-6 <= r.y <= r.y + r.h <= h + 1e-6


def test_squarify_refuses_what_it_cannot_draw():
    with pytest.raises(AssertionError):
        squarify([5, 0], Rect(0, 0, 10, 10))


def test_labels_are_escaped():
    svg = treemap_svg([Group("<b>org</b>", "o & co", (Block("x", "<i>", "a<b", 5),))], {"x": "#fff"}, 'say "hi"')
    assert "<b>" not in svg and "<i>" not in svg and "&lt;b&gt;org" in svg and "o &amp; co" in svg
    assert 'aria-label="say &quot;hi&quot;"' in svg
    chart = utilisation_svg(["<m>"], [Series("k", "<s>", (5000,))], "u")
    assert "<m>" not in chart and "<s>" not in chart


def test_groups_without_money_are_left_out():
    svg = treemap_svg([Group("empty", "e", (Block("x", "x", "x", 0),)), Group("full", "f", (Block("x", "x", "x", 3),))],
                      {}, "t")  # fmt: skip
    assert "empty" not in svg and "full" in svg
