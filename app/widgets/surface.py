"""SurfacePanel: a two-input regression's prediction over the plane, with the data on it.

The prediction is coloured on a diverging scale (blue below zero, red above, the same
scale for the training points' targets, drawn as dots), two grid rows per terminal row
with half blocks; with 16 colours or none, glyph density shows size and colour or glyph
the sign.
"""

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
    mix,
    same,
    sample_index,
)
from nnterm.app.widgets._panel import PicturePanel
from nnterm.engine.live.snapshot import Snapshot, Surface

SHADES = " ░▒▓█"


class SurfacePanel(PicturePanel):
    """The selected run's predicted surface and the training points."""

    DEFAULT_CSS = """
    SurfacePanel {
        width: 1fr;
        height: 1fr;
    }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._surface: Surface | None = None

    def update_snapshot(self, snapshot: Snapshot) -> bool:
        new = snapshot.surface
        if new is None or (self._surface is not None and same(_shown(new),
                                                              _shown(self._surface))):
            return False
        self._surface = new
        self._invalidate()
        return True

    def _build(self, width: int, height: int, mode: ColorMode, dark: bool) -> list[Strip]:
        s = self._surface
        if s is None or width < 2 or height < 3:
            return [Strip.blank(width)] * max(height, 0)
        body = height - 1
        values = s.values
        finite = values[np.isfinite(values)]
        scale = max(float(np.abs(finite).max()) if finite.size else 0.0,
                    float(np.abs(s.train_targets).max()) if s.train_targets.size else 0.0,
                    1e-12)
        half = mode == "truecolor"
        rows, cols = values.shape
        out_rows, out_cols = fit(rows, cols, width, body * (2 if half else 1), 1 if half else 2,
                                 False)
        ri, ci = sample_index(out_rows, rows), sample_index(out_cols, cols)
        cell_w = 1 if half else 2
        pad = (width - out_cols * cell_w) // 2
        base = NEUTRAL_DARK if dark else NEUTRAL_LIGHT

        def colour(v: float) -> tuple[int, int, int]:
            if not math.isfinite(v):
                return base
            t = max(-1.0, min(1.0, v / scale))
            return mix(base, POSITIVE_RGB if t > 0 else NEGATIVE_RGB, abs(t))

        x0, x1, y0, y1 = s.extent
        dots: dict[tuple[int, int], float] = {}
        for (px, py), target in zip(s.train_points.tolist(), s.train_targets.tolist(),
                                    strict=True):
            fx, fy = (px - x0) / (x1 - x0), (y1 - py) / (y1 - y0)
            if 0 <= fx < 1 and 0 <= fy < 1:
                dots[(int(fy * out_rows) // (2 if half else 1), int(fx * out_cols))] = target

        strips = []
        term_rows = (out_rows + 1) // 2 if half else out_rows
        for ty in range(term_rows):
            segments = [Segment(" " * pad)] if pad else []
            for tx in range(out_cols):
                if half:
                    upper = colour(values[ri[2 * ty], ci[tx]])
                    lower = colour(values[ri[2 * ty + 1], ci[tx]]) if 2 * ty + 1 < out_rows \
                        else base
                    if (ty, tx) in dots:
                        segments.append(Segment("●", fg_bg(colour(dots[(ty, tx)]), upper)))
                    else:
                        segments.append(Segment("▀", fg_bg(upper, lower)))
                    continue
                v = values[ri[ty], ci[tx]]
                t = min(1.0, abs(v) / scale) if math.isfinite(v) else 0.0
                glyph = "o" if (ty, tx) in dots else SHADES[round(t * (len(SHADES) - 1))]
                style = Style(color="red" if v > 0 else "blue") if mode == "ansi" else Style()
                if mode == "mono" and v < 0 and glyph != "o":
                    glyph = glyph.replace("█", "#").replace("▓", "=").replace("▒", "-")
                segments.append(Segment(glyph * cell_w, style))
            strips.append(Strip(segments).adjust_cell_length(width))
        strips += [Strip.blank(width)] * (body - len(strips))
        caption = f"prediction: blue −{scale:.3g} … red +{scale:.3g}; ● data"
        strips.append(Strip([Segment(caption[:width], Style(dim=True))]).adjust_cell_length(width))
        return strips


def _shown(s: Surface) -> tuple:
    return (s.extent, s.values, s.train_points)
