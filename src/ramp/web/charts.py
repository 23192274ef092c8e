"""Charts as server-rendered SVG: a squarified treemap and a cumulative utilisation chart.

No chart library and no script: the SVG is part of the page, every block carries a <title>
for the pointer, and each chart sits next to a table of the same figures: the one a screen
reader or a keyboard reaches (sixty focusable blocks would be sixty Tab stops). Geometry is in floats (pixels); the amounts it is drawn from stay integers.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from typing import Final

TREEMAP_W: Final = 960
TREEMAP_H: Final = 420
_HEADER_PX: Final = 18  # an organisation's name above its blocks
_MIN_LABEL_W: Final = 64  # narrower blocks carry no text (the title still names them)
# Categorical colours (colour-blind-safe Okabe-Ito first, then muted tones), dark text on all.
PALETTE: Final = ("#e69f00", "#56b4e9", "#009e73", "#f0e442", "#0072b2", "#d55e00", "#cc79a7", "#999999",
                  "#a6cee3", "#b2df8a", "#fb9a99", "#fdbf6f", "#cab2d6", "#ffff99", "#8dd3c7", "#bebada")  # fmt: skip


@dataclass(frozen=True, slots=True)
class Rect:
    x: float
    y: float
    w: float
    h: float


@dataclass(frozen=True, slots=True)
class Block:
    """One leaf of the treemap: an amount and what to say about it."""

    key: str  # colour key (the category)
    label: str
    title: str  # full text for <title>
    amount: int


@dataclass(frozen=True, slots=True)
class Group:
    label: str
    title: str
    blocks: tuple[Block, ...]

    @property
    def amount(self) -> int:
        return sum(b.amount for b in self.blocks)


def _worst(row: list[float], side: float) -> float:
    s = sum(row)
    return max(max(side * side * r / (s * s), s * s / (side * side * r)) for r in row)


def squarify(amounts: Sequence[int], box: Rect) -> list[Rect]:
    """Rectangles tiling `box` with areas proportional to `amounts` (positive, largest first),
    as square as the squarified algorithm (Bruls, Huizing, van Wijk 2000) makes them."""
    assert all(a > 0 for a in amounts), "the treemap draws positive amounts only"
    total = sum(amounts)
    if not amounts or box.w <= 0 or box.h <= 0:
        return [Rect(box.x, box.y, 0, 0) for _ in amounts]
    areas = [a * box.w * box.h / total for a in amounts]
    out: list[Rect] = []
    x, y, w, h = box.x, box.y, box.w, box.h
    row: list[float] = []
    i = 0
    while i < len(areas):
        side = min(w, h)
        if not row or _worst([*row, areas[i]], side) <= _worst(row, side):
            row.append(areas[i])
            i += 1
            continue
        x, y, w, h = _lay_row(row, x, y, w, h, out)
        row = []
    if row:
        _lay_row(row, x, y, w, h, out, last=True)
    assert len(out) == len(amounts)
    return out


def _lay_row(row: list[float], x: float, y: float, w: float, h: float, out: list[Rect],
             last: bool = False) -> tuple[float, ...]:  # fmt: skip
    """Lay `row` along the box's shorter side; the last row takes all that is left, and the
    last block of a row ends exactly at the box's edge (no float drift past it)."""
    s = sum(row)
    if w >= h:  # a column along the left side
        cw = w if last else s / h
        yy = y
        for k, a in enumerate(row):
            rh = (y + h - yy) if k == len(row) - 1 else a / cw
            out.append(Rect(x, yy, cw, rh))
            yy += rh
        return x + cw, y, w - cw, h
    rh = h if last else s / w  # a row along the top
    xx = x
    for k, a in enumerate(row):
        rw = (x + w - xx) if k == len(row) - 1 else a / rh
        out.append(Rect(xx, y, rw, rh))
        xx += rw
    return x, y + rh, w, h - rh


def colour_of(keys: Sequence[str], fixed: dict[str, str]) -> dict[str, str]:
    """Each key's colour: its own in `fixed`, else one picked by a hash of the key itself, so a
    key has one colour whatever else is drawn beside it (the same category every year)."""
    return {k: fixed.get(k) or PALETTE[hashlib.sha256(k.encode()).digest()[0] % len(PALETTE)] for k in keys}


def treemap_svg(groups: Sequence[Group], colours: dict[str, str], aria_label: str) -> str:
    """Groups (organisations) of blocks (categories), largest first, in one SVG."""
    groups = sorted((g for g in groups if g.amount > 0), key=lambda g: -g.amount)
    parts = [f'<svg class="treemap" viewBox="0 0 {TREEMAP_W} {TREEMAP_H}" role="img" '
             f'aria-label="{escape(aria_label)}" preserveAspectRatio="none">']  # fmt: skip
    outer = squarify([g.amount for g in groups], Rect(0, 0, TREEMAP_W, TREEMAP_H))
    for g, r in zip(groups, outer, strict=True):
        parts.append(f'<g class="org"><title>{escape(g.title)}</title>'
                     f'<rect class="org-box" x="{r.x:.1f}" y="{r.y:.1f}" width="{r.w:.1f}" height="{r.h:.1f}"/>')  # fmt: skip
        header = _HEADER_PX if r.h > 3 * _HEADER_PX and r.w > _MIN_LABEL_W else 0
        if header:
            parts.append(f'<text class="org-label" x="{r.x + 4:.1f}" y="{r.y + 13:.1f}">{escape(_fit(g.label, r.w))}</text>')
        inner = Rect(r.x + 2, r.y + header + 2, max(0.0, r.w - 4), max(0.0, r.h - header - 4))
        blocks = sorted((b for b in g.blocks if b.amount > 0), key=lambda b: -b.amount)
        for b, br in zip(blocks, squarify([b.amount for b in blocks], inner), strict=True):
            parts.append(
                f'<rect class="block" data-key="{escape(b.key)}" x="{br.x:.1f}" y="{br.y:.1f}" width="{br.w:.1f}" '
                f'height="{br.h:.1f}" fill="{colours.get(b.key, PALETTE[-1])}">'
                f"<title>{escape(b.title)}</title></rect>"
            )
            if br.w >= _MIN_LABEL_W and br.h >= 16:
                parts.append(f'<text class="block-label" x="{br.x + 4:.1f}" y="{br.y + 13:.1f}">'
                             f"{escape(_fit(b.label, br.w))}</text>")  # fmt: skip
        parts.append("</g>")
    parts.append("</svg>")
    return "".join(parts)


