"""LossLandscape: the loss over a two-weight model's (w1, w2) plane, and every run's path.

The background is the loss in bands (a contour map: each band is a factor of ~3.2 in
excess loss over the least reachable, dark at the bottom of the bowl, every other band a
shade lighter so that the contours show); each run's path is a line of braille dots in
its colour, its latest point ``●``; ``+`` marks the optimum. The map covers the runs
that did not diverge; a point off the map shows as ``»`` on its edge. Under the map, a
legend names every run in its colour, then the axes.
"""

from __future__ import annotations

import math

from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip

from nnterm.app.widgets._common import (
    ColorMode,
    Row,
    fg_bg,
    first_that_fits,
    mix,
    run_colour,
    same,
    sample_index,
)
from nnterm.app.widgets._panel import PicturePanel
from nnterm.engine.live.landscape import BANDS_PER_DECADE
from nnterm.engine.live.snapshot import Landscape, Snapshot

#: Band glyphs without colour, from the bottom of the bowl up.
BAND_GLYPHS = " .:-=+*#%@"
#: Band colours from the bottom of the bowl to the ridges, every other band lighter by
#: STRIPE (the contours): dark enough on either theme for every run's colour to stand
#: out on every band (a contrast of 3:1 at least, as WCAG asks of graphics).
VALLEY_RGB, RIDGE_RGB = (8, 18, 58), (36, 42, 58)
STRIPE = 18
#: Braille dot bits by (sub-row, sub-column) of a cell's 4 x 2 dots.
BRAILLE_BITS = ((0x01, 0x08), (0x02, 0x10), (0x04, 0x20), (0x40, 0x80))
POINT, OFF_MAP, OPTIMUM = "●", "»", "+"


def band_rgb(band: int, top: int) -> tuple[int, int, int]:
    """The background of band ``band`` of ``top``: the ramp from the bottom of the bowl
    to the ridges, every other band a shade lighter."""
    shade = mix(VALLEY_RGB, RIDGE_RGB, min(1.0, band / max(top, 1)))
    return mix(shade, (255, 255, 255), STRIPE / 255) if band % 2 else shade


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
        styles = {name: Style(color=run_colour(colour, mode)[1], bold=name == self._selected)
                  for name, colour, _ in land.paths}
        under = legend_lines(land, styles, width) + [axes_caption(land, width)]
        under = under[:max(1, height - 3)]  # the map keeps three rows at least
        body = height - len(under)
        grid = land.bands.tolist()
        cols = sample_index(width, len(grid[0]))
        level = [[grid[r][c] for c in cols] for r in sample_index(body, len(grid))]
        top = max(1, max(max(row) for row in level))
        marks = path_marks(land, self._selected, styles, width, body)
        at = cell_of(*land.optimum, land.extent, width, body)
        if at is not None:
            marks[at] = (OPTIMUM, OPTIMUM_STYLE if mode == "truecolor" else BOLD)
        strips = [self._map_row(r, level, top, marks, width, mode) for r in range(body)]
        return strips + under

    @staticmethod
    def _map_row(r: int, level: list[list[int]], top: int,
                 marks: dict[tuple[int, int], tuple[str, Style]], width: int,
                 mode: ColorMode) -> Strip:
        """Row ``r`` of the map: each cell's band as its background (truecolor) or as a
        glyph, under the paths' marks."""
        row = Row()
        backgrounds: dict[int, Style] = {}
        for c in range(width):
            band = level[r][c]
            mark = marks.get((r, c))
            if mode == "truecolor":
                background = backgrounds.get(band)
                if background is None:
                    background = backgrounds[band] = fg_bg(None, band_rgb(band, top))
                row.add(" " if mark is None else mark[0],
                        background if mark is None else background + mark[1])
            elif mark is not None:
                row.add(mark[0], mark[1] if mode == "ansi" else None)
            else:
                row.add(BAND_GLYPHS[min(band, len(BAND_GLYPHS) - 1)], DIM)
        return row.strip(width)


DIM, BOLD = Style(dim=True), Style(bold=True)
#: The optimum on the map's dark bands (in the terminal's own colour without truecolor).
OPTIMUM_STYLE = Style(color="white", bold=True)


def cell_of(w1: float, w2: float, extent: tuple[float, float, float, float], width: int,
            body: int) -> tuple[int, int] | None:
    """The (row, column) of point (w1, w2) on a map ``width`` x ``body`` cells over
    ``extent``; None off the map."""
    x0, x1, y0, y1 = extent
    fx, fy = (w1 - x0) / (x1 - x0), (y1 - w2) / (y1 - y0)
    return (int(fy * body), int(fx * width)) if 0 <= fx < 1 and 0 <= fy < 1 else None


