"""GradientHistogram: one layer's gradient distribution over time, its latest histogram,
and every layer's gradient norm and update/weight ratio."""

from __future__ import annotations

import math
import textwrap

from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip

from nnterm.app.widgets._common import ColorMode, fmt_num, fmt_power_of_ten, title_with_numbers
from nnterm.app.widgets._panel import LayerPanel
from nnterm.engine.live.snapshot import LayerView
from nnterm.engine.training.telemetry import HIST_CENTERS, HIST_DECADES

#: Signed-log axis: y = sign(v) * (log10 |v| - FLOOR), 0 for |v| < 10**FLOOR.
FLOOR = HIST_DECADES[0]
OUTER, INNER, MEDIAN = "░", "▓", "━"  # 2-98 %, 16-84 %, median
EIGHTHS = " ▏▎▍▌▋▊▉"
AXIS_W = 7
TABLE_W = 27
MIN_TABLE_WIDTH = 64  # below this width the per-layer table is left out

OUTER_STYLE = Style(color="#8a5a2b")
INNER_STYLE = Style(color="#ff9f43")
MEDIAN_STYLE = Style(bold=True)  # the widget's own foreground: visible on any theme
BAR_STYLE = Style(color="#3fb6c8")
ANSI_STYLES = (Style(color="yellow", dim=True), Style(color="yellow"),
               Style(color="bright_white", bold=True), Style(color="cyan"))


def symlog(v: float) -> float:
    """The signed-log coordinate of ``v`` (the histogram bins' own scale)."""
    if not math.isfinite(v):
        return math.copysign(-FLOOR + 4.0, v) if not math.isnan(v) else 0.0
    mag = abs(v)
    if mag < 10.0**FLOOR:
        return 0.0
    return math.copysign(math.log10(mag) - FLOOR, v)


def symlog_label(y: float) -> str:
    """The value at signed-log coordinate ``y``, as a short label."""
    if abs(y) < 1e-9:
        return "0"
    exponent = abs(y) + FLOOR
    sign = "-" if y < 0 else "+"
    if abs(exponent - round(exponent)) < 0.05:
        return f"{sign}1e{round(exponent)}"
    return f"{sign}{10.0**exponent:.0e}".replace("e-0", "e-").replace("e+0", "e")


#: The histogram bins on the signed-log axis.
BIN_Y = [symlog(float(c)) for c in HIST_CENTERS]


