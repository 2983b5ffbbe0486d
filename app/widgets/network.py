"""NetworkPanel: the network itself, as TensorFlow Playground draws it: a column of input
pictures (each feature's value over the plane), a column per layer of unit pictures (what
each unit outputs over the same plane: red positive, blue negative), the weights into and
out of the selected unit between the columns (or every weight of every layer:
``toggle_edges``), and under it all the selected unit's card:
its formula with the numbers of one training example, and its gradients
(``_unit_card``).

The arrow keys select a unit (``move``); a layer taller than the panel shows the units
that matter most first (the engine sends them in that order) and scrolls to the selected
one, saying how many more there are. Every number comes from the snapshot's
``NetworkView``, which the engine builds while the view is open.
"""

from __future__ import annotations

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
from nnterm.app.widgets._diverging import diverging_matrix
from nnterm.app.widgets._panel import PicturePanel
from nnterm.app.widgets._unit_card import card_lines, unit_name
from nnterm.app.widgets.axis_ticks import fmt_num
from nnterm.engine.live.snapshot import NetworkView, Snapshot
from nnterm.engine.nn.features import FEATURES

#: Cells between two columns, where the selected unit's weights are written: at most,
#: and at least (a weight then shows to one or two digits).
GAP, GAP_MIN = 8, 5
#: The widest a unit's picture is drawn (cells), and the narrowest.
TILE_MAX, TILE_MIN = 16, 4
#: Pictures a column stacks at least, where the panel is wide enough to draw them
#: bigger: smaller pictures, rather than one picture and "+6".
STACK = 3
#: Lines of the card under the columns.
CARD_LINES = 4
#: How strongly a feature the network does not read is drawn (its picture faded).
OFF_STRENGTH = 0.3


