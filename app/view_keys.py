"""The keys that change how the panels show the runs, not the runs: log scale, curves,
validation points, side-by-side boundaries, the depth profile, image tiles, the layer
shown, the confusion matrix, the lesson panel and zoom; and each of them back to how a lesson opens.

``ViewKeys`` belongs to the main view, which gives it a ``ViewHost`` (a Textual
``Screen`` is one): it finds the panels there, reads the newest snapshot and zooms.
"""

from __future__ import annotations

from typing import Protocol, TypeVar

from textual.widget import Widget

from nnterm.app.widgets.boundary import DecisionBoundary
from nnterm.app.widgets.confusion import ConfusionPanel
from nnterm.app.widgets.depth_profile import DepthProfile
from nnterm.app.widgets.fit_table import FitTable
from nnterm.app.widgets.grad_histogram import GradientHistogram
from nnterm.app.widgets.heatmap import WeightHeatmap
from nnterm.app.widgets.lesson import LessonPanel
from nnterm.app.widgets.loss_plot import LossPlot
from nnterm.app.widgets.run_table import RunTable
from nnterm.engine.live.snapshot import Snapshot
from nnterm.engine.preset_format.preset import Preset

PanelT = TypeVar("PanelT", bound=Widget)
#: What ``y`` says where there is no confusion matrix to show.
NO_CONFUSION = "a confusion matrix is kept for classifiers of three classes or more"


class ViewHost(Protocol):
    """The screen the panels are on, and its newest snapshot."""

    @property
    def snapshot(self) -> Snapshot | None: ...
    @property
    def focused(self) -> Widget | None: ...
    @property
    def maximized(self) -> Widget | None: ...

    def query_one(self, selector: type[PanelT]) -> PanelT: ...
    def maximize(self, widget: Widget) -> object: ...
    def minimize(self) -> None: ...
    def notify(self, message: str, *, title: str = "", timeout: float | None = None) -> None: ...


class ViewKeys:
    """View toggles of the panels, and the layer the histogram and the heatmap show."""

    def __init__(self, host: ViewHost) -> None:
        self.host = host
        self.layer = 0

    def reset(self, preset: Preset, *, several_runs: bool) -> None:
        """Every toggle back to how ``preset`` opens (a new lesson starts from there: a
        log scale or a hidden lesson left on by the last one would be unexplained); the
        run table shows for ``several_runs``."""
        query = self.host.query_one
        query(LossPlot).set_log_scale(False)
        query(LossPlot).show_curves(preset.view.curves)
        boundary = query(DecisionBoundary)
        boundary.show_validation(False)
        boundary.show_gallery(True)
        query(WeightHeatmap).show_tiles(False)
        query(LessonPanel).display = True
        query(RunTable).display = several_runs
        query(FitTable).display = preset.view.fit_table
        query(ConfusionPanel).show(True)
        query(DepthProfile).show_metric(preset.view.depth)
        self.select_layer(0)
        if self.host.maximized is not None:
            self.host.minimize()

    def log_scale(self) -> None:
        plot = self.host.query_one(LossPlot)
        plot.set_log_scale(not plot.log_scale)

    def curves(self) -> None:
        shown = self.host.query_one(LossPlot).cycle()
        self.host.notify(f"plotting {shown}", title="Curves", timeout=2)

    def validation(self) -> None:
        boundary = self.host.query_one(DecisionBoundary)
        boundary.show_validation(not boundary.validation_shown)

    def depth_metric(self) -> None:
        profile = self.host.query_one(DepthProfile)
        profile.show_metric("grad_norm" if profile.metric == "act_std" else "act_std")

    def gallery(self) -> None:
        boundary = self.host.query_one(DecisionBoundary)
        boundary.show_gallery(not boundary.gallery_shown)

    def tiles(self) -> None:
        heatmap = self.host.query_one(WeightHeatmap)
        heatmap.show_tiles(not heatmap.tiles_shown)
        snapshot = self.host.snapshot
        if snapshot is not None and snapshot.layers[0].tiles is None:
            self.host.notify("tiles need image inputs (e.g. the bars dataset)", timeout=3)
        else:
            self.select_layer(0)

    def next_layer(self, direction: int) -> None:
        snapshot = self.host.snapshot
        n_layers = len(snapshot.layers) if snapshot else 1
        self.select_layer((self.layer + direction) % n_layers)

    def select_layer(self, index: int) -> None:
        self.layer = index
        self.host.query_one(GradientHistogram).select_layer(index)
        self.host.query_one(WeightHeatmap).select_layer(index)

    def lesson(self) -> None:
        lesson = self.host.query_one(LessonPanel)
        lesson.display = not lesson.display

    def confusion(self) -> None:
        """The confusion matrix shown (for three classes or more), or hidden."""
        panel = self.host.query_one(ConfusionPanel)
        if panel.confusion is None:
            self.host.notify(NO_CONFUSION, title="Confusion", timeout=3)
            return
        panel.show(not panel.wanted)

    def zoom(self) -> None:
        """The focused panel fills the screen (the loss curves if none is focused), or
        back."""
        if self.host.maximized is not None:
            self.host.minimize()
            return
        focused = self.host.focused
        panel = next((w for w in (focused, *(focused.ancestors if focused else ()))
                      if w is not None and w.has_class("panel")), None)
        self.host.maximize(panel or self.host.query_one(LossPlot))
