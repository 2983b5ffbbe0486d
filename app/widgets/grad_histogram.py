"""GradientHistogram: one layer's gradient distribution over the steps (TensorBoard's
distributions view), and every layer's gradient norm and update/weight ratio."""

from __future__ import annotations

import math
import textwrap

from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip

from nnterm.app.widgets._common import (
    NEUTRAL_DARK,
    NEUTRAL_LIGHT,
    ColorMode,
    fg_bg,
    fmt_power_of_ten,
    header_lines,
    mix,
)
from nnterm.app.widgets._panel import LayerPanel
from nnterm.app.widgets.axis_ticks import ceil_125, fmt_num, si_label
from nnterm.engine.live.snapshot import LayerView
from nnterm.engine.training.telemetry import HIST_CENTERS, PERCENTILES

#: The bands, outermost first, as (index of the lower percentile in PERCENTILES, name):
#: each spans that percentile to its mirror image (index -1 - i).
BANDS = ((0, "all"), (1, "86%"), (2, "68%"), (3, "38%"))
MEDIAN_INDEX = len(PERCENTILES) // 2
#: One glyph per band (outermost first) so the shades differ without colour (truecolor
#: fills every band with a solid block in its shade); the median.
BAND_GLYPHS = "░▒▓█"
SOLID = "█"
MEDIAN = "━"
#: Truecolor: the band hue mixed into the background, weakest outside, strongest at the
#: median (darker near the median on a light theme, brighter on a dark one).
BAND_RGB = (255, 140, 40)
BAND_STRENGTH = (0.25, 0.45, 0.7, 1.0)
AXIS_W = 6
TABLE_W = 27
MIN_TABLE_WIDTH = 64  # below this width the per-layer table is left out


def axis_limit(band: list[list[float]]) -> float:
    """The symmetric axis' half-height: the largest finite |value| of the columns shown,
    rounded up to 1, 2 or 5 times a power of ten (a linear axis, as TensorBoard's,
    centred on 0 so that the sign of the gradients reads off at once). Only the columns
    shown: a logged step between them (the first steps' large gradients) would flatten
    every column to its median line."""
    finite = [abs(v) for row in band for v in row if math.isfinite(v)]
    top = max(finite, default=0.0)
    return ceil_125(top) if top > 0 else 1.0


def band_level(q: list[float], top: float, bottom: float) -> int | None:
    """The innermost band (index into BANDS) of percentiles ``q`` that reaches into the
    cell from ``bottom`` to ``top``; None if none does. A band narrower than a cell still
    shows as one cell."""
    level = None
    for k, (i, _) in enumerate(BANDS):
        lo, hi = q[i], q[-1 - i]
        if lo <= top and hi >= bottom:
            level = k
    return level