class NetworkPanel(PicturePanel):
    """Every unit of the selected run's network over the input plane; see the module."""

    DEFAULT_CSS = """
    NetworkPanel {
        width: 1fr;
        height: 1fr;
        min-height: 6;
    }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._view: NetworkView | None = None
        self._loss = "cross_entropy"
        self._column = 1  # 0: the inputs, then one per layer
        self._position = 0  # in the column's order (the engine's: most important first)
        #: every weight between the columns (``toggle_edges``), not the selected unit's
        self.all_edges = False

    # ----------------------------------------------------------------- public
    @property
    def selected(self) -> tuple[int, int]:
        """(column, position) of the selected unit: column 0 is the inputs, then one per
        layer; the position is in the column's order, most important first."""
        return self._column, self._position

    @property
    def selected_unit(self) -> str:
        """The selected unit's name (``h1[3]``), or "" before the first view."""
        view = self._view
        if view is None:
            return ""
        return unit_name(view, self._column, self._units(view, self._column)[self._position])

    def update_snapshot(self, snapshot: Snapshot) -> bool:
        """Keep the network view; redraw (the pictures change with every step)."""
        if snapshot.network is None and self._view is None:
            return False
        feature = self.selected_feature  # (stays selected as the inputs' order changes)
        self._view, self._loss = snapshot.network, snapshot.config.model.loss
        if feature is not None and self._view is not None:
            self._position = self._units(self._view, 0).index(FEATURES.index(feature))
        self._clamp()
        self._invalidate()
        return True

    @property
    def selected_feature(self) -> str | None:
        """The feature selected in the inputs' column, None if a unit is selected."""
        view = self._view
        return FEATURES[self._units(view, 0)[self._position]] \
            if view is not None and self._column == 0 else None

    def move(self, columns: int, rows: int) -> None:
        """Select the unit ``columns`` layers right (left if negative) and ``rows`` down,
        staying inside the network (a new column keeps the position where it can)."""
        self._column += columns
        self._position += rows
        self._clamp()
        self._invalidate()

    def toggle_edges(self) -> bool:
        """Draw every weight of every layer between the columns, or the selected unit's
        only (as before); returns whether every weight is drawn now."""
        self.all_edges = not self.all_edges
        self._invalidate()
        return self.all_edges

    # ----------------------------------------------------------------- internals
    def _clamp(self) -> None:
        view = self._view
        if view is None:
            return
        self._column = max(0, min(self._column, len(view.layers)))
        self._position = max(0, min(self._position, len(self._units(view, self._column)) - 1))

    @staticmethod
    def _units(view: NetworkView, column: int) -> tuple[int, ...]:
        """The column's units in its order: every feature (its index in ``FEATURES``),
        those the network reads first; each layer's as the engine ordered them."""
        if column == 0:
            return tuple(sorted(range(len(FEATURES)),
                                key=lambda f: FEATURES[f] not in view.input_names))
        return view.layers[column - 1].units

    def _weight_row(self, view: NetworkView, column: int, position: int) -> int | None:
        """The row of the next layer's weights that the unit at ``position`` of
        ``column`` feeds, None for a feature the network does not read."""
        unit = self._units(view, column)[position]
        return self._input_row(view, unit) if column == 0 else unit

    @staticmethod
    def _input_row(view: NetworkView, feature: int) -> int | None:
        """Where feature ``feature`` is in the network's inputs (the first layer's weight
        rows), None if the network does not read it."""
        name = FEATURES[feature]
        return view.input_names.index(name) if name in view.input_names else None

    @staticmethod
    def _pictures(view: NetworkView, column: int) -> np.ndarray:
        """The column's pictures in its order; an output's as its probability above
        chance, so that red is "this class" and blue "not this class"."""
        if column == 0:
            return view.feature_pictures[list(NetworkPanel._units(view, 0))]
        layer = view.layers[column - 1]
        if column == len(view.layers) and len(layer.units) > 1:
            return layer.pictures - 1.0 / len(layer.units)
        return layer.pictures

    def _build(self, width: int, height: int, mode: ColorMode, dark: bool) -> list[Strip]:
        view = self._view
        if width <= 0 or height <= 0:
            return []
        if view is None:
            return [Strip([Segment("waiting for the network"[:width].ljust(width))])]
        card_h = CARD_LINES if height >= CARD_LINES + 6 else 0
        columns = len(view.layers) + 1
        area = height - 1 - card_h
        longest = max(len(self._units(view, c)) for c in range(columns))
        tall = max(2, area // min(longest, STACK) - 1)  # a picture's rows, STACK to a column
        tile_w = max(TILE_MIN, min(TILE_MAX, 2 * tall,
                                   (width - GAP * (columns - 1)) // columns))
        gap = max(GAP_MIN, min(GAP, (width - tile_w * columns) // max(1, columns - 1)))
        tile_h = max(2, tile_w // 2)  # half-block cells: square pictures
        fits = max(1, area // (tile_h + 1))
        shown = [self._window(view, c, fits) for c in range(columns)]
        blocks = [self._column_block(view, c, shown[c], tile_w, tile_h, area, mode, dark)
                  for c in range(columns)]
        gaps = [self._gap(view, c, shown, tile_h, area, gap, mode, dark)
                for c in range(columns - 1)]
        grid: list[list[Segment]] = []
        for y in range(area):  # each column's row, then the gap after it (none after the last)
            segs: list[Segment] = []
            for block, between in zip(blocks, [*gaps, None], strict=True):
                segs += block[y] + (between[y] if between is not None else [])
            grid.append(segs)
        lines = [Strip([Segment(self._header(view, tile_w, gap), Style(bold=True))])]
        lines += [Strip(segs) for segs in grid]
        if card_h:
            at = self._units(view, 0)[self._position] if self._column == 0 else self._position
            card = card_lines(view, self._column, at, self._loss, width)
            lines += [Strip([Segment(text, Style(bold=i == 0))]) for i, text in enumerate(card)]
        return [s.crop(0, width).adjust_cell_length(width) for s in lines[:height]]

    @staticmethod
    def _header(view: NetworkView, tile_w: int, gap: int) -> str:
        """Each column's name over it: in, h1 tanh 8, ..., out (as much as fits)."""
        words = ["in"]
        for i, layer in enumerate(view.layers):
            last = i == len(view.layers) - 1
            words.append("out" if last else f"h{i + 1} {layer.activation} {len(layer.units)}")
        return "".join(w[:tile_w + gap - 1].ljust(tile_w + gap) for w in words)

    def _window(self, view: NetworkView, column: int, fits: int) -> range:
        """The positions of ``column`` drawn: the first ``fits``, or a window around the
        selected unit in its own column."""
        n = len(self._units(view, column))
        if n <= fits or column != self._column:
            return range(min(n, fits))
        start = min(max(0, self._position - fits + 1), n - fits)
        return range(start, start + fits)

    def _column_block(self, view: NetworkView, column: int, positions: range, tile_w: int,
                      tile_h: int, area: int, mode: ColorMode, dark: bool
                      ) -> list[list[Segment]]:
        """The column's rows: each shown unit's picture over its label line."""
        pictures = self._pictures(view, column)
        finite = np.abs(pictures[np.isfinite(pictures)])
        scale = float(finite.max()) if finite.size else 0.0
        units = self._units(view, column)
        rows: list[list[Segment]] = []
        for position in positions:
            picture = pictures[position]
            if column == 0 and self._input_row(view, units[position]) is None:
                picture = picture * OFF_STRENGTH  # a feature the network does not read
            n_rows, n_cols = picture.shape
            strips, _ = diverging_matrix(picture.tolist(), n_rows, n_cols, scale, tile_w,
                                         tile_h, mode, dark)
            for strip in strips:
                rows.append(list(strip.adjust_cell_length(tile_w)))
            rows += [[Segment(" " * tile_w)]] * (tile_h - len(strips))
            selected = (column, position) == (self._column, self._position)
            label = self._label(view, column, units[position], position)
            more = f" +{len(units) - positions.stop}"
            if position == positions[-1] and positions.stop < len(units) \
                    and len(label) + len(more) <= tile_w:
                label += more
            mark = ("▶" if selected else " ") if tile_w >= len(label) + 1 else ""
            text = (mark + label)[:tile_w].ljust(tile_w)  # (selected: reversed anyway)
            rows.append([Segment(text, Style(reverse=True, bold=True) if selected
                                 else Style(dim=True))])
        rows += [[Segment(" " * tile_w)]] * (area - len(rows))
        return rows[:area]

    @staticmethod
    def _label(view: NetworkView, column: int, unit: int, position: int) -> str:
        """A tile's name under it: the feature, or the unit's index in its layer (the
        column's header names the layer), and whether it is dead or saturated."""
        if column == 0:  # ● read by the network, ○ not
            return ("●" if FEATURES[unit] in view.input_names else "○") + FEATURES[unit]
        name = f"[{unit}]"
        if column < len(view.layers):
            layer = view.layers[column - 1]
            if layer.dead[position] >= 0.99:
                name += " dead"
            elif layer.saturated[position] >= 0.99:
                name += " sat"
        return name

    def _gap(self, view: NetworkView, left: int, shown: list[range], tile_h: int, area: int,
             gap: int, mode: ColorMode, dark: bool) -> list[list[Segment]]:
        """The cells between columns ``left`` and ``left + 1``: the weights into the
        selected unit from each unit drawn on the left, or out of it to each unit drawn
        on the right, at that unit's middle row, coloured by sign and shaded by size."""
        rows = [[Segment(" " * gap)] for _ in range(area)]
        column, position = self._column, self._position
        if self.all_edges:
            return self._every_edge(view, left, shown, tile_h, rows, gap, mode, dark)
        if column == left + 1:  # weights in: rows of the layer's matrix, by input index
            weights = view.layers[left].weights[:, position]
            rows_of = [self._weight_row(view, left, p) for p in shown[left]]
            ends = [(p, weights[r]) for p, r in zip(shown[left], rows_of, strict=True)
                    if r is not None]
        elif column == left:  # weights out: the next layer's row of the selected unit
            unit = self._weight_row(view, left, position)
            if unit is None:  # a feature the network does not read: no weights
                return rows
            weights = view.layers[left].weights[unit, :]
            ends = [(p, weights[p]) for p in shown[left + 1]]
        else:
            return rows
        if not ends:
            return rows
        biggest = max(abs(float(w)) for _, w in ends) or 1.0
        first = shown[left if column == left + 1 else left + 1].start
        for p, w in ends:
            y = (p - first) * (tile_h + 1) + tile_h // 2
            if 0 <= y < area:
                text = f"{fmt_num(float(w), 2)}→".rjust(gap - 1)[:gap - 1] + " "
                rows[y] = [Segment(text, _edge_style(float(w) / biggest, mode, dark))]
        return rows


    def _every_edge(self, view: NetworkView, left: int, shown: list[range], tile_h: int,
                    rows: list[list[Segment]], gap: int, mode: ColorMode, dark: bool
                    ) -> list[list[Segment]]:
        """Every weight between columns ``left`` and ``left + 1`` that joins two units
        drawn: at each left unit's middle row, one cell per unit drawn on the right, in
        that column's order, coloured by sign and shaded by size against the largest
        drawn (the layer's matrix, a row per unit it comes from). A right column longer
        than the gap has room for ends in ``…``."""
        matrix = view.layers[left].weights  # rows by input index, columns in position order
        sources = [(p, self._weight_row(view, left, p)) for p in shown[left]]
        targets = list(shown[left + 1])
        room = gap - 1  # the last cell stays blank, before the next column
        if len(targets) > room:
            targets = targets[:room - 1]
        drawn = [(p, r) for p, r in sources if r is not None]
        if not drawn or not targets:
            return rows
        block = matrix[np.ix_([r for _, r in drawn], targets)]
        biggest = float(np.abs(block).max()) or 1.0
        first = shown[left].start
        cell_w = 2 if 2 * len(targets) <= room else 1
        for (p, _), weights in zip(drawn, block, strict=True):
            y = (p - first) * (tile_h + 1) + tile_h // 2
            if not 0 <= y < len(rows):
                continue
            cells = [Segment(_edge_mark(float(w) / biggest, mode) * cell_w,
                             _edge_style(float(w) / biggest, mode, dark)) for w in weights]
            more = "…" if len(shown[left + 1]) > len(targets) else ""
            rows[y] = [*cells, Segment((more + " " * gap)[:gap - cell_w * len(cells)])]
        return rows


def _edge_mark(t: float, mode: ColorMode) -> str:
    """One weight as a cell: a block in colour; in mono its sign, ``·`` when small."""
    if mode != "mono":
        return "█" if abs(t) > 0.5 else "▓" if abs(t) > 0.2 else "░"
    return "·" if abs(t) <= 0.2 else "+" if t > 0 else "−"


def _edge_style(t: float, mode: ColorMode, dark: bool) -> Style:
    """A weight's colour: red for positive, blue for negative, fainter when small (``t``
    is the weight over the largest shown, in -1..1)."""
    if mode == "mono":
        return Style(bold=abs(t) > 0.5)
    if mode == "ansi":
        return Style(color="red" if t > 0 else "blue", bold=abs(t) > 0.5)
    neutral = NEUTRAL_DARK if dark else NEUTRAL_LIGHT
    return fg_bg(mix(neutral, POSITIVE_RGB if t > 0 else NEGATIVE_RGB, 0.35 + 0.65 * abs(t)),
                 None)
