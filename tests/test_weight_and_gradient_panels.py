"""The weight heatmap and the gradient histogram draw what a hand-made snapshot gives them:
colours and glyphs, each layer stacked with its shape, bands round the median, the
per-layer table, image tiles, all-zero and NaN values said in words."""

from __future__ import annotations

import dataclasses
import math
from itertools import groupby

import numpy as np
import pytest
from hand_made_snapshots import LAYERS, Host, cell, lines, make_layer, make_snapshot, redness
from textual.app import App, ComposeResult

from nnterm.app.widgets.architecture import ArchitectureEditor
from nnterm.app.widgets.boundary import DecisionBoundary
from nnterm.app.widgets.grad_histogram import GradientHistogram
from nnterm.app.widgets.heatmap import WeightHeatmap, allot_rows, tile_grid
from nnterm.app.widgets.loss_plot import LossPlot
from nnterm.app.widgets.status_line import StatusLine
from nnterm.engine.live.snapshot import Series
from nnterm.engine.training.telemetry import HIST_BINS


async def test_gradient_histogram_bands_median_legend_and_table():
    hist = GradientHistogram(color_mode="mono")
    async with Host(hist).run_test(size=(90, 21)) as pilot:
        assert hist.update_snapshot(make_snapshot())
        await pilot.pause()
        rows = lines(hist)
        text = "\n".join(rows)
        assert "L1/3 2→16 tanh" in rows[0] and "‖g‖ 0.5" in rows[0]
        assert "L1" in text and "L2" in text and "out" in text  # the per-layer table
        # a linear axis symmetric about 0: the largest |value| 0.12 rounded up to 0.2
        assert rows[1].lstrip().startswith("200m┤") and rows[-3].lstrip().startswith("-200m┤")
        zero = next(y for y, row in enumerate(rows) if row.lstrip().startswith("0┤"))
        assert "━" in rows[zero]  # the median (1e-5) in the row from 0 up
        column = "".join(row[7] for row in rows[1:-2])  # one step's column, top to bottom
        # from the median outwards (a cell is 0.022 high, the 38 % band ±0.01 lies in the
        # median's cell above 0, and the cell below it): 68 %, 86 %, all, then nothing
        above, below = column[:zero - 1][::-1], column[zero:]
        assert "".join(k for k, _ in groupby(above)) == "▓▒░ "
        assert "".join(k for k, _ in groupby(below)) == "█▓▒░ "
        assert "░ all ▒ 86% ▓ 68% █ 38% of the values  ━ median" in rows[-1]
        assert not hist.update_snapshot(make_snapshot())  # equal arrays: nothing to redraw

        hist.next_layer()
        await pilot.pause()
        assert hist.selected_layer == 1
        assert lines(hist)[0].startswith("L2/3 16→8 tanh")
        hist.select_layer(10)
        assert hist.selected_layer == 2


async def test_the_gradient_table_shows_a_dash_where_no_ratio_exists_yet():
    at_step_0 = tuple(dataclasses.replace(v, update_ratio=math.nan) for v in LAYERS)
    hist = GradientHistogram(color_mode="mono")
    async with Host(hist).run_test(size=(90, 21)) as pilot:
        hist.update_snapshot(make_snapshot(step=0, layers=at_step_0))
        await pilot.pause()
        table = [row[-27:] for row in lines(hist)[1:5]]  # its head and one row a layer
        assert "u/w" in table[0]
        assert all(row.rstrip().endswith("–") for row in table[1:]), table
        assert "nan" not in "\n".join(lines(hist))


async def test_the_gradient_axis_fits_the_steps_shown_not_the_first_ones():
    # 200 logged steps in ~55 columns: step 0's large gradients fall between columns
    layer = make_layer(0, np.linspace(-1, 1, 32).reshape(2, 16), t=200)
    band = layer.grad_band.copy()
    band[0] *= 40  # ±4.8 at step 0 only
    first = dataclasses.replace(layer, grad_band=band)
    hist = GradientHistogram(color_mode="mono")
    async with Host(hist).run_test(size=(90, 21)) as pilot:
        hist.update_snapshot(make_snapshot(layers=(first, *LAYERS[1:])))
        await pilot.pause()
        rows = lines(hist)
        assert rows[1].lstrip().startswith("200m┤")  # not 5┤ with every column flat
        assert sum("▓" in row for row in rows) > 2  # the bands have height


