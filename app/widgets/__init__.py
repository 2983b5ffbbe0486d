"""The panels of the nnterm UI: each draws what a Snapshot gives it, nothing more.

Every widget has ``update_snapshot(snapshot)``, which stores what it needs and refreshes
only when that changed, plus its own view toggles.
"""

from nnterm.app.widgets.architecture import ArchitectureEditor
from nnterm.app.widgets.boundary import DecisionBoundary
from nnterm.app.widgets.grad_histogram import GradientHistogram
from nnterm.app.widgets.heatmap import WeightHeatmap
from nnterm.app.widgets.lesson import LessonPanel
from nnterm.app.widgets.loss_plot import LossPlot
from nnterm.app.widgets.status_line import StatusLine

__all__ = [
    "ArchitectureEditor",
    "DecisionBoundary",
    "GradientHistogram",
    "LessonPanel",
    "LossPlot",
    "StatusLine",
    "WeightHeatmap",
]
