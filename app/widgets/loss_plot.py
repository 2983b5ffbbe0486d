"""LossPlot: train and validation loss (or accuracy) against step, with diagnosis markers.

With one run: train (cyan) and validation (orange). With several runs (a lesson's
``compare`` variants): one curve per run, each in its own colour (``RUN_COLOURS``), its
train or validation curve (``show_curves``; ``cycle`` steps through train loss, val loss,
train accuracy, val accuracy), and the legend in the panel's bottom border, where it never
covers a curve: one entry per run, its state glyph and name in its colour. The loss levels
the lesson names (chance, ``ln K``; the bigram baseline) are drawn as labelled grey lines;
while a frame of the past is shown, a white line marks its step (``set_cursor``).
"""

from __future__ import annotations

import math
from time import monotonic

import numpy as np
from textual.content import Content

from nnterm.app.widgets._common import (
    BORDER_TEXT_MARGIN,
    TITLE_MARGIN,
    ColorMode,
    detect_color_mode,
    first_that_fits,
    fit_title,
    run_colour,
    run_state_glyph,
)
from nnterm.app.widgets._plot import PaintedPlot
from nnterm.app.widgets.axis_ticks import (
    decade_label,
    log_ticks,
    tick_label,
    ticks_on_rows,
    zero_based_ticks,
)
from nnterm.engine.live.snapshot import Series, Snapshot

#: At most this many redraws a second; plotext rebuilds the whole plot on each.
MAX_FPS = 4.0
TRAIN_COLOR = "cyan"
VAL_COLOR = "orange"
MARKER_COLOR = "red"
REFERENCE_COLOR = "gray"
CURSOR_COLOR = "white"


def _points(steps: np.ndarray, values: np.ndarray, width: int, log: bool) -> tuple[list, list]:
    """(x, y) lists with missing values dropped, strided down to about ``width`` points."""
    keep = np.isfinite(values)
    if log:
        keep &= values > 0
    x, y = steps[keep], values[keep]
    stride = max(1, math.ceil(len(x) / max(1, width)))
    if stride > 1:
        last_x, last_y = x[-1], y[-1]
        x, y = x[::stride], y[::stride]
        if x[-1] != last_x:  # always keep the latest point
            x, y = np.append(x, last_x), np.append(y, last_y)
    return x.tolist(), y.tolist()


#: A curve that climbs past this many times the curves' typical level (or a reference
#: level) is cut there, so that one run blowing up, or starting out huge, does not flatten
#: every other curve to the floor.
CEILING = 3.0


def _ceiling(curves: list[tuple], references: tuple[tuple[str, float], ...]) -> float | None:
    """Where to cut a linear loss axis: ``CEILING`` x the larger of the curves' typical
    level and the highest reference level, if some value goes above it (None: nothing
    to cut). The typical level is the lower of the median first value and the median of
    each curve's median (the level it spends its time at): the first keeps a run that
    blows up from setting the scale (of two runs, the median of their medians is their
    mean), the second cuts a start far above where the curves live (softmax_ce_vs_mse's
    confidently wrong 12 and 17 beside squared error's flat 1), so that every curve that
    stays near the others keeps its shape. (A median per curve of a series the engine
    downsampled to about the plot's width.)"""
    values = [v[np.isfinite(v)] for *_, v, _, _ in curves if v is not None]
    values = [v for v in values if v.size]
    if not values:
        return None
    start = float(np.median([v[0] for v in values]))
    level = float(np.median([np.median(v) for v in values]))
    finite = [value for _, value in references if math.isfinite(value)]
    ceiling = CEILING * max([min(start, level), *finite])
    highest = max(float(v.max()) for v in values)
    return ceiling if highest > ceiling else None


#: Curve markers without colour (plotext's names) and the glyph each draws, for the legend.
MONO_MARKERS = ("braille", "dot", "x", "+", "o", "*")
MONO_GLYPHS = ("⣿", "•", "x", "+", "o", "*")


