"""RunTable: every run of the lesson in one compact table, the selected one marked.

One row per run: its state (▶ training, ‖ paused, ■ finished, ✖ diverged), its curve's
swatch, its name, what it changes from the base run, train and validation loss, accuracy
(of runs that measure it: not of regression) and its diagnoses (each root cause with the
ones it explains folded under it, ``RunView.findings``). The table is the legend of the
loss plot and the side-by-side pictures: the swatch is the run's curve in little (a line
in its colour; without colour, its curve's marker), for as many runs as the plot's border
has no room to name. In a narrow panel a run takes two lines, more when its changes or
diagnoses need them: a cell wraps, never cut.
"""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.strip import Strip
from textual.visual import Visual, visualize

from nnterm.app.widgets._common import (
    ColorMode,
    detect_color_mode,
    run_colour,
    run_state_glyph,
)
from nnterm.app.widgets._panel import RowsPanel
from nnterm.app.widgets.axis_ticks import fmt_num
from nnterm.app.widgets.loss_plot import MONO_GLYPHS
from nnterm.engine.live.snapshot import RunView, Snapshot

#: From this content width on, a run takes a row of a table (else two lines or more).
WIDE = 64
#: Where ``RunTable._cells`` puts the changes and the accuracy.
CHANGES_CELL, ACC_CELL = 3, 6
#: Significant digits of the losses shown.
LOSS_DIGITS = 2


def swatch(colour: int, mode: ColorMode) -> Text:
    """Run colour ``colour``'s curve in little: a line in the colour, or without colour
    (NO_COLOR) the marker the loss plot draws its curve with."""
    if mode == "mono":
        return Text(MONO_GLYPHS[colour % len(MONO_GLYPHS)] * 2)
    return Text("━━", style=run_colour(colour, mode)[1])


def _accuracy(view: RunView) -> str:
    acc = view.val_acc if view.val_acc is not None else view.train_acc
    return "-" if acc is None or acc != acc else f"{100 * acc:.0f}%"


def _has_accuracy(view: RunView) -> bool:
    """Whether the run measures accuracy at all (a regression run does not)."""
    return view.train_acc is not None or view.val_acc is not None