def path_marks(land: Landscape, selected: str, styles: dict[str, Style], width: int,
               body: int) -> dict[tuple[int, int], tuple[str, Style]]:
    """Every run's path as braille dots (2 x 4 a cell) joined from point to point, its
    latest point ``●`` and its points off the map ``»`` on the edge, by cell; the
    selected run drawn last, on top (a cell shows one run's dots)."""
    dots: dict[tuple[int, int], tuple[str, int]] = {}  # cell -> (run, braille bits)
    ends: dict[tuple[int, int], tuple[str, Style]] = {}
    x0, x1, y0, y1 = land.extent
    across, down = 2 * width / (x1 - x0), 4 * body / (y1 - y0)  # dots per unit of w1, w2
    for name, _, points in sorted(land.paths, key=lambda p: p[0] == selected):
        previous = None
        for w1, w2 in points.tolist():
            dot = ((w1 - x0) * across, (y1 - w2) * down)
            if not (math.isfinite(dot[0]) and math.isfinite(dot[1])):
                previous = None  # NaN: the run is over, with no latest point on the map
                break
            if not (0 <= dot[0] < 2 * width and 0 <= dot[1] < 4 * body):
                edge = (min(body - 1, max(0, int(dot[1] / 4))),
                        min(width - 1, max(0, int(dot[0] / 2))))
                ends[edge] = (OFF_MAP, styles[name])
                previous = None
                continue
            for sx, sy in segment(previous or dot, dot):
                key = (sy >> 2, sx >> 1)
                owner, bits = dots.get(key, (name, 0))
                dots[key] = (name, (bits if owner == name else 0) | BRAILLE_BITS[sy & 3][sx & 1])
            previous = dot
        if previous is not None:  # the latest point, on the map
            ends[(int(previous[1]) >> 2, int(previous[0]) >> 1)] = (POINT, styles[name])
    marks = {key: (chr(0x2800 + bits), styles[name]) for key, (name, bits) in dots.items()}
    marks.update(ends)
    return marks


def segment(a: tuple[float, float], b: tuple[float, float]) -> list[tuple[int, int]]:
    """The dots (whole sub-cell coordinates, from 0) on the line from ``a`` to ``b``: one
    a step along the longer side, ``b``'s alone when they share a dot."""
    steps = math.ceil(max(abs(b[0] - a[0]), abs(b[1] - a[1])))
    if steps <= 1:
        return [(int(b[0]), int(b[1]))]
    return [(int(a[0] + (b[0] - a[0]) * i / steps), int(a[1] + (b[1] - a[1]) * i / steps))
            for i in range(1, steps + 1)]


def legend_lines(land: Landscape, styles: dict[str, Style], width: int) -> list[Strip]:
    """``● name`` of every run in its colour, then ``+ optimum``, in lines of ``width``."""
    entries = [(f"{POINT} {name}", styles[name]) for name, _, _ in land.paths]
    entries.append((f"{OPTIMUM} optimum", BOLD))
    lines: list[list[tuple[str, Style]]] = [[]]
    used = 0
    for text, style in entries:
        if lines[-1] and used + 2 + len(text) > width:
            lines.append([])
            used = 0
        if lines[-1]:
            lines[-1].append(("  ", Style()))
            used += 2
        lines[-1].append((text, style))
        used += len(text)
    return [Strip([Segment(text, style) for text, style in line]).crop(0, width)
            .adjust_cell_length(width) for line in lines]


def axes_caption(land: Landscape, width: int) -> Strip:
    """The axes' ranges and what a band is (dim): with fewer digits, then without the
    bands, rather than cut."""
    x0, x1, y0, y1 = land.extent
    bands = f"  bands: loss ×{10 ** (1 / BANDS_PER_DECADE):.1f}"
    axes = [f"w1 {x0:.{d}g}…{x1:.{d}g} →  w2 {y0:.{d}g}…{y1:.{d}g} ↑" for d in (3, 2)]
    text = first_that_fits((axes[0] + bands, axes[1] + bands, *axes), width)
    return Strip([Segment(text[:width], DIM)]).adjust_cell_length(width)


def _shown(land: Landscape) -> tuple:
    return (land.extent, land.bands, tuple((n, c, p) for n, c, p in land.paths))