async def test_gradient_shades_darken_towards_the_median_on_either_theme():
    hist = GradientHistogram(color_mode="truecolor")
    async with Host(hist).run_test(size=(60, 21)) as pilot:
        hist.update_snapshot(make_snapshot())
        for dark in (True, False):
            pilot.app.theme = "textual-dark" if dark else "textual-light"
            await pilot.pause()
            legend = hist.render_line(hist.size.height - 1)
            shades = [seg.style.color.triplet for seg in legend if seg.text in "░▒▓█"
                      and seg.text and seg.style and seg.style.color]
            assert len(shades) == 4
            lightness = [sum(c) for c in shades]  # outermost first
            # towards the median: brighter on a dark background, darker on a light one
            assert lightness == sorted(lightness, reverse=not dark)


async def test_heatmap_colours_positive_red_negative_blue():
    heat = WeightHeatmap(color_mode="truecolor")
    async with Host(heat).run_test(size=(40, 12)) as pilot:
        w = np.array([[-1.0, 1.0], [-1.0, 1.0]])
        snap = make_snapshot(layers=(make_layer(0, w), make_layer(1, np.ones((2, 2)), "output")))
        assert heat.update_snapshot(snap)
        await pilot.pause()
        rows = lines(heat)
        assert rows[0].startswith("▸L1 2×2") and rows[1].strip().startswith("±1")
        left, right = rows[0].index("▀"), rows[0].rindex("▀")
        char, style = cell(heat, left, 0)
        assert char == "▀" and redness(style) < 0  # negative: blue
        r, _, b = style.bgcolor.triplet
        assert b > r
        _, style = cell(heat, right, 0)
        assert redness(style) > 0  # positive: red
        assert rows[-1].startswith("−max|w| ") and "+max|w| of each layer" in rows[-1]
        assert not heat.update_snapshot(snap)


async def test_heatmap_stacks_every_layer_labelled_with_its_shape():
    heat = WeightHeatmap(color_mode="mono")
    big = np.linspace(-1, 1, 96 * 40).reshape(96, 40)
    layers = (make_layer(0, np.ones((2, 16))), make_layer(1, big),
              make_layer(2, np.full((40, 3), -0.5), "output"))
    async with Host(heat).run_test(size=(60, 16)) as pilot:
        heat.update_snapshot(make_snapshot(layers=layers))
        await pilot.pause()
        rows = lines(heat)
        labels = [row[:14].strip() for row in rows[:-1]]
        starts = [labels.index(name) for name in ("▸L1 2×16", "L2 96×40", "out 40×3")]
        assert starts == sorted(starts)  # first layer on top, the output at the bottom
        # a matrix bigger than its rows and columns says what is shown of it
        l2 = labels[starts[1]:starts[2]]
        assert any(t.startswith("shown ") for t in l2) and "±1" in l2
        shown = next(t for t in l2 if t.startswith("shown ")).split()[1]
        rows_shown, cols_shown = (int(n) for n in shown.split("×"))
        assert rows_shown < 96 and cols_shown == (60 - 14) // 2 < 40
        assert "±0.5" in labels[starts[2]:]
        assert not any(t.startswith("shown") for t in labels[:starts[1]])  # 2×16 fits whole
        heat.next_layer()
        await pilot.pause()
        assert [row[:14].strip() for row in lines(heat)].count("▸L2 96×40") == 1