class GradientHistogram(LayerPanel):
    """The selected layer's weight gradients as TensorBoard draws a distribution: per
    column (a logged step), shaded bands between percentiles of the gradient's entries
    (all of them, the middle 86%, 68% and 38%), darker towards the median, the median as a
    line, on a linear axis symmetric about 0 with SI labels; a legend says which shade is
    which. Beside it, a table of every layer's gradient norm and log10 update/weight ratio.
    """

    DEFAULT_CSS = """
    GradientHistogram {
        width: 1fr;
        height: 1fr;
        min-height: 6;
    }
    """

    def _shown_key(self, layer: LayerView) -> tuple:
        table = tuple((v.grad_norm, v.update_ratio, v.activation) for v in self._layers)
        return (self._selected, table, layer.grad_hist, layer.grad_band, layer.band_steps,
                layer.fan_in, layer.fan_out)

    # ----------------------------------------------------------------- drawing
    def _styles(self, mode: ColorMode, dark: bool) -> tuple[list[Style | None], Style]:
        """The bands' styles (outermost first) and the median's."""
        if mode == "truecolor":
            base = NEUTRAL_DARK if dark else NEUTRAL_LIGHT
            shades = [mix(base, BAND_RGB, t) for t in BAND_STRENGTH]
            line = (255, 255, 255) if dark else (0, 0, 0)
            return [fg_bg(c, None) for c in shades], fg_bg(line, shades[-1]) + Style(bold=True)
        if mode == "ansi":
            return [Style(color="yellow")] * len(BANDS), Style(bold=True)
        return [None] * len(BANDS), Style(bold=True)

    @staticmethod
    def _glyphs(mode: ColorMode) -> str:
        return SOLID * len(BANDS) if mode == "truecolor" else BAND_GLYPHS

    def legend(self, width: int, mode: ColorMode = "mono", dark: bool = True) -> Strip:
        """What the shades are, ``░ all ▒ 86% ▓ 68% █ 38% of the values  ━ median``,
        shortened to fit ``width``."""
        shades, median = self._styles(mode, dark)
        for gap, of_values, median_word in ((" ", " of the values  ", "median"),
                                            ("", " of values ", "median"), ("", " ", "med")):
            segs = []
            for glyph, style, (_, name) in zip(self._glyphs(mode), shades, BANDS, strict=True):
                segs += [Segment(glyph, style), Segment(f"{gap}{name} ")]
            segs[-1] = Segment(segs[-1].text.rstrip() + of_values)
            segs += [Segment(MEDIAN, median), Segment(f"{gap}{median_word}")]
            strip = Strip(segs)
            if strip.cell_length <= width:
                break
        return strip.crop(0, width).adjust_cell_length(width)

    def _build(self, width: int, height: int, mode: ColorMode, dark: bool) -> list[Strip]:
        layer = self._layer()
        if width <= 0 or height <= 0:
            return []
        if layer is None:
            return [Strip([Segment("no gradients yet"[:width].ljust(width))])]
        kind = "output" if layer.activation == "output" else layer.activation
        head = [Strip([Segment(line, Style(bold=True))]).adjust_cell_length(width)
                for line in header_lines(
                    f"L{layer.index + 1}/{len(self._layers)} {layer.fan_in}→{layer.fan_out} "
                    f"{kind}", f"‖g‖ {fmt_num(layer.grad_norm)}  u/w "
                    f"{fmt_power_of_ten(layer.update_ratio)}", width)]
        counts = layer.grad_hist.tolist()
        zero_bin = len(HIST_CENTERS) // 2
        note = ""
        if not math.isfinite(layer.grad_norm):
            note = f"the gradient is {fmt_num(layer.grad_norm)}: the run has diverged"
        elif layer.grad_norm == 0 and counts[zero_bin] and not any(
                n for j, n in enumerate(counts) if j != zero_bin):
            note = "every gradient of this layer is exactly 0: nothing here learns"
        if note:  # wrapped, never cut: it is the panel's whole message
            wrapped = textwrap.wrap(note, max(8, width))[:max(1, height - len(head))]
            return head + [Strip([Segment(line, Style(italic=True))]).adjust_cell_length(width)
                           for line in wrapped]
        body = height - len(head) - 2  # the header, step axis, legend
        if body < 2:
            return head[:height]
        table = width >= MIN_TABLE_WIDTH
        main_w = width - (TABLE_W + 1 if table else 0)
        strips = head + self._distribution(layer, main_w, body, mode, dark)
        strips.append(self.legend(main_w, mode, dark))
        strips = [s.crop(0, main_w).adjust_cell_length(main_w) for s in strips]
        if table:
            strips = head + self._with_table(strips[len(head):], width, main_w)
        return [s.adjust_cell_length(width) for s in strips]

    def _distribution(self, layer: LayerView, width: int, body: int, mode: ColorMode,
                      dark: bool) -> list[Strip]:
        """``body`` rows of bands and the step axis under them, ``width`` wide."""
        band_w = max(1, width - AXIS_W - 1)
        band = layer.grad_band.tolist() if layer.grad_band.size else []
        steps = layer.band_steps.tolist()
        t = len(band)
        # each column shows the last logged row of its time bucket (stretched if too few)
        cols = [band[min(t - 1, ((c + 1) * t - 1) // band_w)] for c in range(band_w)] if t \
            else []
        limit = axis_limit(cols)
        dy = 2 * limit / body
        shades, median_s = self._styles(mode, dark)
        glyphs = self._glyphs(mode)
        dim = Style(dim=True)
        zero_row = math.ceil(limit / dy - 1e-9) - 1  # the row with bottom <= 0 < top
        lines = []
        for r in range(body):
            top, bottom = limit - r * dy, limit - (r + 1) * dy
            label = {0: si_label(limit), body - 1: si_label(-limit), zero_row: "0"}.get(r)
            segs = [Segment(f"{label}┤".rjust(AXIS_W) if label else " " * (AXIS_W - 1) + "│",
                            dim)]
            for q in cols:
                if any(math.isnan(v) for v in q):
                    segs.append(Segment(" "))
                elif bottom <= q[MEDIAN_INDEX] < top or (r == body - 1
                                                         and q[MEDIAN_INDEX] == bottom):
                    segs.append(Segment(MEDIAN, median_s))
                else:
                    level = band_level(q, top, bottom)
                    segs.append(Segment(" ") if level is None
                                else Segment(glyphs[level], shades[level]))
            lines.append(Strip(Segment.simplify(segs)))
        first = f"step {steps[0]}" if steps else ""
        last = f"{steps[-1]}" if steps else ""
        lines.append(Strip([Segment(" " * AXIS_W + first + last.rjust(max(0, band_w
                                                                          - len(first))),
                                    dim)]))
        return lines

    def _with_table(self, strips: list[Strip], width: int, main_w: int) -> list[Strip]:
        head = Style(bold=True)
        rows: list[list[Segment]] = [[Segment(" layer  ‖grad‖       u/w", head)]]
        for i, v in enumerate(self._layers):
            mark = "▸" if i == self._selected else " "
            name = "out" if v.activation == "output" else f"L{v.index + 1}"
            text = (f"{mark}{name:<5} {fmt_num(v.grad_norm):>8}  "
                    f"{fmt_power_of_ten(v.update_ratio):>8}")
            rows.append([Segment(text, Style(reverse=True) if i == self._selected else None)])
        out = []
        for y, strip in enumerate(strips):
            right = Strip(rows[y]) if y < len(rows) else Strip([])
            right = right.crop(0, TABLE_W).adjust_cell_length(TABLE_W)
            out.append(Strip.join([strip, Strip([Segment(" ")]), right]))
        return out
