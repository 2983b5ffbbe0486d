"""The main view's panels, declared once.

Each panel says its widget, its title, where it sits (``Place``), how it redraws (a
redraw class of ``redraw``: drawn with the status line, or in turn among the slow panels
at its class's pace; none: the lesson, drawn from the preset) and, for the views of the
picture panel, which snapshot data it needs: the picture panel shows the first of them
whose data the snapshot has. ``TrainingScreen`` builds the panels from ``PANELS`` and
``PanelSet`` draws them, the redraw turns keyed by their names; a new panel is its widget
module under ``widgets/``, a line here and its test.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from textual.widget import Widget

from nnterm.app.redraw import RedrawClass
from nnterm.app.widgets.architecture import ArchitectureEditor, EditOutcome
from nnterm.app.widgets.backprop import BackpropPanel
from nnterm.app.widgets.boundary import DecisionBoundary
from nnterm.app.widgets.confusion import ConfusionPanel
from nnterm.app.widgets.depth_profile import DepthProfile
from nnterm.app.widgets.fit_plot import FitPlot
from nnterm.app.widgets.fit_table import HEADER as FIT_TABLE_HEADER
from nnterm.app.widgets.fit_table import FitTable
from nnterm.app.widgets.grad_histogram import GradientHistogram
from nnterm.app.widgets.heatmap import WeightHeatmap
from nnterm.app.widgets.image_samples import ImagePanel
from nnterm.app.widgets.landscape import LossLandscape
from nnterm.app.widgets.lesson import LessonPanel
from nnterm.app.widgets.loss_plot import LossPlot
from nnterm.app.widgets.network import NetworkPanel
from nnterm.app.widgets.run_table import RunTable
from nnterm.app.widgets.samples import SampleText
from nnterm.app.widgets.surface import SurfacePanel
from nnterm.engine.live.snapshot import Snapshot

#: Where a panel sits: the top row of every run's pictures (``plots``, before the picture
#: panel), a view of the picture panel (``picture``), under that row (``between``: the
#: run table, the legend of the runs' colours), the row of the selected run's insides
#: (``insides``), the top of the side column, which scrolls (``side-top``), or under it.
Place = Literal["plots", "picture", "between", "insides", "side-top", "side"]
#: The id of the picture panel, whose title is its view's.
PICTURE = "picture"


class PanelHost(Protocol):
    """What the screen building the panels gives the ones that ask for it."""

    def edit_layer(self, name: str, layer: int) -> EditOutcome:
        """The architecture panel's edits (``ArchitectureEditor``'s ``edit``)."""


def _no_wiring(_host: PanelHost) -> dict[str, Any]:
    return {}


def _has(field: str) -> Callable[[Snapshot], bool]:
    """A picture that shows the snapshot's ``field`` when there is one."""
    return lambda snapshot: getattr(snapshot, field) is not None


@dataclass(frozen=True)
class Panel:
    """One panel: ``name`` (its widget's id), ``title``, ``widget`` (its class),
    ``place``, ``redraw`` (None: not drawn from snapshots), ``needs`` (a picture: whether
    a snapshot has its data) and ``wiring`` (what its widget is given by the screen)."""

    name: str
    title: str
    widget: Callable[..., Widget]
    place: Place
    redraw: RedrawClass | None = None
    needs: Callable[[Snapshot], bool] | None = None
    wiring: Callable[[PanelHost], dict[str, Any]] = _no_wiring

    def build(self, host: PanelHost) -> Widget:
        """The panel's widget; a view of the picture panel has its frame and title from
        the picture panel, every other panel its own (and takes the focus: tab, zoom)."""
        widget = self.widget(id=self.name, **self.wiring(host))
        if self.place != "picture":
            widget.add_class("panel")
            widget.border_title = self.title
            widget.can_focus = True
        return widget


#: Every panel. Within a place in layout order; over all, the slow panels in the order
#: their first redraws take turns (the first snapshots of a run).
PANELS: tuple[Panel, ...] = (
    Panel("loss", "Loss", LossPlot, "plots", "curves"),
    Panel("runs", "Runs", RunTable, "between", "numbers"),
    Panel("gradients", "Gradients", GradientHistogram, "insides", "pictures"),
    Panel("weights", "Weights", WeightHeatmap, "insides", "weights"),
    # the picture panel's views, the first whose data the snapshot has shown: the
    # network's units (while u has it open), a training step explained (a lesson that asks
    # for it: view backprop), a plane of inputs, a two-weight model's loss
    # plane, regression on one or two inputs, images, text written by next-token models,
    # else every run's profile over depth
    Panel("network", "Network", NetworkPanel, "picture", "pictures", needs=_has("network")),
    Panel("backprop", "Backprop", BackpropPanel, "picture", "pictures",
          needs=lambda snapshot: snapshot.explaining),
    Panel("boundary", "Decision boundary", DecisionBoundary, "picture", "pictures",
          needs=_has("boundary")),
    Panel("landscape", "Loss landscape", LossLandscape, "picture", "pictures",
          needs=_has("landscape")),
    Panel("fit", "Fit", FitPlot, "picture", "pictures", needs=_has("fit")),
    Panel("surface", "Prediction", SurfacePanel, "picture", "pictures",
          needs=_has("surface")),
    Panel("images", "Images", ImagePanel, "picture", "pictures", needs=_has("images")),
    Panel("text", "Samples", SampleText, "picture", "pictures",
          needs=lambda snapshot: snapshot.config.data.name == "names"),
    Panel("depth", "Layers by depth", DepthProfile, "picture", "pictures",
          needs=lambda _snapshot: True),
    Panel("architecture", "Architecture", ArchitectureEditor, "side-top", "numbers",
          wiring=lambda host: {"edit": host.edit_layer}),
    Panel("fit-table", FIT_TABLE_HEADER, FitTable, "side", "numbers"),
    Panel("confusion", "Confusion", ConfusionPanel, "side", "numbers"),
    Panel("lesson", "Lesson", LessonPanel, "side"),
)
#: The picture panel's views, in order of preference.
PICTURES = tuple(panel for panel in PANELS if panel.place == "picture")


def placed(place: Place, host: PanelHost) -> list[Widget]:
    """The widgets of the panels at ``place``, in order."""
    return [panel.build(host) for panel in PANELS if panel.place == place]


def picture_for(snapshot: Snapshot) -> Panel:
    """The picture panel's view for ``snapshot``: the first whose data it has."""
    return next(p for p in PICTURES if p.needs is not None and p.needs(snapshot))
