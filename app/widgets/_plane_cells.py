"""Where the input plane lies in the terminal cells of a picture of it (the decision
boundary): which cell a point is drawn in, and which part of the plane a cell covers, so
that a cursor or a click on a cell means a place of the plane.

A picture is ``left`` blank columns, then ``columns`` x ``rows`` cells over ``extent``;
each cell covers ``1 / columns`` of the width and ``pixels / grid_rows`` of the height
(two grid rows per cell with half blocks, one otherwise).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PlaneCells:
    """The cells of a picture of the plane (see the module docstring)."""

    extent: tuple[float, float, float, float]  # x0, x1, y0, y1
    left: int
    columns: int
    rows: int
    grid_rows: int  # rows of the picture's grid, ``pixels`` of them to a cell
    pixels: int  # 2: half blocks, 1: a glyph a cell

    def cell_of(self, x: float, y: float) -> tuple[int, int, bool] | None:
        """The cell ``(column, row)`` the point ``(x, y)`` is drawn in, and whether it
        is in the cell's lower half (half blocks); None outside the extent."""
        x0, x1, y0, y1 = self.extent
        fx = (x - x0) / (x1 - x0) if x1 != x0 else 0.5
        fy = (y1 - y) / (y1 - y0) if y1 != y0 else 0.5
        if not (0.0 <= fx <= 1.0 and 0.0 <= fy <= 1.0):
            return None
        column = min(self.columns - 1, int(fx * self.columns))
        pixel = min(self.grid_rows - 1, int(fy * self.grid_rows))
        return column, pixel // self.pixels, bool(pixel % 2) if self.pixels == 2 else False

    def box(self, column: int, row: int) -> tuple[float, float, float, float]:
        """The part of the plane cell ``(column, row)`` covers: x from, to, y from, to."""
        x0, x1, y0, y1 = self.extent
        width = (x1 - x0) / self.columns
        height = (y1 - y0) * self.pixels / self.grid_rows
        top = y1 - row * height
        return x0 + column * width, x0 + (column + 1) * width, max(y0, top - height), top

    def centre(self, column: int, row: int) -> tuple[float, float]:
        """The middle of cell ``(column, row)`` on the plane."""
        a, b, c, d = self.box(column, row)
        return 0.5 * (a + b), 0.5 * (c + d)

    def at(self, x: int, y: int) -> tuple[int, int] | None:
        """The cell at the widget's column ``x`` and row ``y``; None off the plane."""
        column = x - self.left
        if 0 <= column < self.columns and 0 <= y < self.rows:
            return column, y
        return None