class RunTable(RowsPanel):
    """The runs of the snapshot, as a table; ``rows`` gives its plain text per row."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._runs: tuple[RunView, ...] = ()
        self._selected = ""
        self._signature: tuple | None = None
        #: Measured once per content and width (Textual asks for the height, the table is
        #: rendered to know it, and a repaint renders it again): the height of the rows at
        #: a width, and the diagnoses' width for some changes and diagnoses in some room.
        self._heights: dict[tuple[tuple | None, int], int] = {}
        self._split: tuple[tuple, int] | None = None
        #: The wide table's lines, rendered once for what it shows at a width and in a
        #: style: its height, the rows a repaint compares and the lines painted.
        self._rendered: tuple[tuple, list[Strip]] | None = None

    @property
    def rows(self) -> list[str]:
        """One line of plain text per run, as shown."""
        return [" ".join(cell.plain for cell in self._cells(v)) for v in self._runs]

    def update_snapshot(self, snapshot: Snapshot) -> bool:
        """Show the snapshot's runs; render and refresh only if a shown value changed (the
        losses as shown: a table of eight runs takes 10-30 ms to render, and a key
        pressed meanwhile waits)."""
        signature = (snapshot.run, tuple(
            (v.name, v.changes, v.status, v.paused, fmt_num(v.train_loss, LOSS_DIGITS),
             fmt_num(v.val_loss, LOSS_DIGITS), _accuracy(v), v.findings)
            for v in snapshot.runs))
        if signature == self._signature:
            return False
        width = self.content_size.width
        old_height = self.get_content_height(None, None, width)
        self._signature, self._runs, self._selected = signature, snapshot.runs, snapshot.run
        self._heights = {key: h for key, h in self._heights.items() if key[0] == signature}
        # (a wrapped change or a new diagnosis line changes the height, not only a new run)
        return self.repaint(layout=self.get_content_height(None, None, width) != old_height)

    def _cells(self, view: RunView) -> list[Text]:
        mode = detect_color_mode(self.app)
        colour = run_colour(view.colour, mode)[1]
        mark = "▸" if view.name == self._selected else " "
        return [
            Text(f"{mark}{run_state_glyph(view.status, view.paused)}", style=f"bold {colour}"),
            swatch(view.colour, mode),
            Text(view.name, style=f"bold {colour}" if mark != " " else colour),
            Text(view.changes or ("(base)" if view is self._runs[0] else "same as base"),
                 style="dim"),
            Text(fmt_num(view.train_loss, LOSS_DIGITS)),
            Text(fmt_num(view.val_loss, LOSS_DIGITS)),
            Text(_accuracy(view)),
            Text(", ".join(view.findings), style="bold red"),
        ]

    def _wide(self, width: int) -> bool:
        """A table row per run when the panel is wide enough, else two lines or more."""
        return width >= WIDE

    def render(self) -> Table | Text:
        return self._renderable(self.content_size.width)

    def _renderable(self, width: int) -> Table | Text:
        if not self._wide(width):
            return Text("\n", no_wrap=True).join(self._narrow_lines(width))
        accuracy = any(map(_has_accuracy, self._runs))  # (no column of dashes)
        rows = [self._cells(view) for view in self._runs]
        if not accuracy:
            for cells in rows:
                del cells[ACC_CELL]
        numbers = ("train", "val", "acc") if accuracy else ("train", "val")
        headers = ("", "", "run", "changes", *numbers, "diagnosis")
        # the changes and the diagnoses share what the other columns leave (one space
        # between columns): the changes wrapped, never cut, the diagnoses broken between
        # names, so that the rows take the fewest lines
        changes, diagnoses = [r[CHANGES_CELL] for r in rows], [r[-1] for r in rows]
        others = [max([len(header), *(r[i].cell_len for r in rows)])
                  for i, header in enumerate(headers[:-1]) if i != CHANGES_CELL]
        room = width - sum(others) - (len(headers) - 1)
        split = self._diagnoses_width(changes, diagnoses, room)
        table = Table(box=None, padding=(0, 1), collapse_padding=True, pad_edge=False,
                      expand=True, header_style="dim")
        table.add_column("", no_wrap=True, width=2)
        table.add_column("", no_wrap=True, width=2)
        table.add_column("run", no_wrap=True)
        table.add_column("changes", ratio=1, overflow="fold")
        for label in numbers:
            table.add_column(label, justify="right", no_wrap=True)
        table.add_column("diagnosis", width=split, no_wrap=True)
        for cells in rows:
            table.add_row(*cells[:-1], _packed(cells[-1], split))
        return table

    def _diagnoses_width(self, changes: list[Text], diagnoses: list[Text], room: int) -> int:
        """The diagnoses' width, from their longest name (a name is never split) to their
        longest row (a row's names on one line), with which the rows take the fewest lines
        in all, the changes wrapped in the rest of ``room``."""
        key = (tuple(c.plain for c in changes), tuple(d.plain for d in diagnoses), room)
        if self._split is not None and self._split[0] == key:
            return self._split[1]
        split = self._fewest_lines_split(changes, diagnoses, room)
        self._split = key, split
        return split

    def _fewest_lines_split(self, changes: list[Text], diagnoses: list[Text],
                            room: int) -> int:
        names = [atom for row in diagnoses for _, atom in _atoms(row)]
        narrowest = max([len("diagnosis"), *(name.cell_len + 1 for name in names)])
        widest = max([narrowest, *(row.cell_len for row in diagnoses)])
        if narrowest == widest or widest + max(c.cell_len for c in changes) <= room:
            return widest
        console = self.app.console

        def lines(split: int) -> int:
            return sum(max(len(change.wrap(console, max(1, room - split))),
                           len(_packed(row, split).split("\n")))
                       for change, row in zip(changes, diagnoses, strict=True))

        return min(range(narrowest, widest + 1), key=lines)

    def _narrow_lines(self, width: int) -> list[Text]:
        """Per run: state, name and changes; below, the losses, accuracy and diagnoses.
        What does not fit a line moves to its own lines, wrapped at ", " and indented,
        so that nothing is cut."""
        lines: list[Text] = []
        for view in self._runs:
            mark, line, name, changes, train, val, acc, diagnoses = self._cells(view)
            head = Text.assemble(mark, " ", line, " ", name)
            numbers = Text.assemble("   ", ("loss ", "dim"), train, (" val ", "dim"), val)
            if _has_accuracy(view):
                numbers.append_text(Text.assemble((" acc ", "dim"), acc))
            lines += _joined_or_wrapped(head, "  ", changes, width)
            lines.append(numbers)
            if diagnoses.plain:  # a line of its own: beside the numbers it would come and
                # go as they lengthen, and every change of height redraws the column
                lines += _indented(Text.assemble(("▲ ", "bold red"), diagnoses), width)
        return lines

    def get_content_height(self, container, viewport, width: int) -> int:
        key = (self._signature, width)
        if key not in self._heights:
            self._heights[key] = self._height(width)
        return self._heights[key]

    def _height(self, width: int) -> int:
        if self._wide(width):  # the header and a line per run, more where a cell wraps
            return len(self._table_rows(width))
        return len(self._narrow_lines(width))

    def _table_rows(self, width: int) -> list[Strip]:
        """Every line of the wide table at ``width``, as Textual would render them,
        rendered once for what it shows: its height and the rows a repaint compares (and
        paints, ``RowRepaint.render_line``) each rendered it, 10-30 ms for eight runs."""
        key = (self._signature, width, self.rich_style, detect_color_mode(self.app))
        if self._rendered is None or self._rendered[0] != key:
            visual = visualize(self, self._renderable(width))
            self._rendered = key, Visual.to_strips(self, visual, width, None, self.visual_style)
        return self._rendered[1]

    def _rows(self) -> list[Strip]:
        width, height = self.size
        if not self._wide(width):
            return super()._rows()
        return self._table_rows(width)[:height]


#: Where a wrapped part of a narrow row starts.
INDENT = "   "


def _joined_or_wrapped(head: Text, gap: str, tail: Text, width: int) -> list[Text]:
    """``head + gap + tail`` on one line if it fits ``width``; else ``head`` and then
    ``tail`` on indented lines of its own, broken after its commas."""
    if not tail.plain or head.cell_len + len(gap) + tail.cell_len <= width:
        return [Text.assemble(head, gap, tail) if tail.plain else head]
    return [head, *_indented(tail, width)]


def _atoms(names: Text) -> list[tuple[str, Text]]:
    """``names`` (separated by ", ") as the pieces a line may break between, each with
    what joins it to the one before: a name, and the consequences folded under a root
    cause (``flat_loss (→ underfitting)``: ``flat_loss`` and ``(→ underfitting)``)."""
    atoms: list[tuple[str, Text]] = []
    for name in names.split(", ", allow_blank=False):
        cause, _, folded = name.plain.partition(" (→")
        atoms.append((", ", name[:len(cause)] if folded else name))
        if folded:
            atoms.append((" ", name[len(cause) + 1:]))
    return atoms


def _packed(names: Text, width: int) -> Text:
    """``names`` (separated by ", ") in lines of at most ``width`` cells, broken only
    between names or before the consequences a root cause explains (a longer piece
    keeps a line of its own)."""
    lines: list[Text] = []
    for glue, atom in _atoms(names):
        if lines and lines[-1].cell_len + len(glue) + atom.cell_len + 1 <= width:
            lines[-1] = Text.assemble(lines[-1], glue, atom)
        else:
            if lines and glue == ", ":
                lines[-1] = Text.assemble(lines[-1], ",")
            lines.append(atom)
    return Text("\n").join(lines)


def _indented(tail: Text, width: int) -> list[Text]:
    """``tail`` on lines that start with INDENT, broken after its commas to fit ``width``."""
    lines, line = [], Text(INDENT)
    for part in tail.split(", ", allow_blank=False):
        piece = part if line.plain == INDENT else Text.assemble(", ", part)
        if line.plain != INDENT and line.cell_len + piece.cell_len > width:
            lines.append(Text.assemble(line, ","))
            line, piece = Text(INDENT), part
        line.append_text(piece)
    lines.append(line)
    return lines
