"""The plotext plots' bases: ``PaintedPlot`` repaints only the rows a new plot changed,
``RedrawnPlot`` rebuilds itself on mount, on resize and when told to.

plotext keeps no scene: every change means clearing the figure and plotting again, and
its picture is a block of text. Its ``build`` changes the figure (a log axis applies
log10 to the data again), so a figure is built once; a new size or theme plots afresh.
``PaintedPlot`` builds that text once per change (``paint``) and refreshes only its rows
that differ from the shown ones: a curve that grew by one point changes a few rows of the
plot, not all of them.
"""

from __future__ import annotations

from textual.app import RenderResult
from textual_plotext import PlotextPlot

from nnterm.app.widgets._repaint import RowRepaint

#: Rows of a plot here that are not its canvas: plotext gives one each to the title, the
#: frame's top and bottom, the x tick labels and the x label, and every plot here has all.
CHROME_ROWS = 5


class PaintedPlot(RowRepaint, PlotextPlot):
    """A plotext plot that subclasses plot in ``_draw`` and end with ``paint()`` (not
    ``refresh()``)."""

    _picture: RenderResult | None = None
    _picture_key: tuple | None = None
    _built = False  # the figure plotted last was built: building it again needs a replot
    _replotting = False

    @property
    def canvas_rows(self) -> int:
        """The rows its data is drawn on (what ``ticks_on_rows`` places ticks on)."""
        return max(0, self.size.height - CHROME_ROWS)

    def paint(self) -> bool:
        """Build the plot as it stands and repaint the rows it changed."""
        self._picture_key, self._built = None, False
        return False if self._replotting else self.repaint()

    def render(self) -> RenderResult:
        """The plot built once per change (and again on resize or a theme change), not at
        every repaint of a few of its rows."""
        key = (self.size, self.app.theme)
        if key != self._picture_key:
            if self._built:  # plotext's build changes its figure (a log axis is logged
                self._replotting = True  # again): plot afresh before building it again
                try:
                    self._draw()
                finally:
                    self._replotting = False
            self._picture, self._picture_key = super().render(), key
            self._built = True
        assert self._picture is not None, "built above, at this key or before"
        return self._picture

    def _draw(self) -> None:
        """Clear the figure, plot, then ``paint()``."""
        raise NotImplementedError


class RedrawnPlot(PaintedPlot):
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
