"""A sweep's summary curve drawn with plotext: in the app's sweep view, after
``nnterm run`` in the terminal, and saved as SVG (``--plot``).

``draw_summary(plt, summary, colours)`` draws on any plotext-like ``plt`` (the
``plotext`` module, or a ``PlotextPlot``'s ``plt``): one line of points per
``SweepLine`` in its colour, joined by a line or, where a power law was fitted, with
that law drawn through them, and the marked x value (the interpolation threshold) as a
vertical line. The legend (``legend_text``: each line's colour, name, fitted exponent
and R²) goes under the plot, not inside it: plotext puts it in the top left corner,
where a falling curve's first points are.
"""

from __future__ import annotations

import io
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.terminal_theme import MONOKAI
from rich.text import Text

from nnterm.app.widgets.axis_ticks import decade_label, log_ticks
from nnterm.engine.experiments.sweep_summary import SweepSummary

MARK_COLOUR = "gray"


def line_legend(line) -> str:
    """``base`` or ``base: ∝ x^-1.78, R² 0.991`` (with a fit)."""
    text = line.label
    if line.fit is not None:
        text += f": ∝ x^{line.fit.exponent:.2f}, R² {line.fit.r2:.3f}"
    if line.missing:
        text += f" ({line.missing} diverged)"
    return text


def draw_summary(plt, summary: SweepSummary, colours: Sequence[object]) -> None:
    """Draw ``summary`` on ``plt`` (cleared first); line i takes ``colours[i]``."""
    plt.clear_figure()
    if not any(line.xs for line in summary.lines):
        plt.title("waiting for the first run to finish")
        return
    # log axes by hand (log10 of the values, ticks at round values): plotext's own log
    # scale ticks at values such as 75.2 and 282.8, and logs again on every build
    fx = np.log10 if summary.log_x else np.asarray
    fy = np.log10 if summary.log_y else np.asarray
    plt.xlabel(summary.x_label + (" (log)" if summary.log_x else ""))
    plt.ylabel(summary.y_label + (" (log)" if summary.log_y else ""))
    drawn_x: list[float] = []
    drawn_y: list[float] = []
    for i, line in enumerate(summary.lines):
        colour = colours[i % len(colours)]
        if not line.xs:
            continue
        if line.fit is not None and len(line.xs) >= 2:  # the points and the law through them
            xs = np.geomspace(min(line.xs), max(line.xs), 60)
            ys = line.fit.coefficient * xs ** line.fit.exponent
        else:  # the points joined
            xs, ys = np.asarray(line.xs, float), np.asarray(line.ys, float)
        plt.plot(fx(xs).tolist(), fy(ys).tolist(), color=colour, marker="braille")
        px, py = fx(np.asarray(line.xs, float)).tolist(), fy(np.asarray(line.ys, float)).tolist()
        plt.scatter(px, py, color=colour, marker="●")
        drawn_x += px
        drawn_y += py
    for log, drawn, ticks in ((summary.log_x, drawn_x, plt.xticks),
                              (summary.log_y, drawn_y, plt.yticks)):
        if log and drawn:
            at = log_ticks(min(drawn), max(drawn))
            ticks(at, [decade_label(t) for t in at])
    if summary.mark is not None:
        label, x = summary.mark
        plt.vline(float(fx(x)), MARK_COLOUR)
        plt.title(f"│ {label}")


def legend_text(summary: SweepSummary, colours: Sequence[str]) -> Text:
    """One entry per line, ``■ name: ∝ x^-1.78, R² 0.991`` with ■ in Rich colour
    ``colours[i]``, then the mark (``│ interpolation threshold``)."""
    out = Text()
    for i, line in enumerate(summary.lines):
        if i:
            out.append("   ")
        out.append("■ ", style=colours[i % len(colours)])
        out.append(line_legend(line))
    if summary.mark is not None:
        out.append(("   " if summary.lines else "") + f"│ {summary.mark[0]}", style="dim")
    return out


#: Rich colour names of the chart's lines (the same colours as CHART_COLOURS).
LEGEND_COLOURS = ("cyan", "yellow", "green", "magenta", "bright_yellow", "bright_blue",
                  "white", "bright_black")
#: plotext colour names for the terminal and SVG chart, in the app's run order.
CHART_COLOURS = ("cyan", "orange", "green", "magenta", "yellow", "blue+", "white", "gray")


def chart_text(summary: SweepSummary, width: int = 100, height: int = 24) -> Text:
    """The chart as rich Text (ANSI colours) of ``width`` x ``height`` cells."""
    import plotext

    plotext.clear_figure()
    plotext.plotsize(width, height)
    plotext.theme("clear")  # the terminal's (or the picture's) own background
    draw_summary(plotext, summary, CHART_COLOURS)
    chart = Text.from_ansi(plotext.build(), no_wrap=True, overflow="crop")
    return Text("\n").join([chart, legend_text(summary, LEGEND_COLOURS)])


def save_svg(summary: SweepSummary, path: str | Path, title: str,
             width: int = 100, height: int = 28) -> None:
    """Write the chart to ``path`` as SVG (a picture of the terminal chart), atomically:
    a temporary file in the same folder, then renamed over ``path``."""
    console = Console(record=True, width=width + 2, file=io.StringIO(),
                      color_system="truecolor")
    console.print(chart_text(summary, width, height))
    svg = console.export_svg(title=title, theme=MONOKAI)
    target = Path(path)
    fd, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent or ".")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(svg)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