@pytest.mark.parametrize(("minimum", "wanted", "available", "allotted"), [
    ([3, 3], [3, 10], 20, [3, 10]),  # everything fits
    ([3, 3], [5, 13], 10, [3 + 4 * 2 // 12, 3 + 4 * 10 // 12]),  # the spare shared
    ([3, 3], [3, 3], 5, None),  # not even the labels fit
])
def test_heatmap_rows_are_shared_by_what_each_layer_wants(minimum, wanted, available, allotted):
    assert allot_rows(minimum, wanted, available) == allotted


async def test_heatmap_falls_back_to_glyphs_without_colour(monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    heat = WeightHeatmap()
    async with Host(heat).run_test(size=(40, 12)) as pilot:
        assert heat.color_mode == "mono"  # detected from NO_COLOR
        w = np.array([[-1.0, 1.0], [-1.0, 1.0]])
        heat.update_snapshot(make_snapshot(layers=(make_layer(0, w),)))
        await pilot.pause()
        body = lines(heat)[0][14:]
        glyphs = body.strip()
        negative, positive = glyphs[0], glyphs[-1]
        assert negative != positive
        assert negative not in " ▀" and positive not in " ▀"
        colours = {seg.style.color for seg in heat.render_line(0) if seg.style.color}
        assert len(colours) <= 1  # at most the widget's own foreground: no colour scale

        heat.set_color_mode("ansi")
        await pilot.pause()
        body = heat.render_line(0)
        colours = {seg.style.color.name for seg in body if "█" in seg.text}
        assert colours == {"red", "blue"}  # named ANSI colours for the sign
        assert "█" in body.text


async def test_a_diverged_snapshot_full_of_nan_draws_without_error():
    nan_layer = dataclasses.replace(
        make_layer(0, np.full((3, 4), np.nan)),
        grad_norm=float("nan"), update_ratio=float("nan"),
        grad_band=np.full((5, 9), np.nan), grad_hist=np.zeros(HIST_BINS),
    )
    empty = Series(
        steps=np.zeros(0, np.int64), train_loss=np.zeros(0), val_loss=np.zeros(0),
        train_acc=None, val_acc=None,
    )
    snap = make_snapshot(
        status="diverged", series=empty, layers=(nan_layer,), train_loss=float("nan"),
        val_loss=float("nan"), train_acc=None, val_acc=None,
    )

    class All(App):
        def compose(self) -> ComposeResult:
            yield StatusLine()
            yield LossPlot()
            yield GradientHistogram()
            yield WeightHeatmap(color_mode="truecolor")
            yield DecisionBoundary()
            yield ArchitectureEditor()

    app = All()
    async with app.run_test(size=(100, 80)) as pilot:
        for widget in app.query("*"):
            if hasattr(widget, "update_snapshot"):
                widget.update_snapshot(snap)
        await pilot.pause()
        assert "diverged" in app.query_one(StatusLine).text.plain
        gradients = app.query_one(GradientHistogram)
        assert "nan" in gradients.render_line(0).text
        assert "diverged" in gradients.render_line(1).text  # never "exactly 0" for NaN
        heat = app.query_one(WeightHeatmap)
        assert "±nan" in heat.render_line(1).text  # never 0 for weights all NaN
        assert "▀" in heat.render_line(0).text  # NaN cells are drawn (in magenta), not skipped
        assert "no points yet" in app.query_one(LossPlot).render().plain


async def test_heatmap_draws_image_tiles_on_request():
    tiles = np.stack([np.eye(4) * (k + 1) for k in range(3)])
    first = dataclasses.replace(LAYERS[0], tiles=tiles)
    heatmap = WeightHeatmap(color_mode="mono")
    async with Host(heatmap).run_test(size=(60, 12)) as pilot:
        heatmap.update_snapshot(make_snapshot(layers=(first, *LAYERS[1:])))
        heatmap.show_tiles(True)
        await pilot.pause()
        text = "\n".join(lines(heatmap))
        assert "3 units as" in text and "4×4 images" in text
        assert heatmap.tiles_shown
    grid = tile_grid(tiles, width=9)  # two 4-wide tiles and a gap fit in 9 columns
    assert grid.shape == (9, 9)
    np.testing.assert_array_equal(grid[5:9, 0:4], tiles[2])
    assert not grid[4].any() and not grid[:, 4].any()


async def test_an_all_zero_gradient_is_said_in_words():
    hist = np.zeros(HIST_BINS)
    hist[HIST_BINS // 2] = 50  # every entry in the |g| < 1e-8 bin
    dead = dataclasses.replace(LAYERS[0], grad_hist=hist, grad_norm=0.0)
    panel = GradientHistogram(color_mode="mono")
    async with Host(panel).run_test(size=(60, 12)) as pilot:
        panel.update_snapshot(make_snapshot(layers=(dead, *LAYERS[1:])))
        await pilot.pause()
        assert "exactly 0" in "\n".join(lines(panel))
        panel.select_layer(1)
        await pilot.pause()
        assert "exactly 0" not in "\n".join(lines(panel))


async def test_a_dead_layers_note_wraps_instead_of_being_cut():
    counts = np.zeros(HIST_BINS)
    counts[HIST_BINS // 2] = 100  # every gradient in the zero bin
    dead = dataclasses.replace(LAYERS[0], grad_norm=0.0, grad_hist=counts)
    gradients = GradientHistogram()
    async with Host(gradients).run_test(size=(35, 10)) as pilot:
        gradients.update_snapshot(make_snapshot(layers=(dead, *LAYERS[1:])))
        await pilot.pause()
        text = " ".join(" ".join(lines(gradients)).split())
        assert "every gradient of this layer is exactly 0: nothing here learns" in text
