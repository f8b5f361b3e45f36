"""The month chart's geometry: bars of interviews held and a line of mean confidence.

Only numbers and words are worked out here; ``templates/progress/_chart.html`` draws the SVG
(so Jinja escapes every text) with presentation attributes only (the CSP allows no inline
styles), in ``currentColor`` with a hatch pattern and diamond markers: readable without colour
and in print.

Every value the template prints is worked out here, in one pass over the months, down to the
label positions: in Jinja each lookup, sum or ``loop.index0`` costs more than the numbers.
A chart is immutable and ``month_chart`` returns the same one for the same figures (an
``lru_cache`` keyed by everything the chart shows), so ``draw_chart`` in
``app.web.templating`` renders each distinct chart's SVG once: the dashboard, the page people
open most, shows the same figures until an interview is held or rated or the month turns.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from app.progress.schemas import MonthFigure

WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 44, 44, 24, 48
PLOT_W, PLOT_H = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
RATING_MIN, RATING_MAX = 1, 5


@dataclass(frozen=True)
class Bar:
    """One month's bar, its count label above it and its month label below."""

    month_key: str  # "2026-11": the bar's and its count's data-month
    x: float
    y: float
    width: float
    height: float
    centre: float
    held: str
    month: str
    year: str
    title: str
    label_y: float  # the count's baseline, just above the bar


@dataclass(frozen=True)
class Marker:
    """One month's mean confidence as a diamond on the line."""

    x: float
    y: float
    points: str
    title: str


@dataclass(frozen=True)
class Tick:
    """A value on an axis, where it sits and where its label's baseline is."""

    y: float
    label: str
    text_y: float


@dataclass(frozen=True)
class Row:
    """One month in the chart's table of numbers."""

    month_key: str
    label: str
    held: str
    confidence: str  # the mean as "%g", or "–" for a month without ratings


# eq=False: a chart is hashed by identity, which is what draw_chart's cache needs (the same
# figures give the same chart object while month_chart's cache holds it).
@dataclass(frozen=True, eq=False)
class MonthChart:
    """Everything the template needs to draw one chart and its table of numbers."""

    key: str
    title: str
    description: str
    cap: int | None
    bars: tuple[Bar, ...]
    markers: tuple[Marker, ...]
    segments: tuple[str, ...]
    count_ticks: tuple[Tick, ...]
    rating_ticks: tuple[Tick, ...]
    rows: tuple[Row, ...]
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right_edge: int = WIDTH - RIGHT
    baseline: int = HEIGHT - BOTTOM
    top: int = TOP
    # Where the axis labels, the axis titles and the month labels sit.
    count_label_x: int = LEFT - 6
    rating_label_x: int = WIDTH - RIGHT + 6
    axis_title_y: int = TOP - 10
    right_title_x: int = WIDTH - 4
    month_label_y: int = HEIGHT - BOTTOM + 16
    year_label_y: int = HEIGHT - BOTTOM + 30


# Month abbreviations as strftime("%b") spells them, worked out once.
_MONTH_NAMES = tuple(date(2000, number, 1).strftime("%b") for number in range(1, 13))


def month_label(month: str, *, with_year: bool) -> str:
    """ "2026-11" as "Nov", or "Nov 2026"."""
    year, number = month.split("-")
    name = _MONTH_NAMES[int(number) - 1]
    return f"{name} {year}" if with_year else name


def _count_scale(months: tuple[MonthFigure, ...], cap: int | None) -> int:
    """The top of the count axis: the highest month, rounded up to a step of the ticks."""
    top = max((m.held for m in months), default=0)
    if cap is not None:
        top = min(top, cap)
    if top <= 4:
        return 4
    step = 10 ** int(math.log10(top))
    return math.ceil(top / step) * step


def _rating_y(value: float) -> float:
    return TOP + PLOT_H * (RATING_MAX - value) / (RATING_MAX - RATING_MIN)


