"""StatusLine: where the run is, in two lines of text."""

from __future__ import annotations

import math
from collections.abc import Callable

from rich.text import Text

from nnterm.app.widgets._common import detect_color_mode, run_colour
from nnterm.app.widgets._repaint import RowRepaint
from nnterm.app.widgets._said import Said
from nnterm.app.widgets.axis_ticks import fmt_num
from nnterm.engine.live.run_words import rate_text
from nnterm.engine.live.snapshot import DrawnData, Snapshot
from nnterm.engine.training.config import Config

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


def optimizer_name(config: Config) -> str:
    """The optimizer as the config names it."""
    return config.train.optimizer.name


def drawn_text(drawn: DrawnData | None) -> str:
    """``drawn +3 −1: 12 train, 8 val``: the points drawn on the data, if any."""
    if drawn is None:
        return ""
    return (f"drawn +{drawn.added} −{drawn.removed}: {len(drawn.train_labels)} train, "
            f"{len(drawn.val_labels)} val")


def _pct(x: float | None) -> str:
    if x is None or not math.isfinite(x):
        return "-"
    return f"{100 * x:.1f}%"


class StatusLine(RowRepaint):
    """Step, epoch, speed, lr, batch size, optimizer and run state on the first line;
    losses, accuracies, every diagnosis so far (each root cause with the ones it explains
    folded under it) and the last control's effect on the second;
    ``note`` (e.g. "low bandwidth") is said on the second line after the numbers;
    ``optimizer_label`` names the optimizer (the app's keys name SGD with momentum
    ``momentum``: the line says what the optimizer key said).

    The last control's effect (the engine's ``Snapshot.message``) goes after some seconds
    (``said``): the engine keeps it in every snapshot until the next command.

    ``coming`` gives a run's config as it will be once the engine has taken the keys
    already pressed (``LiveRuns.coming_config``). Where its learning rate, batch size or
    optimizer differs from the snapshot's, the line shows the new value at once, marked
    ``→`` until the engine has taken it: the engine takes a key between two steps, and a
    step of a big net (``xavier_vs_he``: 160 ms) would otherwise leave the key unanswered.
    ``show_coming`` redraws the line after a key."""

    DEFAULT_CSS = """
    StatusLine {
        width: 1fr;
        height: auto;
        min-height: 2;
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
        min_lines: int = 2,
        optimizer_label: Callable[[Config], str] = optimizer_name,
        coming: Callable[[str], Config | None] = lambda run: None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.note = note
        self.optimizer_label = optimizer_label
        self.coming = coming
        self.min_lines = min_lines
        self._text = Text("waiting for the first step", style="dim")
        self._groups: tuple[list[Text], ...] = ()
        self._signature: tuple | None = None
        self._snapshot: Snapshot | None = None
        self._scope = ""
        self._viewing = ""
        self._stopped = False
        self.said = Said(self, self._redraw)
        self._message: str | None = None  # the engine's message last seen (None: any is news)
        #: (width, lines): the most lines the text has needed at this width.
        self._tallest = (0, min_lines)

    def set_viewing(self, words: str) -> None:
        """Say which frame of the past the panels show (``viewing step 120 of 600 · live:
        space``), at the head of the first line; "" while they are live."""
        if words != self._viewing:
            self._viewing = words
            if self._snapshot is not None:
                self.update_snapshot(self._snapshot)

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

    def expect_message(self) -> None:
        """A command went to the engine: its next message is news even in the same words
        (a second reset says so again)."""
        self._message = None

    def _redraw(self) -> None:
        if self._snapshot is not None:
            self.update_snapshot(self._snapshot)

    def show_coming(self) -> None:
        """A key was pressed: show the settings it changes now (``coming``)."""
        self._redraw()

    def _settings(self, s: Snapshot) -> tuple[str, str, str]:
        """The learning rate (as scheduled now), batch size and optimizer the line shows:
        the snapshot's, or the ones coming, marked ``→``, where keys changed them."""
        lr, batch, optimizer = fmt_num(s.lr), str(s.batch_size), self.optimizer_label(s.config)
        coming = None if self._viewing else self.coming(s.run)  # (a frame of the past)
        if coming is None or coming == s.config:
            return lr, batch, optimizer
        was, now = s.config.train, coming.train
        if now.optimizer.lr != was.optimizer.lr and was.optimizer.lr:
            lr = "→" + fmt_num(s.lr / was.optimizer.lr * now.optimizer.lr)
        if now.batch_size != was.batch_size and now.batch_size > 0:
            batch = f"→{now.batch_size}"
        if self.optimizer_label(coming) != optimizer:
            optimizer = "→" + self.optimizer_label(coming)
        return lr, batch, optimizer

    def show_engine_stopped(self, error: str) -> None:
        """The engine died (or never started): say so, and how to restart, until a
        snapshot of a new engine arrives (its last one would claim it still runs)."""
        t = Text(no_wrap=True, overflow="ellipsis")
        t.append("✖ engine stopped", "bold red")
        t.append(f"  {error}  ")
        t.append("│ r restarts it", "dim")
        self._text, self._groups, self._signature, self._stopped = t, (), None, True
        self.repaint()

    @property
    def before_first_step(self) -> bool:
        """Whether the line has shown no step of this engine's runs yet: it waits for
        their first snapshot, or shows step 0."""
        return self._snapshot is None or self._snapshot.step == 0

    def engine_restarted(self) -> None:
        """A new engine starts: wait for its first step."""
        self._text, self._groups = Text("waiting for the first step", style="dim"), ()
        self._signature, self._snapshot, self._stopped = None, None, False
        self._message = None
        self.said.show(None)
        self._tallest = (0, self.min_lines)
        self.repaint(layout=True)

    def update_snapshot(self, snapshot: Snapshot) -> bool:
        """Rebuild the text and refresh if anything shown changed (not while the line
        says the engine stopped)."""
        if self._stopped:
            return False
        s = snapshot
        if s.message != self._message:
            self._message = s.message
            if s.message:
                self.said.show(Text(s.message, "italic"))
        state = run_state(s)
        diagnosis = ", ".join(s.findings)
        lr, batch, optimizer = self._settings(s)
        drawn = drawn_text(s.drawn)
        signature = (
            state, s.step, round(s.epoch, 2), two_digits(s.steps_per_second), lr, batch,
            optimizer, s.train_loss, s.val_loss, s.train_acc, s.val_acc, diagnosis,
            self.said.words, s.stop_reason, s.run, self._scope, self._viewing, drawn,
        )
        self._snapshot = snapshot
        if self._signature is not None and signature == self._signature:
            return False
        self._signature = signature
        label, style = STATES.get(state, (state, "bold"))
        head = Text(label, style)
        if len(s.runs) > 1:
            view = next((v for v in s.runs if v.name == s.run), None)
            colour = run_colour(view.colour, detect_color_mode(self.app))[1] if view else "bold"
            head.append(f"  {s.run}", f"bold {colour}")
        rate = (rate_text(two_digits(s.steps_per_second), ",.2g" if s.steps_per_second < 10
                          else ",.0f") if state == "running" else "stopped")
        if self._viewing:
            head = Text.assemble((f"◆ {self._viewing}", "bold reverse"), "  ", head)
        first = [head, Text(f"step {s.step:,}"), Text(f"epoch {s.epoch:.2f}"), Text(rate),
                 Text(f"lr {lr}", "cyan"), Text(f"batch {batch}", "cyan"),
                 Text(optimizer, "cyan")]
        if s.stop_reason and state != "running":
            first.append(Text(f"({s.stop_reason})", "dim"))
        second = [Text(f"loss {fmt_num(s.train_loss, 4)}  val {fmt_num(s.val_loss, 4)}")]
        if s.train_acc is not None or s.val_acc is not None:
            second.append(Text(f"acc {_pct(s.train_acc)}  val {_pct(s.val_acc)}"))
        if drawn:
            second.append(Text(drawn, "magenta"))
        if self.note:  # (before the diagnoses, which may come to need a line of their own)
            second.append(Text(f"{SEPARATOR}{self.note}", "dim"))
        if diagnosis:
            second.append(Text.assemble(("▲ ", "bold red"), (diagnosis, "bold red")))
        if self._scope:
            second.append(Text.assemble((SEPARATOR, "dim"), (self._scope, "bold")))
        if self.said.words is not None:
            second.append(Text.assemble((SEPARATOR, "dim"), self.said.words))
        self._groups = (first, second)
        width, height = self.content_size
        self._text = flow(self._groups, width)
        # a line more or fewer (a narrow terminal, a long message): lay out again
        return self.repaint(layout=self.get_content_height(None, None, width) != height)

    def get_content_height(self, container, viewport, width: int) -> int:
        """The lines the text needs at ``width``, and never fewer than it needed before at
        that width: a line that came and went (a longer message, a wider number) would
        move every panel below it, a whole-screen repaint each time (60 KB at 120x40)."""
        needed = max(self.min_lines, len(self._flowed(width).split("\n")))
        tallest_width, tallest = self._tallest
        self._tallest = (width, max(needed, tallest) if width == tallest_width else needed)
        return self._tallest[1]

    def _flowed(self, width: int) -> Text:
        """The text at ``width``: the pieces of each line, wrapped onto more lines where
        they do not fit (never cut)."""
        return flow(self._groups, width) if self._groups else self._text

    def render(self) -> Text:
        return self._flowed(self.content_size.width)


