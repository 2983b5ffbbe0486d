"""FitPlot: a one-input regression's data and every run's fitted curve over it."""

from __future__ import annotations

import numpy as np

from nnterm.app.widgets._common import (
    TITLE_MARGIN,
    detect_color_mode,
    first_that_fits,
    fit_title,
    run_colour,
    same,
)
from nnterm.app.widgets._plot import RedrawnPlot
from nnterm.app.widgets.axis_ticks import round_ticks, tick_label, ticks_on_rows
from nnterm.engine.live.snapshot import FitCurve, Snapshot

POINT_COLOR = "gray"
#: The plot's title, most detailed first: the first that fits is shown, not a cut one.
TITLES = ("prediction (lines) over the data (dots)", "prediction (lines), data (dots)",
          "fit (lines), data (dots)", "fit: lines, data: dots")


class FitPlot(RedrawnPlot):
    """The training points (grey dots) and each run's prediction (a line in its colour),
    the selected run's drawn last, on top."""

    DEFAULT_CSS = """
    FitPlot {
        width: 1fr;
        height: 1fr;
    }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._fit: FitCurve | None = None
        self._selected = ""

    def update_snapshot(self, snapshot: Snapshot) -> bool:
        fit = snapshot.fit
        if fit is None or (self._fit is not None and snapshot.run == self._selected
                           and same(_shown(fit), _shown(self._fit))):
            return False
        self._fit, self._selected = fit, snapshot.run
        self.redraw()
        return True

    def _draw(self) -> None:
        plt = self.plt
        plt.clear_figure()
        fit = self._fit
        if fit is None:
            plt.title("waiting for the first step")
            self.paint()
            return
        plt.scatter(fit.train_x.tolist(), fit.train_y.tolist(), color=POINT_COLOR, marker="•")
        mode = detect_color_mode(self.app)
        for _, colour, y in sorted(fit.curves, key=lambda c: c[0] == self._selected):
            keep = np.isfinite(y)
            if keep.any():
                plt.plot(fit.x[keep].tolist(), y[keep].tolist(),
                         color=run_colour(colour, mode)[0], marker="braille")
        low, high = float(fit.train_y.min()), float(fit.train_y.max())
        pad = 0.25 * max(high - low, 1e-9)
        # the data's range (a wild fit leaves the frame), its round ticks on their rows
        ticks, bottom, top = ticks_on_rows(low - pad, high + pad, self.canvas_rows)
        plt.ylim(bottom, top)
        plt.yticks(ticks, [tick_label(t) for t in ticks])
        x0, x1 = float(fit.x[0]), float(fit.x[-1])
        plt.xlim(x0, x1)
        steps = round_ticks(x0, x1)
        plt.xticks(steps, [tick_label(t) for t in steps])
        plt.title(fit_title(first_that_fits(TITLES, self.size.width - TITLE_MARGIN),
                            self.size.width - TITLE_MARGIN))
        plt.xlabel("x")
        self.paint()


def _shown(fit: FitCurve) -> tuple:
    return (fit.x, fit.train_x, tuple((n, c, y) for n, c, y in fit.curves))