class LossPlot(PaintedPlot):
    """Loss curves (train and val; with several runs, one per run) against step;
    ``show_accuracy(True)`` switches to accuracy.

    ``update_snapshot`` stores the snapshot and redraws at most ``MAX_FPS`` times a second
    (a timer draws the last one if it came too soon). Steps where a diagnosis fired are
    marked with vertical lines; the latest diagnosis is named in the title.
    """

    DEFAULT_CSS = """
    LossPlot {
        width: 1fr;
        height: 1fr;
        min-height: 6;
    }
    """

    def __init__(
        self,
        *,
        name: str | None = None,
        id: str | None = None,  # noqa: A002 - Textual's name
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._snapshot: Snapshot | None = None
        self._signature: tuple | None = None
        self._accuracy = False
        self._curves = "train"  # with several runs: each run's "train" or "val" curve
        self._log = False
        self._dirty = False
        self._last_draw = -math.inf
        self.draws = 0  # how many times the plot was rebuilt (for tests and benchmarks)
        self._cursor: int | None = None  # the step a frame of the past shows (``rewind``)

    # ----------------------------------------------------------------- public
    @property
    def accuracy_shown(self) -> bool:
        return self._accuracy

    @property
    def curves_shown(self) -> str:
        """``train`` or ``val``: which curve of each run is overlaid (several runs)."""
        return self._curves

    @property
    def log_scale(self) -> bool:
        return self._log

    def show_curves(self, curves: str) -> None:
        """Overlay each run's ``train`` or ``val`` curve (when there are several runs)."""
        if curves != self._curves:
            self._curves = curves
            self._mark_dirty(now=True)

    def cycle(self) -> str:
        """The next view, returned in words: loss and accuracy with one run; with several,
        train loss, val loss, train accuracy, val accuracy, in turn."""
        several = self._snapshot is not None and len(self._snapshot.runs) > 1
        if several and self._curves == "train":
            self.show_curves("val")
        else:
            if several:
                self.show_curves("train")
            self.show_accuracy(not self._accuracy)
        what = "accuracy" if self._accuracy else "loss"
        return f"{self._curves} {what} of every run" if several else what

    def update_snapshot(self, snapshot: Snapshot) -> bool:
        """Keep ``snapshot``; redraw (now or within 1/MAX_FPS s) if its curves changed.
        Returns whether anything changed."""
        s = snapshot.series
        n = len(s.steps)
        signature = (
            snapshot.run,
            snapshot.step,
            n,
            int(s.steps[-1]) if n else -1,
            len(snapshot.diagnoses),
            s.train_acc is None,
            tuple((v.name, v.step, len(v.series.steps), v.status, v.paused)
                  for v in snapshot.runs),
        )
        if signature == self._signature:
            return False
        self._signature = signature
        self._snapshot = snapshot
        self._mark_dirty()
        return True

    @property
    def cursor(self) -> int | None:
        return self._cursor

    def set_cursor(self, step: int | None) -> None:
        """Mark ``step`` with a vertical line (a frame of the past is shown), or None."""
        if step != self._cursor:
            self._cursor = step
            self._mark_dirty(now=True)

    def show_accuracy(self, accuracy: bool) -> None:
        """Plot accuracy (True) or loss (False)."""
        if accuracy != self._accuracy:
            self._accuracy = accuracy
            self._mark_dirty(now=True)

    def set_log_scale(self, log: bool) -> None:
        """Use a log10 y axis for the loss (accuracy stays linear)."""
        if log != self._log:
            self._log = log
            self._mark_dirty(now=True)

    def flush(self) -> None:
        """Redraw now if anything changed since the last draw."""
        if self._dirty:
            self._draw()

    # ----------------------------------------------------------------- internals
    def on_mount(self) -> None:
        super().on_mount()
        self.set_interval(1.0 / MAX_FPS, self.flush)
        self._draw()
        self._last_draw = -math.inf  # the placeholder does not count against the budget

    def on_resize(self) -> None:
        self._dirty = True  # the point budget follows the width

    def _mark_dirty(self, now: bool = False) -> None:
        self._dirty = True
        if self.is_mounted and (now or monotonic() - self._last_draw >= 1.0 / MAX_FPS):
            self._draw()

    def _draw(self) -> None:
        self._dirty = False
        self._last_draw = monotonic()
        self.draws += 1
        plt = self.plt
        plt.clear_figure()
        plt.xlabel("step")
        snap = self._snapshot
        if snap is None:
            plt.title("waiting for the first step")
            self.paint()
            return
        s = snap.series
        width = max(8, self.size.width - 10)
        accuracy = self._accuracy and s.train_acc is not None
        log = self._log and not accuracy
        xs: list = []
        ys: list = []
        curves = self._curve_list(snap, accuracy)
        ceiling = None if log or accuracy else _ceiling(curves, snap.references)
        drawn = []
        for label, steps, values, color, marker in curves:
            if values is None or len(values) == 0:
                continue
            if ceiling is not None:
                values = np.minimum(values, ceiling)
            x, y = _points(steps, values, width, log)
            if log:  # log10 by hand: plotext's yscale("log") re-logs on every build
                y = [math.log10(v) for v in y]
            if x:
                drawn.append((x, y, label, color, marker))
                xs.extend((x[0], x[-1]))
                ys.extend((min(y), max(y)))
        border = "Accuracy" if accuracy else "Loss"
        if xs and not accuracy:  # first, so that a curve at the level lies on top of it
            heights, names = self._draw_references(snap, min(xs), max(xs), log)
            ys.extend(heights)
            if names:  # "chance ln 27 = 3.3, bigram = 2.45", else "chance 3.3, bigram 2.45"
                short = [f"{label.split()[0]} {value:.3g}" for label, value in names]
                border += first_that_fits(
                    (f"  ⋯ {', '.join(f'{label} = {value:.3g}' for label, value in names)}",
                     f"  ⋯ {', '.join(short)}"), self.size.width - BORDER_TEXT_MARGIN
                    - len(border))
        for x, y, label, color, marker in drawn:
            plt.plot(x, y, label=label, color=color, marker=marker)
        if ys:
            ys.extend(self._y_axis(min(ys), 1.0 if accuracy else max(ys), log))
        title = ("accuracy" if accuracy else "loss") + (" (log)" if log else "")
        if ceiling is not None:
            title += f", cut at {ceiling:.3g}"
        if len(snap.runs) > 1:
            title = f"{self._curves} {title}"
        if self._accuracy and not accuracy:
            title += " (no accuracy for regression)"
        if xs:
            lo, hi = min(xs), max(xs)
            right = hi if hi > lo else lo + 1  # one point: not an axis from -1 to 1
            plt.xlim(lo, right)
            steps = [t for t in zero_based_ticks(right, 5) if lo <= t <= right]
            plt.xticks(steps, [f"{int(t):,}" for t in steps])  # whole steps: 0, 500, 1,000
            for _, step, _ in snap.diagnoses:
                if lo <= step <= hi:
                    # a two-point line, not plt.vline: plotext's vline breaks a log y axis
                    plt.plot([step, step], [min(ys), max(ys)], color=MARKER_COLOR,
                             marker="│")
            if self._cursor is not None and lo <= self._cursor <= hi:
                plt.plot([self._cursor, self._cursor], [min(ys), max(ys)],
                         color=CURSOR_COLOR, marker="┃")
                title = f"{title}   ◆ step {self._cursor:,}"
            if snap.diagnoses:  # (the red line marks it: the words go first if need be)
                name, step, _ = snap.diagnoses[-1]
                title = first_that_fits((f"{title}   ▲ {name} @ {step}",
                                         f"{title}   ▲ {name}", title),
                                        self.size.width - TITLE_MARGIN)
        else:
            title += ": no points yet"
        plt.title(fit_title(title, self.size.width - TITLE_MARGIN))
        self.set_titles(border, self.legend(snap, detect_color_mode(self.app),
                                            self.size.width - BORDER_TEXT_MARGIN))
        self.paint()

    def _y_axis(self, low: float, high: float, log: bool) -> tuple[float, ...]:
        """Ticks and limits of the y axis over the values ``low``..``high`` (log10 values
        on a log axis), each tick on its own row (``ticks_on_rows``): linear from 0, so a
        flat loss looks flat (l: the log scale zooms); on a log axis spanning two decades
        or more, whole decades; on a shorter one, 1, 2 and 5 times a power of ten (not
        evenly spaced on a log axis anyway) where plotext puts them. Returns the limits
        it set, for the diagnosis markers to span."""
        if log and high - low < 2:
            ticks = log_ticks(low, high)
            self.plt.yticks(ticks, [decade_label(t) for t in ticks])
            return ()
        ticks, bottom, top = ticks_on_rows(low if log else 0.0, high, self.canvas_rows,
                                           centred=log, least=1.0 if log else 0.0)
        self.plt.yticks(ticks, [(decade_label if log else tick_label)(t) for t in ticks])
        self.plt.ylim(bottom, top)
        return bottom, top

    def _draw_references(self, snap: Snapshot, lo: float, hi: float, log: bool
                         ) -> tuple[list[float], list[tuple[str, float]]]:
        """The loss levels the lesson names (chance, a baseline) as dotted grey lines;
        returns their heights, so the axis shows them, and their (name, level) for the
        panel's top border (a label inside the plot would hide the curves)."""
        heights, names = [], []
        for label, value in snap.references:
            if not math.isfinite(value) or (log and value <= 0):
                continue
            y = math.log10(value) if log else value
            self.plt.plot([lo, hi], [y, y], color=REFERENCE_COLOR, marker="⋅")
            heights.append(y)
            names.append((label, value))
        return heights, names

    def _curve_list(self, snap: Snapshot, accuracy: bool) -> list[tuple]:
        """(legend label or None, steps, values, colour, marker) per curve, drawn in order:
        the selected run last, so it lies on top."""
        mode = detect_color_mode(self.app)
        def columns(series: Series) -> tuple:
            if accuracy:
                return series.train_acc, series.val_acc
            return series.train_loss, series.val_loss

        # without colour (NO_COLOR) each curve is told apart by its marker instead
        markers = MONO_MARKERS if mode == "mono" else ("braille",) * len(MONO_MARKERS)
        if len(snap.runs) <= 1:
            train, val = columns(snap.series)
            suffix = " acc" if accuracy else ""
            return [(f"train{suffix}", snap.series.steps, train, TRAIN_COLOR, markers[0]),
                    (f"val{suffix}", snap.series.steps, val, VAL_COLOR, markers[1])]
        curves = []
        for view in sorted(snap.runs, key=lambda v: v.name == snap.run):
            train, val = columns(view.series)
            values = train if self._curves == "train" else val
            curves.append((None, view.series.steps, values, run_colour(view.colour, mode)[0],
                           markers[view.colour % len(markers)]))
        return curves

    @staticmethod
    def legend(snap: Snapshot | None, mode: ColorMode = "truecolor",
               width: int | None = None) -> Content:
        """One entry per run (none for a single run): ``▶ base  ✖ wild``, each in its
        run's colour, the selected run underlined; without colour, with its marker. If
        that is wider than ``width``: the selected run's entry and how many more there are,
        pointing to the run table, their legend; never a cut name."""
        if snap is None or len(snap.runs) <= 1:
            return Content("")
        entries = []
        for view in snap.runs:
            style = run_colour(view.colour, mode)[1] + (" bold underline" if view.name == snap.run
                                                  else "")
            marker = (f" {MONO_GLYPHS[view.colour % len(MONO_GLYPHS)]}" if mode == "mono"
                      else "")
            entries.append((f"{run_state_glyph(view.status, view.paused)} {view.name}{marker}",
                            style))
        every = Content.assemble(*[part for entry in entries for part in (entry, " ")][:-1])
        if width is None or every.cell_length <= width:
            return every
        selected = next(e for e, v in zip(entries, snap.runs, strict=True) if v.name == snap.run)
        more = len(entries) - 1
        return Content.assemble(selected, first_that_fits(
            (f" and {more} more runs: their colours in Runs", f" +{more} runs: see Runs",
             f" +{more}: see Runs", ""),
            width - len(selected[0])))
