"""RedrawnPlot: a plotext plot that a subclass rebuilds whole in ``_draw``.

plotext keeps no scene: every change means clearing the figure and plotting again. This
base class does that when the plot is mounted, resized or told to (``redraw``), so the
subclasses only say what to plot.
"""

from __future__ import annotations

from textual_plotext import PlotextPlot


class RedrawnPlot(PlotextPlot):
    """A plot rebuilt by ``_draw`` on mount, on resize and on ``redraw()``."""

    def on_mount(self) -> None:
        super().on_mount()
        self._draw()

    def on_resize(self) -> None:
        self._draw()

    def redraw(self) -> None:
        """Rebuild the plot now (nothing before it is mounted: mounting draws it)."""
        if self.is_mounted:
            self._draw()

    def _draw(self) -> None:
        raise NotImplementedError
