"""The picture of one decision boundary: the predicted class per cell of the input plane
(colour = class, fainter = less confident; shade glyphs without truecolor), the data's
points on it and the drawing cursor, fitted into a given number of terminal cells.

``plane_cells`` says where the plane lies in those cells and ``point_marks`` which cell
each point is drawn in, so that the widget (``boundary.DecisionBoundary``) can map its
cursor and clicks to the plane; it lays the pictures out (alone or side by side).
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.style import Style
from textual.strip import Strip

from nnterm.app.widgets._common import (
    CLASS_ANSI,
    CLASS_GLYPHS,
    CLASS_RGB,
    NEUTRAL_DARK,
    NEUTRAL_LIGHT,
    ColorMode,
    Row,
    fg_bg,
    fit,
    mix,
    sample_index,
)
from nnterm.app.widgets._plane_cells import PlaneCells
from nnterm.engine.live.snapshot import Boundary

#: Region colour strength at full confidence (points are drawn at full strength).
REGION_STRENGTH = 0.55
#: Confidence (rescaled to 0..1 above chance) under which a region cell counts as the
#: boundary band: blank in the glyph modes.
BAND = 0.2
#: Region glyphs per class when there is no colour (the class must show by shape).
MONO_FILL = ("·", "░", "▒", "▓", ":", "=", "~", "'")
TRAIN_DOT, VAL_DOT = "●", "○"
#: The drawing cursor on a cell without a point (on a point: the point, highlighted).
CURSOR = "+"
#: How far a point's colour is pushed from its class colour towards white (dark theme) or
#: black (light theme): the region is the class colour faded into the background, so the
#: point must go the other way to stand out on its own class's region.
POINT_CONTRAST = 0.55


def point_rgb(k: int, dark: bool) -> tuple[int, int, int]:
    """A point of class ``k``: its class colour, lighter on a dark theme, darker on a
    light one (the opposite way from the regions, which fade into the background)."""
    return mix(CLASS_RGB[k % len(CLASS_RGB)], (255, 255, 255) if dark else (0, 0, 0),
               POINT_CONTRAST)


def region_rgb(k: int, certainty: float, dark: bool) -> tuple[int, int, int]:
    """A region of class ``k`` at ``certainty`` (0..1 above chance): the class colour
    mixed into the background, fainter where the model is less sure."""
    base = NEUTRAL_DARK if dark else NEUTRAL_LIGHT
    return mix(base, CLASS_RGB[k % len(CLASS_RGB)], REGION_STRENGTH * (0.15 + 0.85 * certainty))


def point_glyph(k: int, val: bool) -> str:
    """A point of class ``k`` as a letter, without colour (upper case: validation)."""
    g = CLASS_GLYPHS[k % len(CLASS_GLYPHS)]
    return g.upper() if val else g


def plane_cells(b: Boundary, width: int, body: int, mode: ColorMode) -> PlaneCells:
    """Where the plane of ``b`` lies in a picture of ``width`` x ``body`` cells."""
    rows, cols = b.classes.shape if b.classes.ndim == 2 else (0, 0)
    half = mode == "truecolor"
    cell_w = 1 if half else 2
    out_rows, out_cols = fit(rows, cols, width, body * (2 if half else 1), cell_w, False)
    term_cols = out_cols * cell_w
    return PlaneCells(extent=b.extent, left=(width - term_cols) // 2, columns=term_cols,
                      rows=(out_rows + 1) // 2 if half else out_rows, grid_rows=out_rows,
                      pixels=2 if half else 1)


def point_marks(b: Boundary, cells: PlaneCells, validation: bool
                ) -> dict[tuple[int, int], tuple[int, bool, bool]]:
    """The points of ``b`` by the cell they are drawn in, (row, column) -> (class,
    validation?, in the lower half?); training points drawn last win."""
    marks: dict[tuple[int, int], tuple[int, bool, bool]] = {}
    sets = [(b.val_points, b.val_labels, True)] if validation else []
    sets.append((b.train_points, b.train_labels, False))
    for pts, lab, val in sets:
        for (px, py), k in zip(pts.tolist(), lab.tolist(), strict=False):
            cell = cells.cell_of(px, py)
            if cell is not None:
                tx, ty, low = cell
                marks[(ty, tx)] = (int(k), val, low)
    return marks


@dataclass(frozen=True)
class Cursor:
    """The drawing cursor: its cell (column, row) and the class a point there would be."""

    column: int
    row: int
    label: int


def boundary_picture(b: Boundary, width: int, body: int, mode: ColorMode, dark: bool,
                     validation: bool, n_classes: int, cursor: Cursor | None = None
                     ) -> list[Strip]:
    """The regions and the data of ``b`` fitted into ``width`` x ``body`` cells (at most
    ``body`` strips, each ``width`` wide), with the drawing ``cursor`` if one is given."""
    classes = b.classes.tolist()
    conf = b.confidence.tolist()
    rows, cols = len(classes), len(classes[0]) if classes else 0
    chance = 1.0 / n_classes

    def certainty(p: float) -> float:
        return max(0.0, min(1.0, (p - chance) / (1.0 - chance)))

    half = mode == "truecolor"
    cell_w = 1 if half else 2
    cells = plane_cells(b, width, body, mode)
    out_rows, term_rows, term_cols, pad = cells.grid_rows, cells.rows, cells.columns, cells.left
    out_cols = term_cols // cell_w
    ri, ci = sample_index(out_rows, rows), sample_index(out_cols, cols)
    marks = point_marks(b, cells, validation)
    at = (cursor.row, cursor.column) if cursor is not None else None

    strips: list[Strip] = []
    if half:
        region_cache: dict[tuple[int, int], tuple[int, int, int]] = {}

        def region(r: int, c: int) -> tuple[int, int, int]:
            k, q = classes[ri[r]][ci[c]], round(certainty(conf[ri[r]][ci[c]]) * 10)
            color = region_cache.get((k, q))
            if color is None:
                color = region_cache[(k, q)] = region_rgb(k, q / 10, dark)
            return color

        styles: dict[tuple, Style] = {}

        def style(fg, bg) -> Style:
            st = styles.get((fg, bg))
            if st is None:
                st = styles[(fg, bg)] = fg_bg(fg, bg)
            return st

        for ty in range(term_rows):
            segs = Row()
            segs.add(" " * pad)  # an empty first text is dropped by Strip
            for tx in range(out_cols):
                upper = region(2 * ty, tx)
                lower = region(2 * ty + 1, tx) if 2 * ty + 1 < out_rows else None
                hit = marks.get((ty, tx))
                if (ty, tx) == at and cursor is not None:
                    glyph = CURSOR if hit is None else (VAL_DOT if hit[1] else TRAIN_DOT)
                    segs.add(glyph, style((0, 0, 0) if dark else (255, 255, 255),
                                          point_rgb(cursor.label, dark)))
                elif hit is None:
                    segs.add("▀", style(upper, lower))
                else:
                    k, val, low = hit
                    dot = point_rgb(k, dark)
                    under = lower if (low and lower is not None) else upper
                    segs.add(VAL_DOT if val else TRAIN_DOT, style(dot, under))
            strips.append(segs.strip(width))
    else:
        ansi = mode == "ansi"
        point_styles = [Style(color=c, bold=True) if ansi else None for c in CLASS_ANSI]
        region_styles = [Style(color=c) for c in CLASS_ANSI]
        for ty in range(term_rows):
            segs = Row()
            segs.add(" " * pad)  # an empty first text is dropped by Strip
            for tx in range(term_cols):
                hit = marks.get((ty, tx))
                if (ty, tx) == at and cursor is not None:
                    glyph = CURSOR if hit is None else point_glyph(hit[0], hit[1])
                    segs.add(glyph, Style(color=CLASS_ANSI[cursor.label % len(CLASS_ANSI)]
                                          if ansi else None, bold=True, reverse=True))
                elif hit is not None:
                    k, val, _ = hit
                    segs.add(point_glyph(k, val), point_styles[k % len(CLASS_ANSI)])
                    continue
                r, c = ri[ty], ci[tx // cell_w]
                k, t = classes[r][c], certainty(conf[r][c])
                if t < BAND:
                    segs.add(" ")
                elif mode == "ansi":
                    segs.add("▒" if t >= 0.6 else "░", region_styles[k % len(CLASS_ANSI)])
                else:
                    segs.add(MONO_FILL[k % len(MONO_FILL)])
            strips.append(segs.strip(width))
    return strips