#: What sets a note, the scope and the last control's effect apart on the second line.
SEPARATOR = "│ "


def flow(groups: tuple[list[Text], ...], width: int) -> Text:
    """Each group of pieces on a line of its own, two spaces apart; a piece that does not
    fit on the line goes to the next one, and one wider than ``width`` is wrapped at its
    spaces. ``width`` 0 (not laid out yet): one line a group."""
    lines: list[Text] = []
    for pieces in groups:
        line = Text()
        for piece in pieces:
            if line.plain and width and line.cell_len + 2 + piece.cell_len > width:
                lines.append(line)
                line = Text()
            if width and piece.cell_len > width:
                *whole, piece = _wrapped(piece, width)
                lines += whole
            if not line.plain and piece.plain.startswith(SEPARATOR):  # (not at a line's start)
                piece = piece[len(SEPARATOR):]
            line = Text.assemble(line, "  ", piece) if line.plain else piece.copy()
        lines.append(line)
    return Text("\n", no_wrap=True).join(lines)


def _wrapped(piece: Text, width: int) -> list[Text]:
    """``piece`` in lines of at most ``width`` cells, broken at spaces (or anywhere in a
    word longer than a line)."""
    lines, start = [], 0
    text = piece.plain
    while len(text) - start > width:
        cut = text.rfind(" ", start, start + width + 1)
        end = cut if cut > start else start + width
        lines.append(piece[start:end])
        start = end + 1 if cut > start else end
    lines.append(piece[start:])
    return lines
