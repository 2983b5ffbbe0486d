"""LossLandscape: the loss over a two-weight model's (w1, w2) plane, and every run's path.

The background is the loss in bands (a contour map: each band is a factor of ~3.2 in
excess loss over the least reachable, dark at the bottom of the bowl); each run's path is
drawn in its colour, its latest point as ``●``; ``+`` marks the optimum. The map covers
the runs that did not diverge; a point off the map shows as ``»`` on its edge.
"""

from __future__ import annotations

import math

import numpy as np
from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip

from nnterm.app.widgets._common import (
    NEUTRAL_DARK,
    NEUTRAL_LIGHT,
    ColorMode,
    fg_bg,
    mix,
    run_colour,
    same,
)
from nnterm.app.widgets._panel import PicturePanel
from nnterm.engine.live.snapshot import Landscape, Snapshot

#: Bands per decade of excess loss (two: a factor of ~3.2 per band).
BANDS_PER_DECADE = 2
#: Band glyphs without colour, from the bottom of the bowl up.
BAND_GLYPHS = " .:-=+*#%@"
VALLEY_RGB, RIDGE_RGB = (30, 60, 110), (200, 200, 200)


def bands(excess: np.ndarray) -> np.ndarray:
    """Band index (0 = the bottom of the bowl) of each cell: ``BANDS_PER_DECADE`` bands per
    decade of excess loss, counted from the grid's least."""
    floor = max(float(excess.min()), 1e-12)
    with np.errstate(divide="ignore", invalid="ignore"):
        level = np.log10(np.maximum(excess, floor) / floor) * BANDS_PER_DECADE
    return np.nan_to_num(level, nan=0.0).astype(np.int64)


class LossLandscape(PicturePanel):
    """The loss plane of a two-weight model with the paths of every run on it."""

    DEFAULT_CSS = """
    LossLandscape {
        width: 1fr;
        height: 1fr;
    }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._landscape: Landscape | None = None
        self._selected = ""

    def update_snapshot(self, snapshot: Snapshot) -> bool:
        new = snapshot.landscape
        if new is None or (self._landscape is not None and snapshot.run == self._selected
                           and same(_shown(new), _shown(self._landscape))):
            return False
        self._landscape, self._selected = new, snapshot.run
        self._invalidate()
        return True

    def _build(self, width: int, height: int, mode: ColorMode, dark: bool) -> list[Strip]:
        land = self._landscape
        if land is None or width < 4 or height < 3:
            return [Strip.blank(width)] * max(height, 0)
        body = height - 1
        rows, cols = land.excess.shape
        ri = np.minimum((np.arange(body) + 0.5) * rows / body, rows - 1).astype(int)
        ci = np.minimum((np.arange(width) + 0.5) * cols / width, cols - 1).astype(int)
        level = bands(land.excess)[np.ix_(ri, ci)]
        top = max(1, int(level.max()))
        cells: dict[tuple[int, int], tuple[str, Style]] = {}
        x0, x1, y0, y1 = land.extent

        def to_cell(w1: float, w2: float) -> tuple[int, int, bool]:
            """(row, col, inside) of a point, clamped to the map's edge."""
            fx = (w1 - x0) / (x1 - x0)
            fy = (y1 - w2) / (y1 - y0)
            if not (math.isfinite(fx) and math.isfinite(fy)):
                return -1, -1, False
            inside = 0 <= fx < 1 and 0 <= fy < 1
            r = min(body - 1, max(0, int(fy * body)))
            c = min(width - 1, max(0, int(fx * width)))
            return r, c, inside

        ordered = sorted(land.paths, key=lambda p: p[0] == self._selected)  # selected on top
        for name, colour, points in ordered:
            style = Style(color=run_colour(colour, mode)[1], bold=name == self._selected)
            for i, (w1, w2) in enumerate(points.tolist()):
                r, c, inside = to_cell(w1, w2)
                if r < 0:
                    break  # NaN: the run is over
                last = i == len(points) - 1
                cells[(r, c)] = ("●" if last else "•", style) if inside else ("»", style)
        r, c, inside = to_cell(*land.optimum)
        if inside:
            cells[(r, c)] = ("+", Style(color="white" if dark else "black", bold=True))

        base = NEUTRAL_DARK if dark else NEUTRAL_LIGHT
        strips = []
        for r in range(body):
            segments = []
            for c in range(width):
                band = int(level[r, c])
                mark = cells.get((r, c))
                if mode == "truecolor":
                    shade = mix(VALLEY_RGB, RIDGE_RGB, min(1.0, band / top))
                    background = fg_bg(None, mix(base, shade, 0.55))
                    if mark is None:
                        segments.append(Segment(" ", background))
                    else:
                        segments.append(Segment(mark[0], background + mark[1]))
                elif mark is not None:
                    segments.append(Segment(mark[0], mark[1] if mode == "ansi" else Style()))
                else:
                    glyph = BAND_GLYPHS[min(band, len(BAND_GLYPHS) - 1)]
                    segments.append(Segment(glyph, Style(dim=True)))
            strips.append(Strip(segments, width))
        caption = (f"w1 {x0:.3g}…{x1:.3g} →  w2 {y0:.3g}…{y1:.3g} ↑  + optimum"
                   f"  bands: loss ×{10 ** (1 / BANDS_PER_DECADE):.1f}")
        strips.append(Strip([Segment(caption[:width], Style(dim=True))]).adjust_cell_length(width))
        return strips


def _shown(land: Landscape) -> tuple:
    return (land.extent, land.excess, tuple((n, c, p) for n, c, p in land.paths))
