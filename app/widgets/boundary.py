"""DecisionBoundary: the model's predicted class over the input plane, with the data on it.

With several runs it draws every run's boundary side by side (small multiples, as the
lesson compares them), the selected run marked; ``show_gallery(False)`` draws the selected
run's alone, at full size.

With the focus it is drawn on (the selected run's boundary alone, every run has the same
points): a cursor the arrows move, ``enter`` puts a point of the class chosen with
``1``-``8`` there, ``backspace`` erases the points in its cell, ``X`` erases every
training point; a click puts a point (the right button: the second class, or the first
while the second is chosen) or erases the points of the cell clicked. The widget changes
no data: it says what was drawn (``Drawn``, ``Erased``) and the screen tells the engine.

One boundary's picture (regions, points, cursor) is drawn by ``_boundary_picture``; this
module lays the pictures out, writes the legend and handles the keys and clicks.
"""

from __future__ import annotations

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.message import Message
from textual.strip import Strip
from textual.widget import Widget

from nnterm.app.widgets._boundary_picture import (
    MONO_FILL,
    TRAIN_DOT,
    VAL_DOT,
    Cursor,
    boundary_picture,
    plane_cells,
    point_glyph,
    point_marks,
    point_rgb,
    region_rgb,
)
from nnterm.app.widgets._common import (
    CLASS_ANSI,
    ColorMode,
    fg_bg,
    run_colour,
    same,
)
from nnterm.app.widgets._panel import PicturePanel
from nnterm.app.widgets._plane_cells import PlaneCells
from nnterm.app.widgets._tile_captions import tile_captions
from nnterm.engine.live.snapshot import Boundary, RunView, Snapshot

NO_INPUT_PLANE = "no 2-D input: the decision boundary needs exactly two input features"

#: The keys of the drawing, in the footer while the boundary has the focus (each shown
#: one stands for its group: the arrows, the classes).
DRAWING_BINDINGS: list[Binding | tuple[str, str] | tuple[str, str, str]] = [
    Binding("up", "move(0,-1)", "Move", key_display="↑↓←→"),
    Binding("down", "move(0,1)", "Move", show=False),
    Binding("left", "move(-1,0)", "Move", show=False),
    Binding("right", "move(1,0)", "Move", show=False),
    Binding("enter", "draw", "Add point"),
    Binding("backspace", "erase", "Remove point"),
    Binding("1", "choose_class(1)", "Class", key_display="1-8"),
    *(Binding(str(n), f"choose_class({n})", "Class", show=False) for n in range(2, 9)),
    Binding("X", "erase_all", "Clear points"),
    Binding("escape", "leave", "Stop drawing"),
]


