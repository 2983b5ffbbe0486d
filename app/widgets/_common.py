"""Helpers shared by the panels: colour-mode detection, colour mixing, fitting a grid.

Three colour modes:

``truecolor``  RGB half blocks and smooth colour ramps (24-bit and 256-colour terminals).
``ansi``       16 named colours: magnitude is shown by glyph density (`` ░▒▓█``), sign or
               class by a named colour the terminal's own palette maps.
``mono``       ``NO_COLOR`` is set: glyphs only, a different glyph set for each sign/class.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, Literal

from rich.color import Color
from rich.segment import Segment
from rich.style import Style
from textual.app import App
from textual.strip import Strip

ColorMode = Literal["truecolor", "ansi", "mono"]
COLOR_MODES: tuple[ColorMode, ...] = ("truecolor", "ansi", "mono")

#: Class colours as in TensorFlow Playground (orange, blue) then a qualitative palette.
CLASS_RGB: tuple[tuple[int, int, int], ...] = (
    (245, 147, 34),
    (8, 119, 189),
    (46, 160, 67),
    (171, 71, 188),
    (229, 57, 53),
    (0, 172, 193),
    (253, 216, 53),
    (141, 110, 99),
)
CLASS_ANSI: tuple[str, ...] = (
    "yellow", "blue", "green", "magenta", "red", "cyan", "white", "bright_black",
)
#: One letter per class for points drawn without colour (upper case: validation points).
CLASS_GLYPHS: str = "oxvsdtnz"

#: A run's colour in every panel, by its colour number (``RunView.colour``): RGB for
#: truecolor terminals, and the plotext and Rich names for 16 colours. Red is left to
#: diagnosis markers; the first is the cyan of a single run's train curve.
RUN_RGB: tuple[tuple[int, int, int], ...] = (
    (23, 190, 207), (255, 127, 14), (44, 160, 44), (227, 119, 194),
    (219, 210, 60), (100, 143, 255), (160, 110, 210), (150, 150, 150),
)
RUN_ANSI: tuple[tuple[str, str], ...] = (
    ("cyan", "cyan"), ("orange", "yellow"), ("green", "green"), ("magenta", "magenta"),
    ("yellow", "bright_yellow"), ("blue+", "bright_blue"), ("white", "white"),
    ("gray", "bright_black"),
)


def run_colour(colour: int, mode: ColorMode = "truecolor"
               ) -> tuple[tuple[int, int, int] | str, str]:
    """(plotext colour, Rich colour) of run colour number ``colour`` in ``mode``."""
    if mode == "truecolor":
        r, g, b = RUN_RGB[colour % len(RUN_RGB)]
        return (r, g, b), f"#{r:02x}{g:02x}{b:02x}"
    return RUN_ANSI[colour % len(RUN_ANSI)]


#: A run's state as a glyph, for legends and tables.
RUN_STATE_GLYPHS = {"training": "▶", "paused": "‖", "finished": "■", "early stopped": "■",
                    "diverged": "✖"}


def run_state_glyph(status: str, paused: bool) -> str:
    """▶ training, ‖ paused, ■ finished or stopped early, ✖ diverged."""
    return RUN_STATE_GLYPHS["paused" if paused and status == "training" else status]


POSITIVE_RGB = (214, 48, 39)  # diverging scale: red
NEGATIVE_RGB = (49, 112, 190)  # blue
NEUTRAL_DARK = (38, 38, 38)
NEUTRAL_LIGHT = (236, 236, 236)


def detect_color_mode(app: App[Any]) -> ColorMode:
    """The colour mode the app's output can show.

    ``NO_COLOR`` (``App.no_color``) gives ``mono``; an ANSI theme (``App.native_ansi_color``)
    or a 16-colour console (Rich ``color_system`` standard/windows, e.g. ``TERM=xterm``
    without ``COLORTERM``) gives ``ansi``; anything else ``truecolor``.
    """
    if getattr(app, "no_color", False):
        return "mono"
    if getattr(app, "native_ansi_color", False):
        return "ansi"
    system = getattr(app.console, "color_system", None)
    if system in (None, "standard", "windows"):
        return "ansi"
    return "truecolor"


def is_dark(app: App[Any]) -> bool:
    try:
        return bool(app.current_theme.dark)
    except Exception:  # no theme yet: assume a dark terminal
        return True


def mix(a: Sequence[int], b: Sequence[int], t: float) -> tuple[int, int, int]:
    """The colour ``t`` of the way from ``a`` to ``b`` (0 <= t <= 1)."""
    t = min(1.0, max(0.0, t))
    return (
        round(a[0] + (b[0] - a[0]) * t),
        round(a[1] + (b[1] - a[1]) * t),
        round(a[2] + (b[2] - a[2]) * t),
    )


def rgb(c: Sequence[int]) -> Color:
    return Color.from_rgb(c[0], c[1], c[2])


def fg_bg(fg: Sequence[int] | None, bg: Sequence[int] | None) -> Style:
    return Style(
        color=rgb(fg) if fg is not None else None,
        bgcolor=rgb(bg) if bg is not None else None,
    )


def fit(
    rows: int, cols: int, width: int, height_px: int, cell_w: int, upscale_whole: bool
) -> tuple[int, int]:
    """The (pixel rows, grid columns) a ``rows x cols`` grid is drawn at, keeping square cells.

    One grid column is ``cell_w`` terminal columns wide; ``height_px`` counts pixel rows (two
    per terminal row with half blocks). With ``upscale_whole`` a small grid is enlarged by
    a whole factor so that every cell keeps the same size.
    """
    if rows <= 0 or cols <= 0 or width <= 0 or height_px <= 0:
        return 0, 0
    f = min(width / (cols * cell_w), height_px / rows)
    if f >= 1 and upscale_whole:
        f = math.floor(f)
    out_cols = max(1, min(width // cell_w, int(cols * f)))
    out_rows = max(1, min(height_px, int(rows * f)))
    return out_rows, out_cols


def sample_index(n_out: int, n_in: int) -> list[int]:
    """Nearest-neighbour source index for each of ``n_out`` positions over ``n_in`` items."""
    if n_out <= 0:
        return []
    return [min(n_in - 1, (i * n_in) // n_out) for i in range(n_out)]


def fmt_num(x: float, digits: int = 3) -> str:
    """A short number: 0.0123, 1.2e-05, 1.23e+03, nan."""
    if x is None:
        return "-"
    if isinstance(x, float) and not math.isfinite(x):
        return "nan" if math.isnan(x) else ("inf" if x > 0 else "-inf")
    ax = abs(x)
    if ax != 0 and (ax < 1e-3 or ax >= 1e4):
        return f"{x:.{max(1, digits - 1)}e}"
    return f"{x:.{digits}g}"


#: What a table shows where a number does not exist: the update/weight ratio before the
#: first update, or of weights that are all zero.
NO_NUMBER = "–"


def fmt_power_of_ten(log10: float) -> str:
    """10**log10 to one digit, its exponent unpadded: -3.7 -> ``2e-4`` (how the lessons
    speak of an update/weight ratio: about 1e-3 is healthy); -inf (nothing moved) as
    ``0``, NaN (no ratio) as ``NO_NUMBER``, inf as such."""
    if log10 == -math.inf:
        return "0"  # nothing moved
    if math.isnan(log10):
        return NO_NUMBER
    if not math.isfinite(log10):
        return fmt_num(log10)
    mantissa, exponent = format(10.0 ** log10, ".0e").split("e")
    return f"{mantissa}e{int(exponent)}"


def header_lines(label: str, numbers: str, width: int) -> list[str]:
    """``label  numbers`` on one line of ``width`` cells if it fits, else the label over
    the numbers: neither is cut, so a number is never shown truncated (3.04e+7 for
    3.04e+78) nor a label left as ``2→3…`` for 2→32. Only a line wider than the whole
    panel is cut, with an ellipsis."""
    full = f"{label}  {numbers}"
    if len(full) <= width:
        return [full]
    return [line if len(line) <= width else line[:max(0, width - 1)] + "…"
            for line in (label, numbers)]


def same(a: Any, b: Any) -> bool:
    """Equality that treats NumPy arrays by identity or content and NaN as equal to NaN."""
    if a is b:
        return True
    if isinstance(a, tuple) and isinstance(b, tuple):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if hasattr(a, "shape") and hasattr(b, "shape"):
        import numpy as np

        return a.shape == b.shape and bool(np.array_equal(a, b, equal_nan=a.dtype.kind == "f"))
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    try:
        return bool(a == b)
    except Exception:  # incomparable: treat as changed
        return False


class Row:
    """Segments of one line, merging neighbours that share a style object (by identity:
    cheaper than Rich's ``Segment.simplify``, which compares styles by value)."""

    __slots__ = ("_segments", "_text", "_style", "cells")

    def __init__(self) -> None:
        self._segments: list[Segment] = []
        self._text: list[str] = []
        self._style: Style | None = None
        self.cells = 0  # every glyph the panels use is one cell wide

    def add(self, text: str, style: Style | None = None) -> None:
        if style is not self._style and self._text:
            self._segments.append(Segment("".join(self._text), self._style))
            self._text = []
        self._style = style
        self._text.append(text)
        self.cells += len(text)

    def strip(self, width: int) -> Strip:
        """The row as a Strip exactly ``width`` cells wide."""
        return Strip(self.segments(), self.cells).adjust_cell_length(width)

    def segments(self) -> list[Segment]:
        if self._text:
            self._segments.append(Segment("".join(self._text), self._style))
            self._text = []
        return self._segments


def log_ticks(lo: float, hi: float) -> list[float]:
    """Tick positions (log10 values) for a log axis from 10**lo to 10**hi, at round values
    inside the range: the decades (1e-3, 0.01, 0.1, 1) if two or more fall inside, else
    1, 2 and 5 times a power of ten, else every digit times one (0.6, 0.7), else the ends.
    At most about six of them."""
    eps = 1e-9
    for mantissas in ((1,), (1, 2, 5), tuple(range(1, 10))):
        ticks = [math.log10(m) + k for k in range(math.floor(lo) - 1, math.ceil(hi) + 1)
                 for m in mantissas if lo - eps <= math.log10(m) + k <= hi + eps]
        if len(ticks) >= 2:
            step = max(1, math.ceil(len(ticks) / 6))
            return ticks[::step]
    return [lo] if hi - lo < 1e-12 else [lo, hi]


def zero_based_ticks(top: float, most: int = 6) -> list[float]:
    """Ticks from 0 to at least ``top`` a round step apart (1, 2 or 5 times a power of
    ten), at most ``most`` of them: a loss axis that starts at 0 shows scale honestly
    (a flat loss looks flat), and its labels need few digits."""
    if not (math.isfinite(top) and top > 0):
        return [0.0, 1.0]
    step = ceil_125(top / (most - 1))
    count = math.ceil(top / step - 1e-9)
    return [round(i * step, 12) for i in range(count + 1)]


def round_ticks(low: float, high: float, most: int = 5) -> list[float]:
    """The multiples of a round step (1, 2 or 5 times a power of ten) from ``low`` to
    ``high``, at most ``most`` of them, as exact short numbers: 0 rather than -0.0 or
    4e-17 (an x axis, whose labels plotext would print as -0.0 and 1.9)."""
    if not (math.isfinite(low) and math.isfinite(high) and high > low):
        return [low]
    step = ceil_125((high - low) / max(1, most - 1))
    first, last = math.ceil(low / step - 1e-9), math.floor(high / step + 1e-9)
    return [float(f"{k * step:.12g}") + 0.0 for k in range(first, last + 1)]


def ticks_on_rows(low: float, high: float, rows: int, most: int = 6, centred: bool = True,
                  least: float = 0.0) -> tuple[list[float], float, float]:
    """Round ticks (1, 2 or 5 times a power of ten apart, at most ``most``, ``least``
    apart at least: 1 for whole decades on a log axis) over ``low`` to ``high`` on a
    plotext canvas ``rows`` tall, and the axis limits that put every tick exactly on a
    row, the same whole number of rows apart, two at least (a blank row between
    labels): (ticks, axis low, axis high).

    plotext puts a value at row ``round((rows - 1) * (v - lo) / (hi - lo))`` (from the
    bottom), so ticks whose spacing is not a whole number of rows land 2, 3, 2, 3 rows
    apart and a value between them reads wrong. Here one row is ``step / per`` (``per``
    rows a step), the axis starts on a row and spans ``rows - 1`` of them: the smallest
    step, then the most rows a step, that cover the data. The spare rows go half below
    and half above the data (``centred``), or all above it: an axis that must start at
    ``low`` (a loss from 0). Fewer than three rows: one tick at ``low``."""
    if rows < 3 or not (math.isfinite(low) and math.isfinite(high)):
        return [low], low, high
    span = max(high - low, 1e-2 * max(abs(low), abs(high))) or 1.0  # flat: still a scale
    top = low + span
    step = max(ceil_125(span / max(1, most - 1)), least)
    while True:
        for per in range(math.floor((rows - 1) * step / span), 1, -1):
            row = step / per
            # the axis starts at row number k (k x row) and reaches top: the k that may be
            lowest = math.ceil(top / row - (rows - 1) - 1e-9)
            highest = math.floor(low / row + 1e-9)
            spare = row * (rows - 1) - span
            k = min(highest, max(lowest, round((low - spare / 2) / row))) if centred else highest
            axis_low, axis_high = k * row, (k + rows - 1) * row
            first, last = math.ceil(axis_low / step - 1e-9), math.floor(axis_high / step + 1e-9)
            if lowest <= highest and last - first < most:
                ticks = [float(f"{i * step:.12g}") + 0.0 for i in range(first, last + 1)]
                return ticks, axis_low, axis_high
        step = ceil_125(step * 1.5)  # the next of 1, 2, 5 x 10^n


def ceil_125(x: float) -> float:
    """The smallest of 1, 2 or 5 times a power of ten that is at least ``x`` > 0 (a round
    axis limit or tick step: 0.0031 -> 0.005, 7 -> 10)."""
    power = 10.0 ** math.floor(math.log10(x))
    return next(m * power for m in (1, 2, 5, 10) if m * power >= x * (1 - 1e-12))


#: SI prefixes by power of a thousand, for tick labels of values spanning decades.
SI_PREFIXES = {-5: "f", -4: "p", -3: "n", -2: "µ", -1: "m", 0: "", 1: "k", 2: "M", 3: "G"}


def si_label(v: float) -> str:
    """``v`` with an SI prefix, at most 3 significant digits: 0.01 -> ``10m``,
    -2e-4 -> ``-200µ``, 1.5 -> ``1.5``, 0 -> ``0``; beyond femto/giga as ``1e-18``."""
    if v == 0 or not math.isfinite(v):
        return fmt_num(v)
    thousands = math.floor(math.log10(abs(v)) / 3 + 1e-9)
    prefix = SI_PREFIXES.get(thousands)
    if prefix is None:
        return f"{v:.0e}".replace("e-0", "e-").replace("e+0", "e")
    mantissa = f"{v / 1000.0 ** thousands:.3g}"
    if mantissa.lstrip("-") == "1e+03":  # rounding carried into the next prefix
        return si_label(math.copysign(1000.0 ** (thousands + 1), v))
    return mantissa + prefix


def tick_label(t: float) -> str:
    """A round tick's label in at most 3 significant digits: 0, 0.25, 2e-05, 1.5e+06."""
    return f"{t:.3g}"


def decade_label(t: float) -> str:
    """The label of log10 tick ``t``: the value itself while short (0.01, 0.5, 200),
    else in powers of ten (1e-3, 2e-5, 1e6, 1e400: from ``t``'s digits, as 10 ** t
    overflows a float past 1e308)."""
    if -2 - 1e-12 <= t < 4:
        v = 10.0 ** t
        return f"{v:.2g}" if v < 1 else f"{v:,.0f}" if v >= 100 else f"{v:.3g}"
    exponent = math.floor(t + 1e-9)
    mantissa = round(10.0 ** (t - exponent))
    if mantissa == 10:  # 9.6e5 rounds to 1e6
        mantissa, exponent = 1, exponent + 1
    return f"{mantissa}e{exponent}"


#: Columns of a plotext plot that its title may not use (plotext drops a title that does
#: not fit between the y axis labels and the frame).
TITLE_MARGIN = 10
#: A border's corners and the spaces around a border title or subtitle.
BORDER_TEXT_MARGIN = 4


def first_that_fits(texts: tuple[str, ...], width: int) -> str:
    """The first of ``texts`` (most detailed first) no wider than ``width``, else the
    last: a title says less rather than being cut."""
    return next((text for text in texts if len(text) <= width), texts[-1])


def fit_title(title: str, width: int) -> str:
    """``title`` cut to ``width`` characters with an ellipsis: plotext drops a title that
    is wider than the plot, so a long one would vanish instead of showing its start."""
    return title if len(title) <= width else title[: max(0, width - 1)] + "…"
