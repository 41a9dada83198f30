"""The dashboard's chart of registrations over time as inline SVG: laid out here, drawn by a template.

No script and no style attribute (the CSP allows neither): geometry is in SVG attributes, colours
come from the site's stylesheet by class (static/css/site.css, "Staff dashboard"). The SVG has a
<title> and a <desc> that says in words what it shows; the page puts the same numbers in a table.
"""

import math
from dataclasses import dataclass

from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

# The drawing's own units (viewBox); the page scales it to its width.
WIDTH, HEIGHT = 480, 260
LEFT, RIGHT, TOP, BOTTOM = 44, 14, 14, 34
MAX_X_TICKS = 4
MAX_Y_TICKS = 5


def chart_date(day):
    """A day on the chart's axis and in its description: "1 Oct"."""
    # Translators: a date format (Django's "date" filter): day and abbreviated month, as "1 Oct".
    return date_format(day, pgettext("dashboard chart date", "j M"))


@dataclass(frozen=True)
class Area:
    status: str
    label: str
    path: str


@dataclass(frozen=True)
class Tick:
    position: float
    label: str
    anchor: str = "middle"  # SVG text-anchor: the last date ends at the plot's edge, inside the drawing


@dataclass(frozen=True)
class Chart:
    title: str
    description: str
    width: int
    height: int
    plot_left: int
    plot_right: int
    plot_top: int
    plot_bottom: int
    areas: list
    x_ticks: list
    y_ticks: list


def nice_step(largest, ticks=MAX_Y_TICKS - 1):
    """A round step (1, 2 or 5 times a power of ten) that covers `largest` in at most `ticks` steps."""
    if largest <= ticks:
        return 1
    raw = largest / ticks
    magnitude = 10 ** math.floor(math.log10(raw))
    return next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)


def spread(count, most):
    """At most `most` indexes of `count` items, evenly spread, first and last included."""
    if count <= most:
        return list(range(count))
    return sorted({round(n * (count - 1) / (most - 1)) for n in range(most)})


def describe(over_time):
    """What the chart shows, in words: the total, the dates, and each status's count."""
    parts = ", ".join(
        # Translators: one status in the chart's description, as "280 confirmed"; the label is lower case.
        pgettext("chart description", "%(count)s %(label)s")
        % {"count": number_format(series.total), "label": series.label.lower()}
        for series in over_time.series
    )
    total = over_time.total
    first, last = chart_date(over_time.days[0]), chart_date(over_time.days[-1])
    return ngettext(
        "%(total)s registration from %(first)s to %(last)s: %(parts)s.",
        "%(total)s registrations from %(first)s to %(last)s: %(parts)s.",
        total,
    ) % {"total": number_format(total), "first": first, "last": last, "parts": parts}


def registrations_chart(over_time):
    """The Chart of a RegistrationsOverTime: stacked areas of cumulative registrations by status.

    None when there are no registrations to draw.
    """
    if not over_time.days:
        return None
    right, bottom = WIDTH - RIGHT, HEIGHT - BOTTOM
    step = nice_step(over_time.total)
    top_value = max(step * math.ceil(over_time.total / step), step)
    count = len(over_time.days)

    def x(index):
        if count == 1:
            return (LEFT + right) / 2
        return LEFT + (right - LEFT) * index / (count - 1)

    def y(value):
        return bottom - (bottom - TOP) * value / top_value

    # One day alone is drawn across the whole width, as a band.
    xs = [LEFT, right] if count == 1 else [x(i) for i in range(count)]
    widen = (lambda values: values * 2) if count == 1 else (lambda values: values)

    areas, lower = [], [0] * len(xs)
    for series in over_time.series:
        upper = [low + value for low, value in zip(lower, widen(series.cumulative), strict=True)]
        top_edge = [f"{px:.1f},{y(value):.1f}" for px, value in zip(xs, upper, strict=True)]
        bottom_edge = [f"{px:.1f},{y(value):.1f}" for px, value in zip(xs, lower, strict=True)]
        path = "M" + " L".join(top_edge + bottom_edge[::-1]) + " Z"
        areas.append(Area(status=series.status, label=series.label, path=path))
        lower = upper

    x_ticks = [
        Tick(x(i), chart_date(over_time.days[i]), "end" if count > 1 and i == count - 1 else "middle")
        for i in spread(count, MAX_X_TICKS)
    ]
    y_ticks = [Tick(y(value), number_format(value)) for value in range(0, top_value + 1, step)]
    return Chart(
        title=_("Registrations over time, by status"),
        description=describe(over_time),
        width=WIDTH,
        height=HEIGHT,
        plot_left=LEFT,
        plot_right=right,
        plot_top=TOP,
        plot_bottom=bottom,
        areas=areas,
        x_ticks=x_ticks,
        y_ticks=y_ticks,
    )


@dataclass(frozen=True)
class FillBar:
    """A session's places as a bar 100 units long: the confirmed part, then the offered part."""

    confirmed: float
    offered: float

    @property
    def offered_start(self):
        return self.confirmed


def fill_bar(fill):
    """The FillBar of a SessionFill, or None for a session without a limit (no length to fill).

    More places held than the capacity (it was lowered) fill the bar; the text says how many.
    """
    if fill.capacity is None:
        return None
    if fill.capacity == 0:
        return FillBar(confirmed=100.0 if fill.taken else 0.0, offered=0.0)
    confirmed = min(100.0, 100.0 * fill.confirmed / fill.capacity)
    offered = min(100.0 - confirmed, 100.0 * fill.offered / fill.capacity)
    return FillBar(confirmed=round(confirmed, 2), offered=round(offered, 2))
