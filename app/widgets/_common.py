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

from nnterm.app.widgets.axis_ticks import fmt_num

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
