"""FitTable: the glossary's table of train against val loss (section 8), the selected run's
row lit: high/high is underfitting, low/low is good, low/high is overfitting.

The engine decides the row (``Snapshot.fit_diagnosis``, by the rules of the underfitting
and overfitting diagnoses); before any row holds, the panel says "not yet". Three lines
and a border: the column names are the panel's title (``HEADER``), so that the table
takes little room from the lesson below it.
"""

from __future__ import annotations

from rich.text import Text

from nnterm.app.widgets._panel import RowsPanel
from nnterm.engine.live.snapshot import Snapshot
from nnterm.engine.training.diagnostics import FITS

#: Per row, in ``diagnostics.FITS`` order: train loss, val loss and what the glossary calls it.
ROWS = {"underfitting": ("high", "high", "underfitting (model too small)"),
        "good": ("low", "low", "good"),
        "overfitting": ("low", "high", "overfitting (memorising)")}
#: The column names, as the panel's border title: they line up with the rows below.
HEADER = "train val  diagnosis"
#: The subtitle while no row holds: the loss is still high and still falling.
NOT_YET = "not yet"


class FitTable(RowsPanel):
    """The three rows of the table; ``lit`` names the lit one ("" for none)."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.lit = ""
        self.border_subtitle = NOT_YET

    @property
    def rows(self) -> list[str]:
        """The table's lines as plain text, the lit row marked with ▸."""
        return self.render().plain.splitlines()

    def update_snapshot(self, snapshot: Snapshot) -> bool:
        """Light the snapshot's row; refresh only if it changed."""
        if snapshot.fit_diagnosis == self.lit:
            return False
        self.lit = snapshot.fit_diagnosis
        self.set_titles(subtitle="" if self.lit else NOT_YET)
        self.repaint()
        return True

    def render(self) -> Text:
        lines = []
        for name in FITS:
            train, val, meaning = ROWS[name]
            lit = name == self.lit
            lines.append(Text(f"{'▸' if lit else ' '}{train:<6}{val:<5}{meaning}",
                              style="reverse bold" if lit else ""))
        return Text("\n", no_wrap=True, overflow="ellipsis").join(lines)

    def get_content_height(self, container, viewport, width: int) -> int:
        return len(FITS)