class DecisionBoundary(PicturePanel, can_focus=True):
    """Predicted class per grid cell (colour = class, fainter = less confident), training
    points as class-coloured dots, validation points on ``show_validation(True)``.

    Truecolor draws two grid rows per terminal row with '▀'. 16 colours: the region as
    shade glyphs in the class's named colour, points as letters. NO_COLOR: one shade glyph
    per class, points as letters (``o``/``x``..., upper case for validation).
    """

    DEFAULT_CSS = """
    DecisionBoundary {
        width: 1fr;
        height: 1fr;
        min-height: 4;
    }
    """
    BINDINGS = DRAWING_BINDINGS

    class Drawn(Message):
        """A point of class ``label`` was drawn at ``(x1, x2)`` of the plane."""

        def __init__(self, x1: float, x2: float, label: int) -> None:
            super().__init__()
            self.x1, self.x2, self.label = x1, x2, label

    class Erased(Message):
        """The points in ``box`` (x1 from, to, x2 from, to; None: every training point)
        were erased; the validation points there too if ``validation`` (shown)."""

        def __init__(self, box: tuple[float, float, float, float] | None,
                     validation: bool) -> None:
            super().__init__()
            self.box, self.validation = box, validation

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._boundary: Boundary | None = None
        self._received = False
        self._validation = False
        self._runs: tuple[RunView, ...] = ()  # runs with a boundary, for side by side
        self._selected = ""
        self._gallery = True
        self.draw_class = 0  # the class a point drawn gets
        self._cursor: tuple[int, int] | None = None  # (column, row); None: the middle
        self._cells: PlaneCells | None = None  # the plane's cells, when drawn alone
        self._pressed_on: PlaneCells | None = None  # the picture a click began on

    # ----------------------------------------------------------------- public
    @property
    def validation_shown(self) -> bool:
        return self._validation

    @property
    def gallery_shown(self) -> bool:
        """True when several runs are drawn side by side (when there are several)."""
        return self._gallery

    def update_snapshot(self, snapshot: Snapshot) -> bool:
        """Keep the boundary (and every run's small one); refresh if a grid changed."""
        runs = tuple(v for v in snapshot.runs if v.boundary is not None)
        new, old = snapshot.boundary, self._boundary
        if self._received and snapshot.run == self._selected and same(
            (_shown(new), tuple(_tile_shown(v) for v in runs)),
            (_shown(old), tuple(_tile_shown(v) for v in self._runs)),
        ):
            return False
        self._received = True
        self._boundary, self._runs, self._selected = new, runs, snapshot.run
        self._invalidate()
        return True

    def show_gallery(self, show: bool) -> None:
        """Draw every run's boundary side by side (True) or the selected run's alone."""
        if show != self._gallery:
            self._gallery = show
            self._invalidate()

    def show_validation(self, show: bool) -> None:
        """Draw the validation points too (upper-case letters / hollow dots)."""
        if show != self._validation:
            self._validation = show
            self._invalidate()

    @property
    def drawing(self) -> bool:
        """True while points are drawn: the boundary has the focus."""
        return self.has_focus

    @property
    def plane_cells(self) -> PlaneCells | None:
        """Where the plane lies in the widget's cells, as last drawn alone (None: side by
        side, or not drawn yet)."""
        return self._cells

    @property
    def cursor(self) -> tuple[int, int] | None:
        """The drawing cursor's cell (column, row) in the picture as last drawn."""
        if self._cells is None or not (self._cells.columns and self._cells.rows):
            return None
        column, row = self._cursor or (self._cells.columns // 2, self._cells.rows // 2)
        return (min(max(column, 0), self._cells.columns - 1),
                min(max(row, 0), self._cells.rows - 1))

    # ----------------------------------------------------------------- drawing
    def watch_has_focus(self, has_focus: bool) -> None:
        super().watch_has_focus(has_focus)
        self._invalidate()  # drawing: alone, with the cursor

    def action_move(self, columns: int, rows: int) -> None:
        cursor = self.cursor
        if cursor is not None:
            self._cursor = (cursor[0] + columns, cursor[1] + rows)
            self._invalidate()

    def action_draw(self) -> None:
        """A point of the chosen class at the cursor."""
        self._draw_at(self.cursor, self.draw_class)

    def action_erase(self) -> None:
        """The points in the cursor's cell erased."""
        cursor = self.cursor
        if cursor is not None and self._cells is not None:
            self.post_message(self.Erased(self._cells.box(*cursor), self._validation))

    def action_erase_all(self) -> None:
        """Every training point erased (the validation points stay)."""
        self.post_message(self.Erased(None, False))

    def action_choose_class(self, number: int) -> None:
        """Points drawn from now on are of class ``number`` (1: the first)."""
        classes = self._class_count()
        if number > classes:
            self.notify(f"this data has {classes} classes: keys 1-{classes}", timeout=3)
            return
        self.draw_class = number - 1
        self._invalidate()

    def action_leave(self) -> None:
        """Stop drawing: the focus goes to the panel around the picture."""
        panel = next((a for a in self.ancestors if isinstance(a, Widget) and a.focusable),
                     None)
        if panel is not None:
            panel.focus()
        else:
            self.blur()

    def focus_on_click(self) -> bool:
        """Note the picture a click begins on (before the focus redraws it alone)."""
        self._pressed_on = self._cells
        return True

    def on_click(self, event: events.Click) -> None:
        """A point where the picture was clicked (the right button: the other class), or
        the points of that cell erased; a click on the runs side by side only starts
        drawing."""
        cells, self._pressed_on = self._pressed_on, None
        if cells is None or cells != self._cells:
            return
        cell = cells.at(event.x, event.y)
        if cell is None:
            return
        self._cursor = cell
        marks = point_marks(self._boundary, cells, self._validation) \
            if self._boundary is not None else {}
        if (cell[1], cell[0]) in marks:
            self.post_message(self.Erased(cells.box(*cell), self._validation))
        else:
            right = event.button == 3
            self._draw_at(cell, (1 if self.draw_class != 1 else 0) if right else self.draw_class)
        self._invalidate()

    def _draw_at(self, cell: tuple[int, int] | None, label: int) -> None:
        if cell is not None and self._cells is not None and label < self._class_count():
            self.post_message(self.Drawn(*self._cells.centre(*cell), label))

    def _class_count(self) -> int:
        """The data's classes (at least 2)."""
        b = self._boundary
        if b is None:
            return 2
        return max(2, b.n_classes or _n_classes(b, True))

    # ----------------------------------------------------------------- internals
    def _build(self, width: int, height: int, mode: ColorMode, dark: bool) -> list[Strip]:
        b = self._boundary
        if width <= 0 or height <= 0:
            return []
        if b is None:
            text = NO_INPUT_PLANE if self._received else "waiting for the first step"
            words, lines, line = text.split(), [], ""
            for word in words:  # wrap to the width
                if line and len(line) + 1 + len(word) > width:
                    lines.append(line)
                    line = word
                else:
                    line = f"{line} {word}" if line else word
            lines.append(line)
            top = max(0, (height - len(lines)) // 2)
            strips = [Strip.blank(width)] * top
            strips += [Strip([Segment(ln[:width].center(width), Style(italic=True))])
                       for ln in lines]
            return strips[:height]

        body = height - 1 if height >= 3 else height
        n_classes = max(_n_classes(b, self._validation), b.n_classes)
        self._cells = None
        if len(self._runs) > 1 and self._gallery and not self.drawing:
            strips = self._gallery_strips(width, body, mode, dark)
            # the legend names every run's classes (a variant may have more classes)
            n_classes = max(_n_classes(_small(v), self._validation) for v in self._runs)
        else:
            self._cells = plane_cells(b, width, body, mode)
            cursor = self.cursor if self.drawing else None
            strips = boundary_picture(
                b, width, body, mode, dark, self._validation, n_classes,
                None if cursor is None else Cursor(*cursor, self.draw_class))
        strips = strips[:body]
        if height >= 3:
            strips.extend([Strip.blank(width)] * (body - len(strips)))
            strips.append(self._legend(n_classes, width, mode, dark, b.class_names))
        return strips

    def _gallery_strips(self, width: int, height: int, mode: ColorMode, dark: bool
                        ) -> list[Strip]:
        """Every run's small boundary with its points in a grid of tiles, each under a
        caption with the run's state, name and accuracy in its colour (the selected one
        marked ▸): a point on another class's region is a mistake, and the tiles compare
        at a glance. Each tile's confidence is measured against its own run's chance level
        (1 / its classes)."""
        n = len(self._runs)
        half = mode == "truecolor"

        def side(columns: int) -> int:
            """The picture's side (in grid cells) with ``columns`` tiles a row."""
            rows = -(-n // columns)
            tile_w, tile_h = width // columns - 1, height // rows - 1
            return min(tile_w if half else tile_w // 2, tile_h * (2 if half else 1))

        columns = max(range(1, n + 1), key=side)
        rows = -(-n // columns)
        tile_w, tile_h = width // columns, max(2, height // rows)
        strips: list[Strip] = []
        for r in range(rows):
            views = self._runs[r * columns:(r + 1) * columns]
            captions = tile_captions(views, self._selected, self._validation, tile_w - 1,
                                     max_lines=max(1, (tile_h - 2) // 2))
            head_h = min(max(len(c) for c in captions), tile_h - 1)
            tiles = []
            for view, caption in zip(views, captions, strict=True):
                selected = view.name == self._selected
                colour = run_colour(view.colour, mode)[1]
                style = Style(color=colour, bold=selected, reverse=selected)
                head = [Strip([Segment(line, style)]).adjust_cell_length(tile_w)
                        for line in caption[:head_h]]
                head += [Strip.blank(tile_w)] * (head_h - len(head))
                body = boundary_picture(_small(view), tile_w - 1, tile_h - head_h, mode, dark,
                                        self._validation,
                                        _n_classes(_small(view), self._validation))
                body += [Strip.blank(tile_w - 1)] * (tile_h - head_h - len(body))
                tiles.append(head + [s.adjust_cell_length(tile_w) for s in body])
            for line in range(tile_h):
                row = Strip.join(tile[line] for tile in tiles)
                strips.append(row.adjust_cell_length(width))
        return strips

    def _legend(self, n_classes: int, width: int, mode: ColorMode, dark: bool,
                names: tuple[str, ...] | None) -> Strip:
        """Each class's colour (a point as it looks on its own region) and name (the
        data's own, else ``class k``), then the point marks; compact (numbers only) if
        that does not fit. While drawing: ``draw`` first, the class drawn underlined."""
        for compact in (False, True):
            segs: list[Segment] = [Segment("draw ", Style(bold=True))] if self.drawing else []
            for k in range(n_classes):
                if mode == "truecolor":  # a point as it looks on its own region
                    segs.append(Segment(TRAIN_DOT, fg_bg(point_rgb(k, dark),
                                                         region_rgb(k, 1.0, dark))))
                elif mode == "ansi":
                    style = Style(color=CLASS_ANSI[k % len(CLASS_ANSI)], bold=True)
                    segs.append(Segment(point_glyph(k, False), style))
                else:
                    segs.append(Segment(f"{point_glyph(k, False)}{MONO_FILL[k % len(MONO_FILL)]}"))
                name = names[k] if names is not None and k < len(names) else f"class {k}"
                chosen = self.drawing and k == self.draw_class
                segs.append(Segment(f"{k} " if compact else f" {name}  ",
                                    Style(bold=True, underline=True) if chosen else None))
            if mode == "truecolor":
                marks = f"{TRAIN_DOT} train" + (f" {VAL_DOT} val" if self._validation else "")
            else:
                marks = "train" + (" VAL" if self._validation else "")
            segs.append(Segment((" " if compact else "") + marks, Style(dim=True)))
            strip = Strip(segs)
            if strip.cell_length <= width:
                break
        return strip.crop(0, width).adjust_cell_length(width)


def _shown(b: Boundary | None) -> tuple | None:
    """What a picture of ``b`` depends on (compared with ``same``)."""
    if b is None:
        return None
    return (b.extent, b.classes, b.confidence, b.train_points, b.val_points, b.class_names)


def _tile_shown(view: RunView) -> tuple:
    """What a run's tile depends on (compared with ``same``)."""
    return (view.name, view.status, view.paused, view.train_acc, view.val_acc,
            _shown(view.boundary))


def _small(view: RunView) -> Boundary:
    """The small boundary of a run the panel keeps (it keeps only those that have one)."""
    assert view.boundary is not None, "update_snapshot keeps only runs with a boundary"
    return view.boundary


def _n_classes(b: Boundary, validation: bool) -> int:
    labels = b.train_labels.tolist() + (b.val_labels.tolist() if validation else [])
    return int(max([int(b.classes.max()) if b.classes.size else 0] + labels + [1])) + 1
