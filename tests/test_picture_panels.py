"""The pictures other than the boundary, drawn from hand-made snapshots: image samples with
each run's guesses, the profile over depth, the sample text, the loss landscape, the fit
plot and the surface."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from hand_made_snapshots import RUNS, Host, lines, make_snapshot, tick_rows

from nnterm.app.widgets._common import RUN_RGB
from nnterm.app.widgets.depth_profile import DepthProfile
from nnterm.app.widgets.fit_plot import FitPlot
from nnterm.app.widgets.image_samples import ImagePanel
from nnterm.app.widgets.landscape import LossLandscape, band_rgb
from nnterm.app.widgets.samples import SampleText
from nnterm.app.widgets.surface import SurfacePanel
from nnterm.engine.live.landscape import bands
from nnterm.engine.live.snapshot import FitCurve, ImageSamples, Landscape, Surface


async def test_image_panel_shows_images_their_class_and_each_runs_guess():
    images = np.zeros((3, 4, 4))
    images[0, 0] = images[1, :, 0] = images[2, 3] = 1.0  # a bright row, a column, a row
    samples = ImageSamples(images=images, labels=np.array([0, 1, 0]), guesses=(
        ("base", 0, np.array([0, 1, 1])), ("wide", 1, np.array([0, 0, 0]))))
    panel = ImagePanel(color_mode="mono")
    async with Host(panel).run_test(size=(60, 12)) as pilot:
        assert panel.update_snapshot(make_snapshot(images=samples))
        await pilot.pause()
        rows = lines(panel)
        assert "guesses ✓/✗" in rows[0]
        assert rows[1].startswith("█" * 8)  # image 0's bright top row, 2 cells a pixel
        captions = next(row for row in rows if row.startswith("class 0"))
        assert captions.split() == ["class", "0", "class", "1", "class", "0"]
        marks = rows[rows.index(captions) + 1].split()
        assert marks == ["✓✓", "✓✗", "✗✓"]  # base, wide: right or wrong per image
        panel.set_color_mode("truecolor")
        await pilot.pause()
        row = panel.render_line(rows.index(captions) + 1)
        colours = [seg.style.color for seg in row if seg.text in ("✓", "✗")]
        assert colours[0] != colours[1]  # each run's mark in its colour


async def test_the_depth_profile_draws_every_run_and_switches_metric():
    profile = DepthProfile()
    async with Host(profile).run_test(size=(60, 20)) as pilot:
        assert profile.update_snapshot(make_snapshot(runs=RUNS))
        await pilot.pause()
        text = profile.render().plain
        assert "output spread (log)" in text and "0.01" in text and "0.1" in text
        draws = profile.draws
        assert not profile.update_snapshot(make_snapshot(runs=RUNS))
        assert profile.draws == draws
        profile.show_metric("grad_norm")
        await pilot.pause()
        text = profile.render().plain
        assert "gradient norm" in text and "1e-4" in text
        nothing = tuple(dataclasses.replace(v, grad_norm=(math.nan,)) for v in RUNS)
        profile.update_snapshot(make_snapshot(runs=nothing))
        await pilot.pause()
        assert "no finite values yet" in profile.render().plain


async def test_the_samples_panel_keeps_the_last_text_until_new_text_comes():
    panel = SampleText()
    rows = (("base", ("emma", "liam")), ("bigram", ("qzx",)), ("real", ("mary",)))
    async with Host(panel).run_test(size=(60, 10)) as pilot:
        assert not panel.update_snapshot(make_snapshot(runs=RUNS))
        assert "waiting" in panel.render().plain
        assert panel.update_snapshot(make_snapshot(runs=RUNS, samples=rows))
        assert not panel.update_snapshot(make_snapshot(runs=RUNS))  # no new text: keep
        await pilot.pause()
        text = panel.render().plain
        assert "base: emma liam" in text and "bigram: qzx" in text and "real: mary" in text


LANDSCAPE = Landscape(
    extent=(-1.0, 1.0, -1.0, 1.0),
    bands=bands(np.fromfunction(lambda r, c: (r - 8.0) ** 2 + 0.01 * (c - 8.0) ** 2 + 1e-3,
                                (16, 16))),
    optimum=(0.0, 0.0),
    paths=(("base", 0, np.array([[-0.9, 0.9], [-0.5, 0.5], [-0.1, 0.1]])),
           ("wild", 1, np.array([[-0.9, 0.9], [5.0, -5.0]]))),
)


def braille_cells(rows: list[str]) -> set[tuple[int, int]]:
    return {(y, x) for y, row in enumerate(rows) for x, ch in enumerate(row)
            if "\u2801" <= ch <= "\u28ff"}


async def test_the_landscape_joins_each_path_into_a_line_and_marks_the_optimum():
    """A path is a line from point to point (it was a dot per point: three loose dots)."""
    panel = LossLandscape(color_mode="mono")
    async with Host(panel).run_test(size=(40, 12)) as pilot:
        assert panel.update_snapshot(make_snapshot(landscape=LANDSCAPE))
        await pilot.pause()
        shown = lines(panel)
        legend = next(i for i, row in enumerate(shown) if "● base" in row)
        picture = "\n".join(shown[:legend])
        assert picture.count("●") == 1 and "+" in picture and "»" in picture
        assert shown[-1].startswith("w1 -1…1")
        line = braille_cells(shown[:legend])
        # base goes from the top-left corner to the middle: one cell after another
        assert len(line) >= 15
        for y, x in line:
            neighbours = {(y + dy, x + dx) for dy in (-1, 0, 1) for dx in (-1, 0, 1)} - {(y, x)}
            assert neighbours & (line | {(y, x) for y, row in enumerate(shown[:legend])
                                         for x, ch in enumerate(row) if ch == "●"})
        assert not panel.update_snapshot(make_snapshot(landscape=LANDSCAPE))


async def test_the_landscapes_legend_names_every_run_in_its_colour():
    panel = LossLandscape(color_mode="truecolor")
    async with Host(panel).run_test(size=(40, 12)) as pilot:
        panel.update_snapshot(make_snapshot(landscape=LANDSCAPE))
        await pilot.pause()
        legend = next(y for y in range(12) if "● base" in lines(panel)[y])
        assert "● wild" in lines(panel)[legend] and "+ optimum" in lines(panel)[legend]
        colours = {segment.text.split()[-1]: segment.style.color.triplet
                   for segment in panel.render_line(legend) if "●" in segment.text}
        assert colours == {name: RUN_RGB[i] for i, name in enumerate(("base", "wild"))}


@pytest.mark.parametrize("top", [1, 4, 9, 20])
def test_every_runs_colour_stands_out_on_every_band_of_the_landscape(top):
    """The map was grey on grey: a path must keep a contrast of 3:1 (WCAG, graphics)."""
    def luminance(rgb):
        c = [v / 255 for v in rgb]
        c = [v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4 for v in c]
        return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2]

    for band in range(top + 1):
        under = luminance(band_rgb(band, top))
        for colour in RUN_RGB:
            assert (luminance(colour) + 0.05) / (under + 0.05) >= 3.0, (band, colour)
    assert band_rgb(1, top) != band_rgb(0, top)  # neighbouring bands differ: contours


async def test_the_fit_plot_draws_the_data_and_every_curve():
    x = np.linspace(-1, 1, 30)
    fit = FitCurve(x=x, curves=(("base", 0, np.sin(3 * x)), ("wild", 1, 50 * x)),
                   train_x=x[::3], train_y=np.sin(3 * x[::3]))
    plot = FitPlot()
    async with Host(plot).run_test(size=(60, 16)) as pilot:
        assert plot.update_snapshot(make_snapshot(fit=fit))
        await pilot.pause()
        text = plot.render().plain
        assert "prediction" in text and "•" in text
        top = tick_rows(text)[0][1]
        assert top < 2  # the axis keeps to the data, however wild a fit
        assert not plot.update_snapshot(make_snapshot(fit=fit))


async def test_the_fit_plots_title_fits_and_its_ticks_are_round_on_spaced_rows():
    """universal_approximation at 120x40: the title was cut ("prediction (lines) over …"),
    x read "-3.8 -1.9 -0.0 1.9 3.7" and the y labels sat on adjacent rows."""
    x = np.linspace(-1.2 * np.pi, 1.2 * np.pi, 120)
    fit = FitCurve(x=x, curves=(("base", 0, 0.3 * np.tanh(x)),), train_x=x[::4],
                   train_y=np.sin(3 * x[::4]))
    plot = FitPlot()
    async with Host(plot).run_test(size=(35, 16)) as pilot:
        plot.update_snapshot(make_snapshot(fit=fit))
        await pilot.pause()
        text = plot.render().plain
        title = text.splitlines()[0].strip()
        assert "…" not in title and "lines" in title and "dots" in title
        ticks = tick_rows(text)
        rows = [y for y, _ in ticks]
        assert len({b - a for a, b in zip(rows, rows[1:], strict=False)}) == 1
        assert rows[1] - rows[0] >= 2 and len(ticks) >= 3
        x_labels = text.splitlines()[-2].split()
        assert x_labels == ["-2", "0", "2"]
        assert not any(label in ("-0", "-0.0") for label in x_labels)
        assert all(value == round(value) for _, value in ticks)  # 2, 1, 0, -1, -2


async def test_the_surface_colours_the_prediction_and_shows_the_points():
    values = np.fromfunction(lambda r, c: (c - 10.0) / 10.0, (20, 20))  # left blue, right red
    surface = Surface(extent=(-1.0, 1.0, -1.0, 1.0), values=values,
                      train_points=np.array([[0.5, 0.5]]), train_targets=np.array([0.7]))
    panel = SurfacePanel(color_mode="ansi")
    async with Host(panel).run_test(size=(40, 12)) as pilot:
        assert panel.update_snapshot(make_snapshot(surface=surface))
        await pilot.pause()
        shown = lines(panel)
        assert "o" in "".join(shown) and shown[-1].startswith("prediction: blue −1")
        row = shown[2]
        assert row.strip()[0] in "▓█" and row.strip()[-1] in "▓█"  # strong at both ends
        assert not panel.update_snapshot(make_snapshot(surface=surface))
