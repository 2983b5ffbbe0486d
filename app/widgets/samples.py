"""SampleText: what a next-token model writes, beside what a bigram table and real data say.

Every few seconds the engine lets each run's model write a handful of names one character
at a time (``Snapshot.samples``); this panel shows them, one row per run in its colour,
then the bigram baseline's and real names from the validation split. Early on the models
babble; as the loss falls under the bigram line their names start to look like names.
"""

from __future__ import annotations

from rich.text import Text
from textual.widget import Widget

from nnterm.app.widgets._common import detect_color_mode, run_colour
from nnterm.engine.live.snapshot import Snapshot

#: Rows that are not runs, with their style and what they are.
REFERENCE_ROWS = {"bigram": ("dim", "bigram"), "real": ("dim italic", "real")}


class SampleText(Widget):
    """Names written by each run's model, the bigram baseline and real ones."""

    DEFAULT_CSS = """
    SampleText {
        width: 1fr;
        height: 1fr;
        padding: 0 1;
    }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._samples: tuple[tuple[str, tuple[str, ...]], ...] = ()
        self._colours: dict[str, int] = {}
        self._step = 0

    @property
    def samples(self) -> tuple[tuple[str, tuple[str, ...]], ...]:
        return self._samples

    def update_snapshot(self, snapshot: Snapshot) -> bool:
        """Show the snapshot's new samples; a frame without any keeps the last ones."""
        if not snapshot.samples or snapshot.samples == self._samples:
            return False
        self._samples, self._step = snapshot.samples, snapshot.step
        self._colours = {v.name: v.colour for v in snapshot.runs}
        self.refresh()
        return True

    def render(self) -> Text:
        if not self._samples:
            return Text("waiting for the models to write", style="dim italic")
        out = Text()
        out.append(f"names each model writes (step {self._step:,}); the bigram table's; "
                   "real ones", "dim")
        for label, names in self._samples:
            if label in REFERENCE_ROWS:
                style, title = REFERENCE_ROWS[label]
            else:
                colour = run_colour(self._colours.get(label, 0), detect_color_mode(self.app))
                style, title = f"bold {colour[1]}", label
            out.append(f"\n{title}:", style)
            out.append(" " + " ".join(names))
        return out