def _describe(
    title: str, months: tuple[MonthFigure, ...], labels: list[str], cap: int | None
) -> str:
    """One sentence a screen reader reads for the picture (the table has every number)."""
    counted = [min(m.held, cap) if cap is not None else m.held for m in months]
    total = sum(counted)
    if not total:
        return f"{title}: none held in the last twelve months."
    more = "+" if counted != [m.held for m in months] else ""
    best = max(range(len(months)), key=lambda i: (months[i].held, i))
    text = (
        f"{total}{more} held from {labels[0]} to {labels[-1]}; the busiest month was "
        f"{labels[best]} with {shown(months[best].held, cap)}."
    )
    rated = [m for m in months if m.average_confidence is not None]
    if rated:
        text += (
            f" Average confidence went from {rated[0].average_confidence:g} "
            f"to {rated[-1].average_confidence:g} out of 5."
        )
    return text


def _tick(y: float, value: int) -> Tick:
    at = round(y, 1)
    return Tick(at, str(value), at + 4)


def shown(count: int, cap: int | None) -> str:
    """A count as shown: past a cap it only says "more than the cap" ("100+")."""
    return f"{cap}+" if cap is not None and count > cap else str(count)


def month_chart(
    months: list[MonthFigure], *, key: str, title: str, cap: int | None = None
) -> MonthChart:
    """Bars of interviews held per month with a line of mean confidence (1-5, right scale).

    With ``cap``, a month counted past it is drawn at the cap and labelled "cap+"."""
    return _month_chart(tuple(months), key, title, cap)


# A few charts per user (the dashboard's, each career's): enough for the users of a worker.
@lru_cache(maxsize=256)
def _month_chart(
    months: tuple[MonthFigure, ...], key: str, title: str, cap: int | None
) -> MonthChart:
    labels = [month_label(m.month, with_year=True) for m in months]
    top = _count_scale(months, cap)
    slot = PLOT_W / max(len(months), 1)
    bars: list[Bar] = []
    rows: list[Row] = []
    markers: list[Marker] = []
    segments: list[str] = []
    run: list[str] = []
    for i, figure in enumerate(months):
        # The year goes on a second line, under the first month and under each January.
        year = figure.month[:4] if i == 0 or figure.month.endswith("-01") else ""
        height = PLOT_H * min(figure.held, top) / top
        centre = LEFT + slot * (i + 0.5)
        held = shown(figure.held, cap)
        bar_y = round(TOP + PLOT_H - height, 1)
        mean = figure.average_confidence
        bars.append(
            Bar(
                month_key=figure.month,
                x=round(LEFT + slot * (i + 0.15), 1),
                y=bar_y,
                width=round(slot * 0.7, 1),
                height=round(height, 1),
                centre=round(centre, 1),
                held=held,
                month=month_label(figure.month, with_year=False),
                year=year,
                title=f"{labels[i]}: {held} held",
                label_y=bar_y - 4,
            )
        )
        rows.append(Row(figure.month, labels[i], held, f"{mean:g}" if mean is not None else "–"))
        if mean is None:
            # A month without ratings breaks the line rather than inventing a value.
            if len(run) > 1:
                segments.append(" ".join(run))
            run = []
            continue
        x, y = round(centre, 1), round(_rating_y(mean), 1)
        run.append(f"{x},{y}")
        markers.append(
            Marker(
                x=x,
                y=y,
                points=f"{x},{y - 6} {x + 6},{y} {x},{y + 6} {x - 6},{y}",
                title=f"{labels[i]}: average confidence {mean:g} of 5 ({figure.rated} rated)",
            )
        )
    if len(run) > 1:
        segments.append(" ".join(run))
    return MonthChart(
        key=key,
        title=title,
        description=_describe(title, months, labels, cap),
        cap=cap,
        bars=tuple(bars),
        markers=tuple(markers),
        segments=tuple(segments),
        count_ticks=tuple(
            _tick(TOP + PLOT_H - PLOT_H * value / top, value)
            for value in range(0, top + 1, max(top // 4, 1))
        ),
        rating_ticks=tuple(
            _tick(_rating_y(value), value) for value in range(RATING_MIN, RATING_MAX + 1)
        ),
        rows=tuple(rows),
    )
