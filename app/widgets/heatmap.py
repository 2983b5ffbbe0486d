"""WeightHeatmap: one layer's weight matrix on a diverging colour scale."""

from __future__ import annotations

import math

import numpy as np
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
    fit,
    fmt_num,
    mix,
    sample_index,
    title_with_numbers,
)
from nnterm.app.widgets._panel import LayerPanel
from nnterm.engine.live.snapshot import LayerView

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


def tile_grid(tiles: np.ndarray, width: int) -> np.ndarray:
    """Lay (units, h, w) tiles out in rows as wide as ``width`` allows, with one row and
    column of zeros (the scale's neutral colour) between tiles."""
    units, h, w = tiles.shape
    per_row = max(1, min(units, (width + 1) // (w + 1)))
    n_rows = -(-units // per_row)
    grid = np.zeros((n_rows * (h + 1) - 1, per_row * (w + 1) - 1))
    for k, tile in enumerate(tiles):
        r, c = divmod(k, per_row)
        grid[r * (h + 1):r * (h + 1) + h, c * (w + 1):c * (w + 1) + w] = tile
    return grid


class WeightHeatmap(LayerPanel):
    """The selected layer's weights W (rows: inputs, columns: units), symmetric around 0.

    Truecolor: negative blue, zero neutral, positive red, scale max |w|, two matrix rows
    per terminal row ('▀', foreground the upper row, background the lower). 16 colours:
    glyph density for |w|, red/blue for the sign. NO_COLOR: a glyph ramp per sign.
    """

    DEFAULT_CSS = """
    WeightHeatmap {
        width: 1fr;
        height: 1fr;
        min-height: 4;
    }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._tiles = False

    @property
    def tiles_shown(self) -> bool:
        return self._tiles

    def show_tiles(self, show: bool) -> None:
        """For image inputs, draw the first layer as one image tile per unit."""
        if show != self._tiles:
            self._tiles = show
            self._invalidate()

    def _shown_key(self, layer: LayerView) -> tuple:
        return (len(self._layers), layer.index, layer.activation, layer.pooled,
                layer.fan_in, layer.fan_out, layer.weights, layer.tiles)

    def _build(self, width: int, height: int, mode: ColorMode, dark: bool) -> list[Strip]:
        layer = self._layer()
        if layer is None or width <= 0 or height <= 0:
            msg = "no weights yet"
            return [Strip([Segment(msg[:width].ljust(width))])]
        tiles = layer.tiles if self._tiles else None
        w = layer.weights if tiles is None else tile_grid(tiles, width)
        rows, cols = (int(w.shape[0]), int(w.shape[1])) if w.ndim == 2 else (1, int(w.size))
        values = w.reshape(rows, cols).tolist()
        finite = [abs(v) for row in values for v in row if math.isfinite(v)]
        scale = max(finite) if finite else 0.0
        shown_scale = fmt_num(scale) if finite else "nan"  # never 0 for weights all NaN
        n = len(self._layers)
        kind = "output" if layer.activation == "output" else layer.activation
        shape = "" if tiles is None else (
            f" tiles: {len(tiles)} units as {tiles.shape[1]}x{tiles.shape[2]} images"
        )
        title = title_with_numbers(
            f"W{layer.index + 1}/{n} {layer.fan_in}→{layer.fan_out} {kind}{shape}"
            f"{' pooled' if layer.pooled and tiles is None else ''}", f"max|w| {shown_scale}",
            width)
        lines: list[Strip] = []
        if height >= 3:
            lines.append(Strip([Segment(title.ljust(width), Style(bold=True))]))
        body = height - 2 if height >= 3 else height
        lines.extend(self._matrix(values, rows, cols, scale, width, body, mode, dark))
        if height >= 3:
            lines.append(self._legend(scale, width, mode, dark))
        return lines

    def _matrix(
        self, values, rows: int, cols: int, scale: float, width: int, body: int,
        mode: ColorMode, dark: bool,
    ) -> list[Strip]:
        half = mode == "truecolor"
        cell_w = 1 if half else 2
        out_rows, out_cols = fit(rows, cols, width, body * (2 if half else 1), cell_w, True)
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
        return strips[:body]

    def _legend(self, scale: float, width: int, mode: ColorMode, dark: bool) -> Strip:
        lo, hi = f"−{fmt_num(scale)} ", f" +{fmt_num(scale)}"
        segs = [Segment(lo)]
        if mode == "truecolor":
            neutral = NEUTRAL_DARK if dark else NEUTRAL_LIGHT
            # up to 8 shades a side, fewer when the numbers at its ends need the room
            steps = max(2, min(8, (width - len(lo) - len(hi) - 1) // 2))
            for i in range(steps, 0, -1):
                segs.append(Segment("█", fg_bg(mix(neutral, NEGATIVE_RGB, i / steps), None)))
            segs.append(Segment("0", fg_bg(None, neutral)))
            for i in range(1, steps + 1):
                segs.append(Segment("█", fg_bg(mix(neutral, POSITIVE_RGB, i / steps), None)))
        elif mode == "ansi":
            segs.append(Segment(DENSITY[::-1], Style(color="blue")))
            segs.append(Segment(" 0 "))
            segs.append(Segment(DENSITY, Style(color="red")))
        else:
            segs.append(Segment(f"{MONO_NEGATIVE[::-1]} 0 {MONO_POSITIVE}"))
        segs.append(Segment(hi))
        return Strip(segs).crop(0, width).adjust_cell_length(width)
