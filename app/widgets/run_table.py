"""RunTable: every run of the lesson in one compact table, the selected one marked.

One row per run: its colour swatch and state (▶ training, ‖ paused, ■ finished, ✖ diverged),
its name, what it changes from the base run, train and validation loss, accuracy and its
diagnoses. The same colour marks the run's curves in the loss plot.
"""

from __future__ import annotations

from rich.table import Table
from rich.text import Text

from nnterm.app.widgets._common import (
    detect_color_mode,
    fmt_num,
    run_colour,
    run_state_glyph,
)
from nnterm.app.widgets._panel import RowsPanel
from nnterm.engine.live.snapshot import RunView, Snapshot

#: From this content width on, a run takes one line of a table (else two lines).
WIDE = 64


def _accuracy(view: RunView) -> str:
    acc = view.val_acc if view.val_acc is not None else view.train_acc
    return "-" if acc is None or acc != acc else f"{100 * acc:.0f}%"


class RunTable(RowsPanel):
    """The runs of the snapshot, as a table; ``rows`` gives its plain text per row."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._runs: tuple[RunView, ...] = ()
        self._selected = ""
        self._signature: tuple | None = None

    @property
    def rows(self) -> list[str]:
        """One line of plain text per run, as shown."""
        return [" ".join(cell.plain for cell in self._cells(v)) for v in self._runs]

    def update_snapshot(self, snapshot: Snapshot) -> bool:
        """Show the snapshot's runs; refresh only if a shown value changed."""
        signature = (snapshot.run, tuple(
            (v.name, v.changes, v.status, v.paused, fmt_num(v.train_loss), fmt_num(v.val_loss),
             _accuracy(v), v.diagnoses) for v in snapshot.runs))
        if signature == self._signature:
            return False
        old_rows = len(self._runs)
        self._signature, self._runs, self._selected = signature, snapshot.runs, snapshot.run
        return self.repaint(layout=len(self._runs) != old_rows)

    def _cells(self, view: RunView) -> list[Text]:
        colour = run_colour(view.colour, detect_color_mode(self.app))[1]
        mark = "▸" if view.name == self._selected else " "
        return [
            Text(f"{mark}{run_state_glyph(view.status, view.paused)}", style=f"bold {colour}"),
            Text(view.name, style=f"bold {colour}" if mark != " " else colour),
            Text(view.changes or ("(base)" if view is self._runs[0] else "same as base"),
                 style="dim"),
            Text(fmt_num(view.train_loss, 2)),
            Text(fmt_num(view.val_loss, 2)),
            Text(_accuracy(view)),
            Text(", ".join(view.diagnoses), style="bold red"),
        ]

    def _wide(self, width: int) -> bool:
        """One line per run when the panel is wide enough, else two."""
        return width >= WIDE

    def render(self) -> Table | Text:
        if not self._wide(self.content_size.width):
            return self._render_narrow()
        table = Table(box=None, padding=(0, 1), pad_edge=False, expand=True,
                      header_style="dim")
        table.add_column("", no_wrap=True, width=2)
        table.add_column("run", no_wrap=True, max_width=14, overflow="ellipsis")
        table.add_column("changes", ratio=1, no_wrap=True, overflow="ellipsis")
        for label in ("train", "val", "acc"):
            table.add_column(label, justify="right", no_wrap=True)
        table.add_column("diagnosis", no_wrap=True, max_width=20, overflow="ellipsis")
        for view in self._runs:
            table.add_row(*self._cells(view))
        return table

    def _render_narrow(self) -> Text:
        """Per run: state, name and changes; below, the losses, accuracy and diagnoses."""
        out = Text(no_wrap=True, overflow="ellipsis")
        for i, view in enumerate(self._runs):
            mark, name, changes, train, val, acc, diagnoses = self._cells(view)
            out.append_text(Text.assemble(mark, " ", name, "  ", changes))
            out.append("\n   ")
            out.append_text(Text.assemble(("loss ", "dim"), train, (" val ", "dim"), val,
                                          (" acc ", "dim"), acc))
            if diagnoses.plain:
                out.append_text(Text.assemble(("  ▲ ", "bold red"), diagnoses))
            if i < len(self._runs) - 1:
                out.append("\n")
        return out

    def get_content_height(self, container, viewport, width: int) -> int:
        if self._wide(width):
            return len(self._runs) + 1  # the header and one line per run
        return 2 * len(self._runs)