def _fit(text: str, width_px: float) -> str:
    """Cut a label to what fits at ~7 px a character (an ellipsis marks the cut)."""
    room = max(1, int((width_px - 8) // 7))
    return text if len(text) <= room else text[: max(1, room - 1)] + "…"


CHART_W: Final = 640
CHART_H: Final = 260
_PAD_L, _PAD_R, _PAD_T, _PAD_B = 44, 12, 12, 28


@dataclass(frozen=True, slots=True)
class Series:
    key: str  # css class
    label: str
    cumulative_bp: tuple[int, ...]  # per month, basis points of the whole


def utilisation_svg(months: Sequence[str], series: Sequence[Series], aria_label: str) -> str:
    """Cumulative lines, 0..100 % of the appropriation, one point per month."""
    n = len(months)
    plot_w, plot_h = CHART_W - _PAD_L - _PAD_R, CHART_H - _PAD_T - _PAD_B
    top_bp = max([10_000, *(v for s in series for v in s.cumulative_bp)])

    def px(i: int) -> float:
        return _PAD_L + (plot_w * i / (n - 1) if n > 1 else 0)

    def py(bp: int) -> float:
        return _PAD_T + plot_h - plot_h * bp / top_bp

    parts = [f'<svg class="chart" viewBox="0 0 {CHART_W} {CHART_H}" role="img" aria-label="{escape(aria_label)}">']
    for bp in (0, 2500, 5000, 7500, 10_000):
        y = py(bp)
        parts.append(f'<line class="grid" x1="{_PAD_L}" x2="{CHART_W - _PAD_R}" y1="{y:.1f}" y2="{y:.1f}"/>'
                     f'<text class="axis" x="{_PAD_L - 6}" y="{y + 4:.1f}" text-anchor="end">{bp // 100}%</text>')  # fmt: skip
    for i, m in enumerate(months):
        parts.append(f'<text class="axis" x="{px(i):.1f}" y="{CHART_H - 8}" text-anchor="middle">{escape(m)}</text>')
    for s in series:
        points = " ".join(f"{px(i):.1f},{py(v):.1f}" for i, v in enumerate(s.cumulative_bp))
        parts.append(f'<polyline class="line {escape(s.key)}" points="{points}"><title>{escape(s.label)}</title></polyline>')
        for i, v in enumerate(s.cumulative_bp):
            parts.append(f'<circle class="dot {escape(s.key)}" cx="{px(i):.1f}" cy="{py(v):.1f}" r="3">'
                         f"<title>{escape(s.label)} {escape(months[i])}: {v // 100}.{(v % 100) // 10}%</title></circle>")  # fmt: skip
    parts.append("</svg>")
    return "".join(parts)


@dataclass(frozen=True, slots=True)
class AmountSeries:
    key: str  # css class: allotted | obligated | disbursed, and `prior` for the year before
    label: str
    cumulative_yen: tuple[int, ...]  # per month
    prior: bool = False  # drawn dashed


def amounts_svg(months: Sequence[str], series: Sequence[AmountSeries], axis: Sequence[tuple[int, str]],
                top_yen: int, aria_label: str) -> str:  # fmt: skip
    """Cumulative amounts by month, 0..`top_yen`, one point a month; `axis` the (yen, label)
    lines to draw (labels formatted by the caller, in the reader's language)."""
    n = len(months)
    plot_w, plot_h = CHART_W - _PAD_L - _PAD_R, CHART_H - _PAD_T - _PAD_B
    top = max(1, top_yen)

    def px(i: int) -> float:
        return _PAD_L + (plot_w * i / (n - 1) if n > 1 else 0)

    def py(v: int) -> float:
        return _PAD_T + plot_h - plot_h * max(0, v) / top

    parts = [f'<svg class="chart node-chart" viewBox="0 0 {CHART_W} {CHART_H}" role="img" aria-label="{escape(aria_label)}">']
    for v, text in axis:
        y = py(v)
        parts.append(f'<line class="grid" x1="{_PAD_L}" x2="{CHART_W - _PAD_R}" y1="{y:.1f}" y2="{y:.1f}"/>'
                     f'<text class="axis" x="{_PAD_L - 6}" y="{y + 4:.1f}" text-anchor="end">{escape(text)}</text>')  # fmt: skip
    for i, m in enumerate(months):
        parts.append(f'<text class="axis" x="{px(i):.1f}" y="{CHART_H - 8}" text-anchor="middle">{escape(m)}</text>')
    for s in series:
        points = " ".join(f"{px(i):.1f},{py(v):.1f}" for i, v in enumerate(s.cumulative_yen))
        dash = " prior" if s.prior else ""
        parts.append(f'<polyline class="line {escape(s.key)}{dash}" points="{points}"><title>{escape(s.label)}</title></polyline>')
    parts.append("</svg>")
    return "".join(parts)
