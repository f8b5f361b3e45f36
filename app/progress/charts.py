"""The month chart's geometry: bars of interviews held and a line of mean confidence.

Only numbers and words are worked out here; ``templates/progress/_chart.html`` draws the SVG
(so Jinja escapes every text) with presentation attributes only (the CSP allows no inline
styles), in ``currentColor`` with a hatch pattern and diamond markers: readable without colour
and in print.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date

from app.progress.schemas import MonthFigure

WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 44, 44, 24, 48
PLOT_W, PLOT_H = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
RATING_MIN, RATING_MAX = 1, 5


@dataclass(frozen=True)
class Bar:
    """One month's bar, its count label above it and its month label below."""

    x: float
    y: float
    width: float
    height: float
    centre: float
    held: str
    month: str
    year: str
    title: str


@dataclass(frozen=True)
class Marker:
    """One month's mean confidence as a diamond on the line."""

    x: float
    y: float
    points: str
    title: str


@dataclass(frozen=True)
class Tick:
    """A value on an axis and where it sits."""

    y: float
    label: str


@dataclass
class MonthChart:
    """Everything the template needs to draw one chart and its table of numbers."""

    key: str
    title: str
    description: str
    months: list[MonthFigure]
    month_labels: list[str]
    cap: int | None = None
    bars: list[Bar] = field(default_factory=list)
    markers: list[Marker] = field(default_factory=list)
    segments: list[str] = field(default_factory=list)
    count_ticks: list[Tick] = field(default_factory=list)
    rating_ticks: list[Tick] = field(default_factory=list)
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right_edge: int = WIDTH - RIGHT
    baseline: int = HEIGHT - BOTTOM
    top: int = TOP


def month_label(month: str, *, with_year: bool) -> str:
    """ "2026-11" as "Nov", or "Nov 2026"."""
    year, number = (int(part) for part in month.split("-"))
    shown = date(year, number, 1)
    return shown.strftime("%b %Y") if with_year else shown.strftime("%b")


def _count_scale(months: list[MonthFigure], cap: int | None) -> int:
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


def _describe(title: str, months: list[MonthFigure], labels: list[str], cap: int | None) -> str:
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


def shown(count: int, cap: int | None) -> str:
    """A count as shown: past a cap it only says "more than the cap" ("100+")."""
    return f"{cap}+" if cap is not None and count > cap else str(count)


def month_chart(
    months: list[MonthFigure], *, key: str, title: str, cap: int | None = None
) -> MonthChart:
    """Bars of interviews held per month with a line of mean confidence (1-5, right scale).

    With ``cap``, a month counted past it is drawn at the cap and labelled "cap+"."""
    labels = [month_label(m.month, with_year=True) for m in months]
    chart = MonthChart(
        key=key,
        title=title,
        description=_describe(title, months, labels, cap),
        months=months,
        month_labels=labels,
        cap=cap,
    )
    top = _count_scale(months, cap)
    slot = PLOT_W / max(len(months), 1)
    run: list[str] = []
    for i, figure in enumerate(months):
        # The year goes on a second line, under the first month and under each January.
        year = figure.month[:4] if i == 0 or figure.month.endswith("-01") else ""
        height = PLOT_H * min(figure.held, top) / top
        centre = LEFT + slot * (i + 0.5)
        chart.bars.append(
            Bar(
                x=round(LEFT + slot * (i + 0.15), 1),
                y=round(TOP + PLOT_H - height, 1),
                width=round(slot * 0.7, 1),
                height=round(height, 1),
                centre=round(centre, 1),
                held=shown(figure.held, cap),
                month=month_label(figure.month, with_year=False),
                year=year,
                title=f"{labels[i]}: {shown(figure.held, cap)} held",
            )
        )
        if figure.average_confidence is None:
            # A month without ratings breaks the line rather than inventing a value.
            if len(run) > 1:
                chart.segments.append(" ".join(run))
            run = []
            continue
        x, y = round(centre, 1), round(_rating_y(figure.average_confidence), 1)
        run.append(f"{x},{y}")
        chart.markers.append(
            Marker(
                x=x,
                y=y,
                points=f"{x},{y - 6} {x + 6},{y} {x},{y + 6} {x - 6},{y}",
                title=(
                    f"{labels[i]}: average confidence {figure.average_confidence:g} of 5 "
                    f"({figure.rated} rated)"
                ),
            )
        )
    if len(run) > 1:
        chart.segments.append(" ".join(run))
    chart.count_ticks = [
        Tick(round(TOP + PLOT_H - PLOT_H * value / top, 1), str(value))
        for value in range(0, top + 1, max(top // 4, 1))
    ]
    chart.rating_ticks = [
        Tick(round(_rating_y(value), 1), str(value)) for value in range(RATING_MIN, RATING_MAX + 1)
    ]
    return chart
