"""WeightHeatmap: every layer's weight matrix, stacked, on diverging colour scales."""

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
    mix,
)
from nnterm.app.widgets._diverging import (
    DENSITY,
    MONO_NEGATIVE,
    MONO_POSITIVE,
    diverging_matrix,
)
from nnterm.app.widgets._panel import LayerPanel
from nnterm.app.widgets.axis_ticks import fmt_num
from nnterm.engine.live.snapshot import LayerView


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


#: The label column's width: "▸L10 128×128" and "shown 48×26" fit.
LABEL_W = 14


def allot_rows(minimum: list[int], wanted: list[int], available: int) -> list[int] | None:
    """Terminal rows for each block: its ``minimum`` (label lines) at least, its
    ``wanted`` (the matrix at full resolution) at most, the rows left over shared in
    proportion to what each still wants. None if even the minimums do not fit."""
    spare = available - sum(minimum)
    if spare < 0:
        return None
    extra = [w - m for m, w in zip(minimum, wanted, strict=True)]
    if sum(extra) <= spare:
        return list(wanted)
    return [m + spare * e // sum(extra) for m, e in zip(minimum, extra, strict=True)]


class WeightHeatmap(LayerPanel):
    """Every layer's weights W (rows: inputs, columns: units) stacked from the first layer
    to the output, each labelled with its shape and its own scale max|w| on a diverging
    colour scale symmetric around 0 (each layer its own: their sizes differ by orders of
    magnitude), fitted to the panel (the label says so when it shows fewer rows or
    columns than the layer has). The selected layer's label is marked ▸.

    Truecolor: negative blue, zero neutral, positive red, two matrix rows per terminal row
    ('▀', foreground the upper row, background the lower). 16 colours: glyph density for
    |w|, red/blue for the sign. NO_COLOR: a glyph ramp per sign. NaN is magenta (``??``).
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
        return (self._selected, tuple((v.index, v.activation, v.pooled, v.fan_in, v.fan_out,
                                       v.weights, v.tiles) for v in self._layers))

    def _blocks(self, width: int) -> list[tuple[list[str], np.ndarray]]:
        """(label lines, matrix) of each layer to draw, first to last; with tiles shown
        (image inputs), the first layer as image tiles alone."""
        first = self._layers[0]
        if self._tiles and first.tiles is not None:
            tiles = first.tiles
            label = [f"L1 {first.fan_in}×{first.fan_out}", f" {len(tiles)} units as",
                     f" {tiles.shape[1]}×{tiles.shape[2]} images"]
            return [(label, tile_grid(tiles, width))]
        blocks = []
        for i, v in enumerate(self._layers):
            name = "out" if v.activation == "output" else f"L{v.index + 1}"
            mark = "▸" if i == self._selected else " "
            finite = np.abs(v.weights[np.isfinite(v.weights)])
            scale = fmt_num(float(finite.max())) if finite.size else "nan"
            blocks.append(([f"{mark}{name} {v.fan_in}×{v.fan_out}", f" ±{scale}"], v.weights))
        return blocks

    def _build(self, width: int, height: int, mode: ColorMode, dark: bool) -> list[Strip]:
        if not self._layers or width <= 0 or height <= 0:
            return [Strip([Segment("no weights yet"[:width].ljust(width))])] if width > 0 else []
        half = mode == "truecolor"
        label_w = min(width // 2, LABEL_W)
        matrix_w = width - label_w
        blocks = self._blocks(matrix_w // (1 if half else 2))
        body = height - 1 if height >= 3 else height
        wanted = [max(3, math.ceil(w.shape[0] / (2 if half else 1))) for _, w in blocks]
        # rows for three label lines (shape, shown size, scale) each, else fewer, else
        # one row each for fewer layers
        allotted = next(filter(None, (allot_rows([least] * len(blocks), wanted, body)
                                      for least in (3, 2, 1))), None)
        hidden = 0
        while allotted is None:
            hidden += 1
            allotted = allot_rows([1] * (len(blocks) - hidden), wanted[:-hidden], body)
        lines: list[Strip] = []
        for (label, w), rows_here, layer in zip(blocks, allotted, self._layers, strict=False):
            values = w.tolist()
            finite = [abs(x) for row in values for x in row if math.isfinite(x)]
            scale = max(finite) if finite else 0.0
            strips, shown = diverging_matrix(values, len(values), len(values[0]), scale, matrix_w,
                                         rows_here, mode, dark)
            real = w.shape if self._tiles else (layer.fan_in, layer.fan_out)
            if shown != tuple(real):
                label = [label[0], f" shown {shown[0]}×{shown[1]}", *label[1:]]
            strips += [Strip.blank(matrix_w)] * (rows_here - len(strips))
            for y, strip in enumerate(strips):
                text = label[y] if y < len(label) else ""
                if len(text) >= label_w:  # cut, and said to be
                    text = text[:label_w - 2] + "…"
                style = Style(bold=True) if y == 0 else Style(dim=True)
                lines.append(Strip.join([
                    Strip([Segment(text.ljust(label_w), style)]), strip]))
        if height >= 3:
            lines += [Strip.blank(width)] * (body - len(lines))
            lines.append(self._legend(width, mode, dark, hidden))
        return [s.adjust_cell_length(width) for s in lines]

    def _legend(self, width: int, mode: ColorMode, dark: bool, hidden: int) -> Strip:
        """The colour scale: ``−max|w| [blue] 0 [red] +max|w| (each layer's own)``."""
        note = f"; {hidden} more layers" if hidden else ""
        ramp = 9 if mode == "truecolor" else 2 * len(DENSITY) + 1
        words = next((w for w in (f" of each layer{note}", f" each{note}", note)
                      if len(w) + 16 + ramp <= width), "")
        segs = [Segment("−max|w| ")]
        if mode == "truecolor":
            neutral = NEUTRAL_DARK if dark else NEUTRAL_LIGHT
            for i in range(4, 0, -1):
                segs.append(Segment("█", fg_bg(mix(neutral, NEGATIVE_RGB, i / 4), None)))
            segs.append(Segment("0", fg_bg(None, neutral)))
            for i in range(1, 5):
                segs.append(Segment("█", fg_bg(mix(neutral, POSITIVE_RGB, i / 4), None)))
        elif mode == "ansi":
            segs += [Segment(DENSITY[::-1], Style(color="blue")), Segment("0"),
                     Segment(DENSITY, Style(color="red"))]
        else:
            segs.append(Segment(f"{MONO_NEGATIVE[::-1]}0{MONO_POSITIVE}"))
        segs.append(Segment(f" +max|w|{words}"))
        return Strip(segs).crop(0, width).adjust_cell_length(width)