class GradientHistogram(LayerPanel):
    """The selected layer's gradients: a TensorBoard-like band over time (per column, the
    2-98 % range shaded light, 16-84 % dark, the median as a line, on a signed-log axis),
    the latest histogram beside it as horizontal bars on the same axis, and a table of
    every layer's gradient norm and log10 update/weight ratio."""

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
    def _styles(self, mode: ColorMode) -> tuple[Style | None, ...]:
        if mode == "truecolor":
            return OUTER_STYLE, INNER_STYLE, MEDIAN_STYLE, BAR_STYLE
        if mode == "ansi":
            return ANSI_STYLES
        return None, None, None, None

    def _build(self, width: int, height: int, mode: ColorMode, dark: bool) -> list[Strip]:
        layer = self._layer()
        if width <= 0 or height <= 0:
            return []
        if layer is None:
            return [Strip([Segment("no gradients yet"[:width].ljust(width))])]
        kind = "output" if layer.activation == "output" else layer.activation
        title = title_with_numbers(
            f"grad L{layer.index + 1}/{len(self._layers)} {layer.fan_in}→{layer.fan_out} {kind}",
            f"‖g‖ {fmt_num(layer.grad_norm)}  u/w {fmt_power_of_ten(layer.update_ratio)}", width)
        lines: list[list[Segment]] = [[Segment(title, Style(bold=True))]]
        body = height - 2
        if body < 2:
            return [Strip(lines[0]).adjust_cell_length(width)]
        counts = layer.grad_hist.tolist()
        zero_bin = len(HIST_CENTERS) // 2
        note = ""
        if not math.isfinite(layer.grad_norm):
            note = f"the gradient is {fmt_num(layer.grad_norm)}: the run has diverged"
        elif layer.grad_norm == 0 and counts[zero_bin] and not any(
                n for j, n in enumerate(counts) if j != zero_bin):
            note = "every gradient of this layer is exactly 0: nothing here learns"
        if note:  # wrapped, never cut: it is the panel's whole message
            wrapped = textwrap.wrap(note, max(8, width))[:max(1, height - 1)]
            return [Strip(lines[0]).adjust_cell_length(width)] + [
                Strip([Segment(line, Style(italic=True))]).adjust_cell_length(width)
                for line in wrapped]

        table = width >= MIN_TABLE_WIDTH
        main_w = width - (TABLE_W + 1 if table else 0)
        hist_w = max(6, main_w // 4)
        band_w = main_w - AXIS_W - hist_w - 1
        outer_s, inner_s, median_s, bar_s = self._styles(mode)

        # band columns: the last logged row of each time bucket (stretched if too few)
        band = layer.grad_band.tolist() if layer.grad_band.size else []
        steps = layer.band_steps.tolist()
        t = len(band)
        cols = [min(t - 1, ((c + 1) * t - 1) // band_w) for c in range(band_w)] if t else []
        quant = [[symlog(v) for v in band[i]] for i in sorted(set(cols))]
        qmap = dict(zip(sorted(set(cols)), quant, strict=True))
        counts = layer.grad_hist.tolist()

        # the y range: what the band and the histogram occupy
        ys = [q[0] for q in quant] + [q[4] for q in quant]
        ys += [BIN_Y[j] for j, n in enumerate(counts) if n > 0]
        ys = [v for v in ys if math.isfinite(v)]
        lo, hi = (min(ys), max(ys)) if ys else (-1.0, 1.0)
        lo, hi = lo - 0.25, hi + 0.25
        dy = (hi - lo) / body

        # the latest histogram: the count nearest each row's centre (or summed over it)
        row_counts = []
        for r in range(body):
            top, bottom = hi - r * dy, hi - (r + 1) * dy
            inside = [counts[j] for j, yb in enumerate(BIN_Y) if bottom <= yb < top]
            if inside:
                row_counts.append(sum(inside))
            else:
                mid = (top + bottom) / 2
                j = min(range(len(BIN_Y)), key=lambda j: abs(BIN_Y[j] - mid))
                row_counts.append(counts[j] if abs(BIN_Y[j] - mid) <= 0.25 else 0)
        peak = max(row_counts) if row_counts and max(row_counts) > 0 else 1

        for r in range(body):
            top, bottom = hi - r * dy, hi - (r + 1) * dy
            segs: list[Segment] = []
            label = symlog_label(top if r == 0 else bottom) if r in (0, body - 1) else ""
            if bottom <= 0 < top:
                label = "0"
            segs.append(Segment(label.rjust(AXIS_W - 1)[: AXIS_W - 1] + "┤" if label
                                else " " * (AXIS_W - 1) + "│", Style(dim=True)))
            for c in range(band_w):
                q = qmap.get(cols[c]) if cols else None
                if q is None:
                    segs.append(Segment(" "))
                elif bottom <= q[2] < top:
                    segs.append(Segment(MEDIAN, median_s))
                elif bottom <= q[3] and top >= q[1]:
                    segs.append(Segment(INNER, inner_s))
                elif bottom <= q[4] and top >= q[0]:
                    segs.append(Segment(OUTER, outer_s))
                else:
                    segs.append(Segment(" "))
            segs.append(Segment("│", Style(dim=True)))
            length = row_counts[r] / peak * hist_w
            full = int(length)
            part = EIGHTHS[int((length - full) * 8)] if full < hist_w else ""
            segs.append(Segment(("█" * full + part.strip()).ljust(hist_w), bar_s))
            lines.append(segs)

        first = f"step {steps[0]}" if steps else ""
        last = f"{steps[-1]}" if steps else ""
        axis = " " * AXIS_W + first + last.rjust(max(0, band_w - len(first)))
        lines.append([Segment(axis, Style(dim=True)), Segment(" latest".ljust(hist_w + 1))])

        strips = [Strip(Segment.simplify(s)).crop(0, main_w if table else width) for s in lines]
        strips = [s.adjust_cell_length(main_w if table else width) for s in strips]
        if table:
            strips = self._with_table(strips, width, main_w)
        return [s.adjust_cell_length(width) for s in strips]

    def _with_table(self, strips: list[Strip], width: int, main_w: int) -> list[Strip]:
        head = Style(bold=True)
        rows: list[list[Segment]] = [[Segment(" layer  ‖grad‖   log10 u/w", head)]]
        for i, v in enumerate(self._layers):
            mark = "▸" if i == self._selected else " "
            name = "out" if v.activation == "output" else f"L{v.index + 1}"
            text = f"{mark}{name:<5} {fmt_num(v.grad_norm):>8}  {fmt_num(v.update_ratio, 2):>8}"
            rows.append([Segment(text, Style(reverse=True) if i == self._selected else None)])
        out = []
        for y, strip in enumerate(strips):
            right = Strip(rows[y]) if y < len(rows) else Strip([])
            right = right.crop(0, TABLE_W).adjust_cell_length(TABLE_W)
            out.append(Strip.join([strip, Strip([Segment(" ")]), right]))
        return out
