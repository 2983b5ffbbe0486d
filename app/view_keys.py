"""The keys that change how the panels show the run, not the run itself: log scale,
curves, validation points, side-by-side boundaries, the depth profile, image tiles, the
layer shown, the lesson panel and zoom.

A mixin of ``NntermApp``: it reads the app's ``snapshot`` and talks to the panels only.
"""

from __future__ import annotations

from textual.screen import Screen

from nnterm.app.widgets.boundary import DecisionBoundary
from nnterm.app.widgets.depth_profile import DepthProfile
from nnterm.app.widgets.grad_histogram import GradientHistogram
from nnterm.app.widgets.heatmap import WeightHeatmap
from nnterm.app.widgets.lesson import LessonPanel
from nnterm.app.widgets.loss_plot import LossPlot
from nnterm.engine.live.snapshot import Snapshot


class ViewKeys:
    """View toggles of the panels."""

    snapshot: Snapshot | None  # the newest snapshot (the app's)
    _selected_layer: int  # the layer the histogram and the heatmap show

    def reset_view(self) -> None:
        """Every toggle back to how a lesson opens (a new preset starts from there: a log
        scale or a hidden lesson left on by the last one would be unexplained)."""
        self.query_one(LossPlot).set_log_scale(False)
        boundary = self.query_one(DecisionBoundary)
        boundary.show_validation(False)
        boundary.show_gallery(True)
        self.query_one(WeightHeatmap).show_tiles(False)
        self.query_one(LessonPanel).display = True
        self._select_layer(0)
        if self.screen.maximized is not None:
            self.screen.minimize()

    def action_log_scale(self) -> None:
        plot = self.query_one(LossPlot)
        plot.set_log_scale(not plot.log_scale)

    def action_accuracy(self) -> None:
        shown = self.query_one(LossPlot).cycle()
        self.notify(f"plotting {shown}", title="Curves", timeout=2)

    def action_validation(self) -> None:
        boundary = self.query_one(DecisionBoundary)
        boundary.show_validation(not boundary.validation_shown)

    def action_depth_metric(self) -> None:
        profile = self.query_one(DepthProfile)
        profile.show_metric("grad_norm" if profile.metric == "act_std" else "act_std")

    def action_gallery(self) -> None:
        boundary = self.query_one(DecisionBoundary)
        boundary.show_gallery(not boundary.gallery_shown)

    def action_tiles(self) -> None:
        heatmap = self.query_one(WeightHeatmap)
        heatmap.show_tiles(not heatmap.tiles_shown)
        if self.snapshot is not None and self.snapshot.layers[0].tiles is None:
            self.notify("tiles need image inputs (e.g. the bars dataset)", timeout=3)
        else:
            self._select_layer(0)

    def action_layer(self, direction: int) -> None:
        n_layers = len(self.snapshot.layers) if self.snapshot else 1
        self._select_layer((self._selected_layer + direction) % n_layers)

    def _select_layer(self, index: int) -> None:
        self._selected_layer = index
        self.query_one(GradientHistogram).select_layer(index)
        self.query_one(WeightHeatmap).select_layer(index)

    def action_lesson(self) -> None:
        lesson = self.query_one(LessonPanel)
        lesson.display = not lesson.display

    def action_zoom(self) -> None:
        screen: Screen = self.screen
        if screen.maximized is not None:
            screen.minimize()
            return
        focused = self.focused
        panel = next((w for w in (focused, *(focused.ancestors if focused else ()))
                      if w is not None and w.has_class("panel")), None)
        screen.maximize(panel or self.query_one(LossPlot))
