"""Pictures on a diverging colour scale: a matrix of signed values drawn blue (negative)
through the background (0) to red (positive), in truecolor, 16 colours or none. The
weight heatmap draws each layer's matrix with it, the network view each unit's output
over the plane."""

from __future__ import annotations

import math

from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip

from nnterm.app.widgets._common import (
    NEGATIVE_RGB,
    NEUTRAL_DARK,
    NEUTRAL_LIGHT,
    POSITIVE_RGB,
    ColorMode,
    fg_bg,
    mix,
    sample_index,
)

#: Colour steps per sign in truecolor mode.
LEVELS = 16
#: Glyph ramps (weak -> strong). ANSI mode colours DENSITY red/blue; NO_COLOR uses one ramp
#: per sign so that the sign survives without colour.
DENSITY = "░▒▓█"
MONO_POSITIVE = ":+*#"
MONO_NEGATIVE = ".-=%"
NAN_RGB = (255, 0, 255)


def _level(w: float, scale: float, levels: int) -> int | None:
    """``w / scale`` quantised to -levels..levels (None for NaN)."""
    if math.isnan(w):
        return None
    if scale <= 0 or not math.isfinite(scale):
        return 0
    t = max(-1.0, min(1.0, w / scale))
    return int(round(t * levels))


def stretch(n: int, room: int) -> int:
    """How many cells ``n`` matrix entries take along an axis with ``room`` cells: a
    whole multiple of ``n`` if it fits (every entry the same size), else ``room`` (the
    entries sampled). The two axes are fitted apart: the labels say the shape."""
    return n * (room // n) if n <= room else max(1, room)



def diverging_matrix(
    values, rows: int, cols: int, scale: float, width: int, body: int,
    mode: ColorMode, dark: bool,
) -> tuple[list[Strip], tuple[int, int]]:
    """The matrix ``values`` (``rows`` x ``cols`` nested lists) fitted into ``width`` x
    ``body`` cells on a diverging scale (-``scale`` blue, 0 the background, +``scale``
    red), and the (rows, columns) of it that are drawn (fewer than it has when it had to
    shrink). Truecolor draws two rows a cell with '▀'; 16 colours a density glyph pair
    in red or blue; NO_COLOR one glyph ramp per sign, so the sign survives."""
    half = mode == "truecolor"
    cell_w = 1 if half else 2
    out_rows = stretch(rows, body * (2 if half else 1))
    out_cols = stretch(cols, width // cell_w)
    ri, ci = sample_index(out_rows, rows), sample_index(out_cols, cols)
    pad = (width - out_cols * cell_w) // 2
    strips: list[Strip] = []
    if half:
        neutral = NEUTRAL_DARK if dark else NEUTRAL_LIGHT
        styles: dict[tuple, Style] = {}

        def color(q: int | None):
            if q is None:
                return NAN_RGB
            return mix(neutral, POSITIVE_RGB if q > 0 else NEGATIVE_RGB, abs(q) / LEVELS)

        for y in range(0, out_rows, 2):
            upper = [_level(values[ri[y]][c], scale, LEVELS) for c in ci]
            lower = (
                [_level(values[ri[y + 1]][c], scale, LEVELS) for c in ci]
                if y + 1 < out_rows else None
            )
            segs = [Segment(" " * pad)] if pad else []
            run_style, run = None, 0
            for x in range(out_cols):
                k = (upper[x], lower[x] if lower is not None else "none")
                st = styles.get(k)
                if st is None:
                    st = fg_bg(color(upper[x]), color(lower[x]) if lower is not None else None)
                    styles[k] = st
                if st is run_style:
                    run += 1
                else:
                    if run:
                        segs.append(Segment("▀" * run, run_style))
                    run_style, run = st, 1
            if run:
                segs.append(Segment("▀" * run, run_style))
            strips.append(Strip(segs).adjust_cell_length(width))
    else:
        pos = Style(color="red") if mode == "ansi" else None
        neg = Style(color="blue") if mode == "ansi" else None
        for y in range(out_rows):
            segs = [Segment(" " * pad)] if pad else []
            for c in ci:
                q = _level(values[ri[y]][c], scale, len(DENSITY))
                if q is None:
                    segs.append(Segment("??", Style(color="magenta") if pos else None))
                elif q == 0:
                    segs.append(Segment("  "))
                elif mode == "ansi":
                    segs.append(Segment(DENSITY[abs(q) - 1] * 2, pos if q > 0 else neg))
                else:
                    ramp = MONO_POSITIVE if q > 0 else MONO_NEGATIVE
                    segs.append(Segment(ramp[abs(q) - 1] * 2))
            strips.append(Strip(Segment.simplify(segs)).adjust_cell_length(width))
    return strips[:body], (min(out_rows, rows), min(out_cols, cols))
