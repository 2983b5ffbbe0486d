"""ConfusionPanel: the selected run's confusion matrix on the validation set, for a
classifier of three classes or more (the engine sends it: ``Snapshot.confusion``).

A row per true class, a column per predicted class, each cell the count of validation
examples, shaded by its share of the row (the diagonal, right answers, in the class
colours' green; mistakes in red), and each class's accuracy at the end of its row. Where
the classes are too many for the panel's width (the 27 characters of next-token data)
it lists the classes with the worst accuracy and the pairs mixed up most instead. The
panel is shown only while the snapshot has a matrix, and while it is wanted (``show``).
"""

from __future__ import annotations

import numpy as np
from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip

from nnterm.app.widgets._common import NEUTRAL_DARK, NEUTRAL_LIGHT, ColorMode, fg_bg, mix
from nnterm.app.widgets._panel import PicturePanel
from nnterm.engine.live.snapshot import Confusion, Snapshot
from nnterm.engine.training.confusion import class_accuracy

RIGHT_RGB = (46, 160, 67)  # the diagonal
WRONG_RGB = (214, 48, 39)  # a mistake
#: The list's lines when the matrix does not fit: worst classes, then pairs mixed up.
LIST_ROWS = 3
#: A class name's cells at most (a table's labels can be long).
NAME_MAX = 6


class ConfusionPanel(PicturePanel):
    """See the module."""

    DEFAULT_CSS = """
    ConfusionPanel { width: 1fr; height: auto; padding: 0 1; }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.confusion: Confusion | None = None
        self.wanted = True  # shown while there is a matrix (``show``)
        self.display = False

    def show(self, wanted: bool) -> None:
        """Show the panel while the snapshots have a matrix, or not at all."""
        self.wanted = wanted
        self.display = wanted and self.confusion is not None

    def update_snapshot(self, snapshot: Snapshot) -> bool:
        """Keep the matrix; show the panel while there is one (and it is wanted)."""
        new = snapshot.confusion
        old, self.confusion = self.confusion, new
        if (new is None) != (old is None):
            self.show(self.wanted)
        if new is None or (old is not None and old.step == new.step
                           and np.array_equal(old.counts, new.counts)):
            return False
        self.border_subtitle = f"↓true →predicted · val · step {new.step:,}"
        self._invalidate()
        return True

    def get_content_height(self, container, viewport, width: int) -> int:
        c = self.confusion
        if c is None:
            return 1
        return len(c.counts) + 1 if _fits(c, width) else 2 + 2 * LIST_ROWS

    def _build(self, width: int, height: int, mode: ColorMode, dark: bool) -> list[Strip]:
        c = self.confusion
        if c is None or width <= 0:
            return []
        if _fits(c, width):
            return [s.adjust_cell_length(width) for s in _matrix(c, mode, dark)]
        return [Strip([Segment(line[:width].ljust(width))]) for line in _lists(c, width)]


def _names(c: Confusion) -> list[str]:
    return [name[:NAME_MAX] for name in c.class_names[:len(c.counts)]]


def _widths(c: Confusion) -> tuple[int, int]:
    """The cells of the names' column, and of each class's column (its largest count or
    its name, and a space)."""
    longest = max(len(n) for n in _names(c))
    return longest + 1, max(3, len(str(int(c.counts.max()))) + 1, longest + 1)


def _fits(c: Confusion, width: int) -> bool:
    """Whether the whole matrix fits ``width`` cells: names, a cell per class, accuracy."""
    label, cell = _widths(c)
    return label + len(c.counts) * cell + 5 <= width


def _matrix(c: Confusion, mode: ColorMode, dark: bool) -> list[Strip]:
    names = _names(c)
    label, cell = _widths(c)
    head = " " * label + "".join(n.rjust(cell) for n in names) + "  acc"
    lines = [Strip([Segment(head, Style(dim=True))])]
    totals = c.counts.sum(axis=1)
    for i, (row, accuracy) in enumerate(zip(c.counts, class_accuracy(c.counts), strict=True)):
        segments = [Segment(names[i].ljust(label), Style(dim=True))]
        for j, count in enumerate(row):
            share = count / totals[i] if totals[i] else 0.0
            text = (str(int(count)) if count else "·").rjust(cell)
            segments.append(Segment(text, _cell_style(i == j, float(share), mode, dark)))
        acc = "  –" if np.isnan(accuracy) else f"{accuracy:5.0%}"
        segments.append(Segment(acc.rjust(5), Style(bold=True)))
        lines.append(Strip(segments))
    return lines


def _cell_style(right: bool, share: float, mode: ColorMode, dark: bool) -> Style:
    """A cell's colour by its share of the row: deeper for more; none for nothing."""
    if share <= 0:
        return Style(dim=True)
    if mode == "mono":
        return Style(bold=right or share >= 0.2, reverse=share >= 0.5)
    if mode == "ansi":
        return Style(color="green" if right else "red", bold=share >= 0.2)
    neutral = NEUTRAL_DARK if dark else NEUTRAL_LIGHT
    return fg_bg(None, mix(neutral, RIGHT_RGB if right else WRONG_RGB, 0.25 + 0.75 * share))


def _lists(c: Confusion, width: int) -> list[str]:
    """Too many classes for a matrix: the worst classes by accuracy, then the pairs mixed
    up most (true → predicted, their count), as many as fit ``LIST_ROWS`` lines each."""
    names = c.class_names
    accuracy = class_accuracy(c.counts)
    order = [i for i in np.argsort(np.nan_to_num(accuracy, nan=2.0), kind="stable")
             if not np.isnan(accuracy[i])]
    worst = _packed([f"{names[i]!r} {accuracy[i]:.0%}" for i in order], width, LIST_ROWS)
    off = c.counts.copy()
    np.fill_diagonal(off, 0)
    flat = [int(k) for k in np.argsort(-off, axis=None, kind="stable")[:4 * LIST_ROWS]
            if off.flat[k] > 0]
    k = len(c.counts)
    pairs = _packed([f"{names[f // k]!r}→{names[f % k]!r} {int(off.flat[f])}" for f in flat],
                    width, LIST_ROWS)
    return ["accuracy by true class, worst first:", *worst,
            "mixed up most (true→predicted):", *pairs]


def _packed(items: list[str], width: int, rows: int) -> list[str]:
    """``items`` joined by two spaces into at most ``rows`` lines of ``width``."""
    lines = [""]
    for item in items:
        if len(lines[-1]) + len(item) + 2 > width and lines[-1]:
            if len(lines) == rows:
                break
            lines.append("")
        lines[-1] += ("  " if lines[-1] else "") + item
    return lines + [""] * (rows - len(lines))
