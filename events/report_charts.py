"""The report page's charts as SVG geometry, drawn on the server (templates/events/reports/):
no chart library, no script, nothing the page's CSP would refuse. Each chart has a title and
a description for screen readers, and the page puts a table with the same figures beside
it. Pure functions: numbers in, shapes out."""

from dataclasses import dataclass

# The drawing's own units; the SVG scales to its box (viewBox).
WIDTH = 640
LABEL_WIDTH = 220
VALUE_WIDTH = 70
BAR_HEIGHT = 22
BAR_GAP = 8
HEAT_LEVELS = 5


@dataclass(frozen=True)
class Bar:
    label: str
    text: str  # the value as the chart writes it, "42 %"
    y: float
    width: float
    text_y: float


@dataclass(frozen=True)
class BarChart:
    id: str
    title: str
    description: str
    bars: list[Bar]
    height: float
    label_width: float = LABEL_WIDTH
    value_x: float = WIDTH - VALUE_WIDTH + 6
    width: float = WIDTH


def bar_chart(
    id: str, title: str, description: str, items: list[tuple[str, float | None, str]]
) -> BarChart:
    """Horizontal bars, one per (label, value, text); a value of None draws no bar (a
    suppressed group), the text says why."""
    longest = max((value for _label, value, _text in items if value), default=0)
    room = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    bars = []
    for index, (label, value, text) in enumerate(items):
        y = index * (BAR_HEIGHT + BAR_GAP)
        width = room * value / longest if value and longest else 0
        bars.append(Bar(label, text, y, round(width, 1), y + BAR_HEIGHT * 0.72))
    height = max(len(items) * (BAR_HEIGHT + BAR_GAP), BAR_HEIGHT)
    return BarChart(id, title, description, bars, height)


@dataclass(frozen=True)
class HeatCell:
    x: float
    y: float
    level: int | None  # 0 (idle) to HEAT_LEVELS - 1 (full); None: closed
    title: str


@dataclass(frozen=True)
class HeatChart:
    id: str
    title: str
    description: str
    cells: list[HeatCell]
    hour_labels: list[tuple[float, str]]
    day_labels: list[tuple[float, str]]
    width: float
    height: float
    cell: float = 24


def heat_chart(
    id: str,
    title: str,
    description: str,
    days: list[str],
    hours: list[int],
    occupancy,
) -> HeatChart:
    """A weekday x hour grid; `occupancy(weekday, hour)` is a fraction or None (closed)."""
    cell, left, top = 24, 40, 20
    cells = []
    for day_index, day in enumerate(days):
        for hour_index, hour in enumerate(hours):
            value = occupancy(day_index, hour)
            level = None if value is None else min(int(value * HEAT_LEVELS), HEAT_LEVELS - 1)
            text = "–" if value is None else f"{round(value * 100)} %"
            cells.append(
                HeatCell(
                    left + hour_index * cell,
                    top + day_index * cell,
                    level,
                    f"{day} {hour:02d}:00 {text}",
                )
            )
    return HeatChart(
        id,
        title,
        description,
        cells,
        [(left + i * cell + cell / 2, f"{hour:02d}") for i, hour in enumerate(hours)],
        [(top + i * cell + cell * 0.7, day) for i, day in enumerate(days)],
        left + max(len(hours), 1) * cell,
        top + len(days) * cell,
    )


@dataclass(frozen=True)
class Sparkline:
    points: str
    width: float
    height: float
    dots: list[tuple[float, float]]


def sparkline(values: list[float | None], width: float = 120, height: float = 30) -> Sparkline:
    """A line through the values that are known, spaced evenly over all of them."""
    known = [v for v in values if v is not None]
    if not known:
        return Sparkline("", width, height, [])
    low, high = min(known), max(known)
    span = (high - low) or 1
    step = width / max(len(values) - 1, 1)
    dots = [
        (round(i * step, 1), round(height - 3 - (v - low) / span * (height - 6), 1))
        for i, v in enumerate(values)
        if v is not None
    ]
    return Sparkline(" ".join(f"{x},{y}" for x, y in dots), width, height, dots)
