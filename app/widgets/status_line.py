"""StatusLine: where the run is, in two lines of text."""

from __future__ import annotations

import math

from rich.text import Text

from nnterm.app.controls import optimizer_label
from nnterm.app.widgets._common import detect_color_mode, fmt_num, run_colour
from nnterm.app.widgets._repaint import RowRepaint
from nnterm.engine.live.run_loop import rate_text
from nnterm.engine.live.snapshot import Snapshot

#: Run state -> (label, style).
STATES = {
    "running": ("▶ running", "bold green"),
    "paused": ("‖ paused", "bold yellow"),
    "finished": ("■ finished", "bold blue"),
    "diverged": ("✖ diverged", "bold red"),
    "early stopped": ("■ early stopped", "bold blue"),
}


def run_state(snapshot: Snapshot) -> str:
    """running / paused / finished / diverged / early stopped."""
    status = snapshot.status
    if status in ("diverged", "finished", "early stopped"):
        return status
    return "paused" if snapshot.paused else "running"


def two_digits(steps_per_second: float) -> float:
    """A speed to two significant digits (3,339 -> 3,300; 49.7 -> 50): what a reader
    takes in, and a line that does not change for every wobble of the third digit."""
    return float(f"{steps_per_second:.2g}") if steps_per_second > 0 else 0.0


def _pct(x: float | None) -> str:
    if x is None or not math.isfinite(x):
        return "-"
    return f"{100 * x:.1f}%"


class StatusLine(RowRepaint):
    """Step, epoch, speed, lr, batch size, optimizer and run state on the first line;
    losses, accuracies, every diagnosis so far and the last control's effect on the second;
    ``note`` (e.g. "low bandwidth") is said at the end of the second line."""

    DEFAULT_CSS = """
    StatusLine {
        width: 1fr;
        height: 2;
        padding: 0 1;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    """

    def __init__(
        self,
        *,
        name: str | None = None,
        id: str | None = None,  # noqa: A002 - Textual's name
        classes: str | None = None,
        note: str = "",
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.note = note
        self._text = Text("waiting for the first step", style="dim")
        self._signature: tuple | None = None
        self._snapshot: Snapshot | None = None
        self._scope = ""
        self._stopped = False

    def set_scope(self, scope: str) -> None:
        """Say which runs the keys change (e.g. "keys → all 3 runs"; "" with one run)."""
        if scope != self._scope:
            self._scope = scope
            if self._snapshot is not None:
                self.update_snapshot(self._snapshot)

    @property
    def text(self) -> Text:
        """What the line shows (plain text via ``.plain``)."""
        return self._text

    def show_engine_stopped(self, error: str) -> None:
        """The engine died (or never started): say so, and how to restart, until a
        snapshot of a new engine arrives (its last one would claim it still runs)."""
        t = Text(no_wrap=True, overflow="ellipsis")
        t.append("✖ engine stopped", "bold red")
        t.append(f"  {error}  ")
        t.append("│ r restarts it", "dim")
        self._text, self._signature, self._stopped = t, None, True
        self.repaint()

    def engine_restarted(self) -> None:
        """A new engine starts: wait for its first step."""
        self._text = Text("waiting for the first step", style="dim")
        self._signature, self._snapshot, self._stopped = None, None, False
        self.repaint()

    def update_snapshot(self, snapshot: Snapshot) -> bool:
        """Rebuild the text and refresh if anything shown changed (not while the line
        says the engine stopped)."""
        if self._stopped:
            return False
        s = snapshot
        state = run_state(s)
        diagnosis = ", ".join(dict.fromkeys(name for name, _, _ in s.diagnoses))
        optimizer = optimizer_label(s.config)
        signature = (
            state, s.step, round(s.epoch, 2), two_digits(s.steps_per_second), s.lr, s.batch_size,
            optimizer, s.train_loss, s.val_loss, s.train_acc, s.val_acc, diagnosis, s.message,
            s.stop_reason, s.run, self._scope,
        )
        self._snapshot = snapshot
        if self._signature is not None and signature == self._signature:
            return False
        self._signature = signature
        label, style = STATES.get(state, (state, "bold"))
        t = Text(no_wrap=True, overflow="ellipsis")
        t.append(label, style)
        if len(s.runs) > 1:
            view = next((v for v in s.runs if v.name == s.run), None)
            colour = run_colour(view.colour, detect_color_mode(self.app))[1] if view else "bold"
            t.append(f"  {s.run}", f"bold {colour}")
        rate = (rate_text(two_digits(s.steps_per_second), ",.2g" if s.steps_per_second < 10
                          else ",.0f") if state == "running" else "stopped")
        t.append(f"  step {s.step:,}  epoch {s.epoch:.2f}  {rate}")
        t.append(f"  lr {fmt_num(s.lr)}  batch {s.batch_size}  {optimizer}", "cyan")
        if s.stop_reason and state != "running":
            t.append(f"  ({s.stop_reason})", "dim")
        t.append("\n")
        t.append(f"loss {fmt_num(s.train_loss, 4)}  val {fmt_num(s.val_loss, 4)}")
        if s.train_acc is not None or s.val_acc is not None:
            t.append(f"  acc {_pct(s.train_acc)}  val {_pct(s.val_acc)}")
        if diagnosis:
            t.append("  ▲ ", "bold red")
            t.append(diagnosis, "bold red")
        if self._scope:
            t.append(f"  │ {self._scope}", "bold")
        if s.message:
            t.append("  │ ", "dim")
            t.append(s.message, "italic")
        if self.note:
            t.append(f"  │ {self.note}", "dim")
        self._text = t
        return self.repaint()

    def render(self) -> Text:
        return self._text
