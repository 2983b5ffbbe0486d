"""DepthProfile: what happens to the signal layer by layer, for every run.

One plot over depth, one line per run in its colour, on a log10 axis: the spread (std) of
each hidden layer's output on the probe set (``act_std``), or the norm of each layer's
weight gradient (``grad_norm``; ``show_metric`` switches). They are what the
initialisation, dead-ReLU and vanishing-gradient lessons are about (the spread collapsing
or exploding through depth, gradients shrinking towards the input), and what the app shows
where the data has no plane to draw a boundary on.
"""

from __future__ import annotations

import math

from nnterm.app.widgets._common import (
    TITLE_MARGIN,
    detect_color_mode,
    fit_title,
    run_colour,
    same,
)
from nnterm.app.widgets._plot import RedrawnPlot
from nnterm.app.widgets.axis_ticks import decade_label, log_ticks
from nnterm.engine.live.snapshot import RunView, Snapshot

#: The profiles it can show: field of RunView -> title.
PROFILES = {
    "act_std": "output spread",  # (the x axis says: by layer)
    "grad_norm": "gradient norm",
}


def _log_points(values: tuple[float, ...]) -> tuple[list[int], list[float]]:
    """(layer numbers, log10 values) of the finite positive values."""
    points = [(i + 1, math.log10(v)) for i, v in enumerate(values)
              if math.isfinite(v) and v > 0]
    return [x for x, _ in points], [y for _, y in points]


class DepthProfile(RedrawnPlot):
    """Per run: activation spread or gradient norm against layer number (log10)."""

    DEFAULT_CSS = """
    DepthProfile {
        width: 1fr;
        height: 1fr;
        min-height: 6;
    }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._runs: tuple[RunView, ...] = ()
        self._selected = ""
        self._shown: tuple | None = None
        self._metric = "act_std"
        self.draws = 0

    @property
    def metric(self) -> str:
        """``act_std`` or ``grad_norm``: the profile shown."""
        return self._metric

    def show_metric(self, metric: str) -> None:
        if metric not in PROFILES:
            raise ValueError(f"no profile {metric!r} (profiles: {', '.join(PROFILES)})")
        if metric != self._metric:
            self._metric = metric
            self.redraw()

    def update_snapshot(self, snapshot: Snapshot) -> bool:
        """Keep every run's profiles; redraw if one changed."""
        shown = (snapshot.run, tuple((v.name, v.colour, v.act_std, v.grad_norm)
                                     for v in snapshot.runs))
        if self._shown is not None and same(shown, self._shown):
            return False
        self._shown, self._runs, self._selected = shown, snapshot.runs, snapshot.run
        self.redraw()
        return True

    def _draw(self) -> None:
        self.draws += 1
        plt = self.plt
        plt.clear_figure()
        if not self._runs:
            plt.title("waiting for the first step")
            self.paint()
            return
        ordered = sorted(self._runs, key=lambda v: v.name == self._selected)  # selected on top
        mode = detect_color_mode(self.app)
        title = PROFILES[self._metric]
        ys: list[float] = []
        depth = 0
        for view in ordered:
            values = getattr(view, self._metric)
            depth = max(depth, len(values))
            x, y = _log_points(values)
            if x:
                plt.plot(x, y, color=run_colour(view.colour, mode)[0], marker="braille")
                ys.extend(y)
        if ys:
            ticks = log_ticks(min(ys), max(ys))
            plt.yticks(ticks, [decade_label(t) for t in ticks])
            step = max(1, math.ceil(depth / 10))
            plt.xticks(list(range(1, depth + 1, step)))
            plt.title(fit_title(f"{title} (log)", self.size.width - TITLE_MARGIN))
        else:
            plt.title(fit_title(f"{title}: no finite values yet", self.size.width - TITLE_MARGIN))
        plt.xlabel("layer")
        self.paint()
