"""BackpropPanel: one training step of a small network, phase by phase, as a hand-written
autograd engine shows it: every node (input, weighted sum z, activation a, prediction,
loss) with its value and, once the backward pass has reached it, its gradient; under the
graph, the current phase written out with the numbers (``_backprop_lines``).

``next_phase``/``previous_phase`` move through the phases of the step shown (the keys
``j``/``J``); past the last, the screen takes the next step and the panel starts it at
its first phase. A step taken otherwise (``.``, or training on) is shown whole.
"""

from __future__ import annotations

import textwrap

from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip

from nnterm.app.widgets._backprop_lines import Phase, graph_lines, phase_lines, phases
from nnterm.app.widgets._common import ColorMode
from nnterm.app.widgets._panel import PicturePanel
from nnterm.engine.live.snapshot import BackpropView, Snapshot

WAITING = "take a step (. or j) to see it explained"


class BackpropPanel(PicturePanel):
    """The last training step explained; see the module docstring."""

    DEFAULT_CSS = """
    BackpropPanel {
        width: 1fr;
        height: 1fr;
        min-height: 6;
    }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._view: BackpropView | None = None
        self._phase = 0
        self._fresh_step = False  # the next step was asked for by next_phase

    # ----------------------------------------------------------------- public
    @property
    def phase(self) -> Phase | None:
        """The phase shown, None before the first step."""
        return phases(self._view)[self._phase] if self._view is not None else None

    def update_snapshot(self, snapshot: Snapshot) -> bool:
        """Keep the step; a new one starts at its first phase if ``next_phase`` asked for
        it, else it is shown whole."""
        view = snapshot.backprop
        if view is None and self._view is None and self._lines:
            return False  # (the waiting line is drawn)
        if view is not None and (self._view is None or view.step != self._view.step):
            self._phase = 0 if self._fresh_step else len(phases(view)) - 1
            self._fresh_step = False
        self._view = view
        self._invalidate()
        return True

    def next_phase(self) -> bool:
        """Show the next phase; False at the last (the caller takes the next step, which
        then starts at its first phase)."""
        if self._view is None or self._phase >= len(phases(self._view)) - 1:
            self._fresh_step = True
            return False
        self._phase += 1
        self._invalidate()
        return True

    def previous_phase(self) -> None:
        if self._phase > 0:
            self._phase -= 1
            self._invalidate()

    # ----------------------------------------------------------------- internals
    def _build(self, width: int, height: int, mode: ColorMode, dark: bool) -> list[Strip]:
        if width <= 0 or height <= 0:
            return []
        view = self._view
        if view is None:
            return [Strip([Segment(WAITING[:width].ljust(width), Style(italic=True))])]
        steps = phases(view)
        phase = steps[self._phase]
        head = (f"step {view.step} · phase {self._phase + 1}/{len(steps)}: {phase.title} "
                f"(j next, J back, . a whole step)")
        lines = [(head, Style(bold=True))]
        lines += [(text, Style(dim=not live)) for text, live in graph_lines(view, phase)]
        lines.append(("", Style()))
        lines += [(text, Style(bold=True)) for text in phase_lines(view, phase)]
        wrapped = [(part, style) for text, style in lines for part in _wrap(text, width)]
        return [Strip([Segment(text, style)]).adjust_cell_length(width)
                for text, style in wrapped[:height]]


def _wrap(text: str, width: int) -> list[str]:
    """``text`` in lines of at most ``width`` cells, broken between words (a number is
    never cut), the continuations indented; a word wider than the panel is cut."""
    if len(text) <= width:
        return [text]
    lines = textwrap.wrap(text, width, subsequent_indent="    ", break_long_words=False,
                          break_on_hyphens=False, drop_whitespace=True) or [""]
    return [line if len(line) <= width else line[:max(0, width - 1)] + "…" for line in lines]
