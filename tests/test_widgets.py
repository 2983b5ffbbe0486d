"""The panels draw what a hand-made Snapshot gives them (no trainer, no sleeps)."""

from __future__ import annotations

import dataclasses
import math
from itertools import groupby

import numpy as np
import pytest
from textual.app import App, ComposeResult
from textual.widget import Widget

from nnterm.app.widgets import (
    ArchitectureEditor,
    DecisionBoundary,
    GradientHistogram,
    LossPlot,
    StatusLine,
    WeightHeatmap,
)
from nnterm.app.widgets import loss_plot as loss_plot_module
from nnterm.app.widgets._common import (
    decade_label,
    fmt_power_of_ten,
    header_lines,
    log_ticks,
    round_ticks,
    si_label,
    tick_label,
    ticks_on_rows,
    zero_based_ticks,
)
from nnterm.app.widgets.heatmap import allot_rows, tile_grid
from nnterm.app.widgets.image_samples import ImagePanel
from nnterm.engine.live.snapshot import Boundary, ImageSamples, LayerView, Series, Snapshot
from nnterm.engine.training.config import Config, ModelConfig
from nnterm.engine.training.telemetry import HIST_BINS

# ----------------------------------------------------------------------------- snapshots


def make_series(n: int = 40, accuracy: bool = True) -> Series:
    steps = np.arange(n, dtype=np.int64) * 10
    train = np.exp(-steps / 150.0) + 0.05
    val = np.full(n, np.nan)
    val[::4] = train[::4] + 0.1
    return Series(
        steps=steps,
        train_loss=train,
        val_loss=val,
        train_acc=1 - train / 2 if accuracy else None,
        val_acc=1 - val / 2 if accuracy else None,
    )


def make_layer(index: int, weights: np.ndarray, activation: str = "tanh", t: int = 20) -> LayerView:
    hist = np.zeros(HIST_BINS)
    hist[8:14] = [1, 3, 6, 9, 4, 2]  # negative gradients around 1e-4 .. 1e-2
    hist[27:33] = [2, 4, 9, 6, 3, 1]
    # percentiles min, 7, 16, 31, 50, 69, 84, 93 %, max: a spread of about ±0.1
    band = np.tile([-0.12, -0.08, -0.04, -0.01, 1e-5, 0.01, 0.04, 0.08, 0.12], (t, 1))
    return LayerView(
        index=index,
        fan_in=weights.shape[0],
        fan_out=weights.shape[1],
        activation=activation,
        init="torch_default",
        dropout=0.0,
        frozen=False,
        weights=weights,
        pooled=False,
        grad_norm=0.5 * (index + 1),
        update_ratio=-3.0 + index,
        grad_hist=hist,
        weight_hist=hist,
        grad_band=band,
        band_steps=np.arange(t, dtype=np.int64) * 10,
        dead_frac=0.0,
        saturation=0.0,
    )


def make_boundary() -> Boundary:
    xs = np.linspace(-1, 1, 16)
    gx, gy = np.meshgrid(xs, xs[::-1])
    classes = (gx > 0).astype(np.int64)  # class 1 on the right half
    confidence = np.clip(0.5 + np.abs(gx), 0.5, 1.0)
    return Boundary(
        extent=(-1.0, 1.0, -1.0, 1.0),
        classes=classes,
        confidence=confidence,
        train_points=np.array([[-0.8, 0.8], [0.8, -0.8]]),
        train_labels=np.array([0, 1]),
        val_points=np.array([[0.8, 0.8]]),
        val_labels=np.array([1]),
    )


CONFIG = Config(model=ModelConfig(hidden=(16, 8), activation="tanh"))
LAYERS = (
    make_layer(0, np.linspace(-1, 1, 32).reshape(2, 16)),
    make_layer(1, np.ones((16, 8))),
    make_layer(2, np.ones((8, 2)), "output"),
)


def make_snapshot(step: int = 390, **changes) -> Snapshot:
    snapshot = Snapshot(
        run="base",
        config=CONFIG,
        step=step,
        epoch=1.25,
        status="training",
        paused=False,
        stop_reason="",
        steps_per_second=812.0,
        lr=0.03,
        batch_size=32,
        n_params=202,
        train_loss=0.1234,
        val_loss=0.2345,
        train_acc=0.95,
        val_acc=0.9,
        series=make_series(),
        layers=LAYERS,
        boundary=make_boundary(),
        diagnoses=(),
    )
    return dataclasses.replace(snapshot, **changes)


# ----------------------------------------------------------------------------- host app


class Host(App):
    """Mounts one widget and records the messages it posts."""

    def __init__(self, widget: Widget) -> None:
        super().__init__()
        self.widget = widget
        self.selected: list[int] = []

    def compose(self) -> ComposeResult:
        yield self.widget

    def on_architecture_editor_selected(self, message: ArchitectureEditor.Selected) -> None:
        self.selected.append(message.index)


def lines(widget: Widget) -> list[str]:
    return [widget.render_line(y).text for y in range(widget.size.height)]


def cell(widget: Widget, x: int, y: int):
    """(character, Rich style) of the widget's content cell (x, y)."""
    pos = 0
    for segment in widget.render_line(y):
        if pos <= x < pos + len(segment.text):
            return segment.text[x - pos], segment.style
        pos += len(segment.text)
    raise IndexError((x, y))


def redness(style) -> int:
    """Red minus blue of a style's foreground (truecolor)."""
    r, _, b = style.color.triplet
    return r - b


# ----------------------------------------------------------------------------- LossPlot


async def test_loss_plot_draws_curves_markers_accuracy_and_log(monkeypatch):
    clock = [100.0]
    monkeypatch.setattr(loss_plot_module, "monotonic", lambda: clock[0])
    plot = LossPlot()
    async with Host(plot).run_test(size=(80, 20)) as pilot:
        snap = make_snapshot(diagnoses=(("dead_relu", 200, "half the ReLUs are dead"),))
        assert plot.update_snapshot(snap)
        await pilot.pause()
        text = plot.render().plain
        assert "train" in text and "val" in text
        assert "loss" in text and "dead_relu @ 200" in text
        # the marker: one column of '│' inside the frame, crossing the whole canvas
        rows = text.splitlines()[2:-4]
        marker_cols = [
            x for x in range(6, 78) if sum(r[x : x + 1] == "│" for r in rows) >= len(rows) - 1
        ]
        assert marker_cols

        draws = plot.draws
        assert not plot.update_snapshot(snap)  # same data: no redraw
        assert plot.draws == draws

        # a second snapshot within 1/4 s waits for the timer (or flush)
        clock[0] += 0.05
        assert plot.update_snapshot(make_snapshot(step=400))
        assert plot.draws == draws
        plot.flush()
        assert plot.draws == draws + 1

        plot.show_accuracy(True)
        await pilot.pause()
        assert "accuracy" in plot.render().plain
        plot.show_accuracy(False)
        plot.set_log_scale(True)
        await pilot.pause()
        text = plot.render().plain
        assert "loss (log)" in text
        plot.refresh()  # plotext rebuilds on every render: a second build must work too
        await pilot.pause()
        assert "loss (log)" in plot.render().plain

        regression = make_snapshot(step=500, series=make_series(accuracy=False))
        plot.update_snapshot(regression)
        plot.set_log_scale(False)
        plot.show_accuracy(True)
        await pilot.pause()
        assert "no accuracy" in plot.render().plain


# ----------------------------------------------------------------------------- histogram


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


@pytest.mark.parametrize(("value", "label"), [
    (0.01, "10m"), (-2e-4, "-200µ"), (1.5, "1.5"), (0.0, "0"), (5e-9, "5n"), (999.9, "1k"),
])
def test_si_labels_are_short(value, label):
    assert si_label(value) == label


# ----------------------------------------------------------------------------- heatmap


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


# ----------------------------------------------------------------------------- boundary


async def test_boundary_regions_points_and_validation():
    view = DecisionBoundary(color_mode="truecolor")
    async with Host(view).run_test(size=(40, 12)) as pilot:
        assert view.update_snapshot(make_snapshot())
        await pilot.pause()
        text = "\n".join(lines(view))
        assert "▀" in text and text.count("●") >= 2
        # the point at (-0.8, 0.8) is class 0 (orange), drawn near the top-left
        row = next(y for y in range(view.size.height) if "●" in view.render_line(y).text)
        x = view.render_line(row).text.index("●")
        _, style = cell(view, x, row)
        r, g, b = style.color.triplet
        assert r > b  # orange, not blue
        body_rows = lines(view)[:-1]
        assert not any("○" in line for line in body_rows)
        view.show_validation(True)
        await pilot.pause()
        assert any("○" in line for line in lines(view)[:-1])
        assert not view.update_snapshot(make_snapshot())

        view.set_color_mode("mono")
        await pilot.pause()
        text = "\n".join(lines(view)[:-1])
        assert "o" in text and "x" in text and "X" in text  # train 0, train 1, val 1
        assert "·" in text and "░" in text  # class 0 and class 1 regions differ by glyph

        view.update_snapshot(make_snapshot(boundary=None))
        await pilot.pause()
        assert "no 2-D input" in "\n".join(lines(view))


async def test_boundary_legend_names_the_datas_classes():
    view = DecisionBoundary(color_mode="mono")
    async with Host(view).run_test(size=(40, 12)) as pilot:
        view.update_snapshot(make_snapshot())
        await pilot.pause()
        assert "class 0" in lines(view)[-1] and "class 1" in lines(view)[-1]
        named = dataclasses.replace(make_boundary(), class_names=("lower", "upper"))
        view.update_snapshot(make_snapshot(boundary=named))
        await pilot.pause()
        legend = lines(view)[-1]
        assert "lower" in legend and "upper" in legend and "class" not in legend


async def test_a_point_stands_out_on_its_own_classs_region_on_either_theme():
    view = DecisionBoundary(color_mode="truecolor")
    async with Host(view).run_test(size=(40, 12)) as pilot:
        view.show_gallery(False)
        view.update_snapshot(make_snapshot())
        for theme in ("textual-dark", "textual-light"):
            pilot.app.theme = theme
            await pilot.pause()
            points = [(x, y) for y in range(view.size.height)  # the legend's dots too
                      for x, char in enumerate(view.render_line(y).text) if char == "●"]
            assert len(points) >= 4
            for x, y in points:
                _, style = cell(view, x, y)
                point, under = style.color.triplet, style.bgcolor.triplet
                assert sum(abs(a - b) for a, b in zip(point, under, strict=True)) > 150


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


# ----------------------------------------------------------------------------- edge cases


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


@pytest.mark.parametrize("width", [26, 30, 44, 80])
def test_a_panel_header_goes_to_two_lines_rather_than_cut(width):
    label, numbers = "L1/11 20→256 relu", "‖g‖ 3.04e+78  u/w 1e68"
    lines = header_lines(label, numbers, width)
    assert lines == ([f"{label}  {numbers}"] if width >= 41 else [label, numbers])
    assert header_lines(label, numbers, 10) == ["L1/11 20→…", "‖g‖ 3.04e…"]  # too narrow
    assert fmt_power_of_ten(-3.7) == "2e-4" and fmt_power_of_ten(float("nan")) == "–"
    assert fmt_power_of_ten(-math.inf) == "0"  # no update at all


@pytest.mark.parametrize(("top", "ticks"), [
    (0.6931, [0.0, 0.2, 0.4, 0.6, 0.8]),
    (2.3026, [0.0, 0.5, 1.0, 1.5, 2.0, 2.5]),
    (374742145.8, [0.0, 1e8, 2e8, 3e8, 4e8]),
    (1.0, [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]),
    (0.0, [0.0, 1.0]),
])
def test_loss_axis_ticks_start_at_zero_and_are_round(top, ticks):
    assert zero_based_ticks(top) == pytest.approx(ticks)
    assert [tick_label(t) for t in zero_based_ticks(374742145.8)][:2] == ["0", "1e+08"]


@pytest.mark.parametrize(("low", "high", "labels"), [
    (-1.2 * math.pi, 1.2 * math.pi, ["-2", "0", "2"]),  # plotext's own: -3.8 -1.9 -0.0 1.9
    (-0.3, 0.3, ["-0.2", "0", "0.2"]),
    (-1e-17, 2.0, ["0", "0.5", "1", "1.5", "2"]),
])
def test_round_ticks_are_short_and_never_minus_zero(low, high, labels):
    assert [tick_label(t) for t in round_ticks(low, high)] == labels


@pytest.mark.parametrize(("low", "high", "rows", "centred"), [
    (0.0, 6.22, 11, False), (0.0, 0.87, 5, False), (0.0, 1.0, 10, False),
    (-1.71, 1.79, 11, True), (-52732.8, 4.6e-06, 3, True), (0.0, 374742145.8, 30, False),
    (0.95, 1.0, 7, True), (5.0, 5.0, 12, True),
])
def test_ticks_on_rows_land_evenly_on_rows_and_cover_the_data(low, high, rows, centred):
    ticks, axis_low, axis_high = ticks_on_rows(low, high, rows, centred=centred)
    # plotext's row of a value (from the bottom), as in its get_matrix_data
    at = [math.floor(round(0.5 + (rows - 1) * (t - axis_low) / (axis_high - axis_low), 8))
          for t in ticks]
    gaps = {b - a for a, b in zip(at, at[1:], strict=False)}
    assert len(gaps) <= 1 and min(gaps, default=2) >= 2 and at[0] >= 0 and at[-1] < rows
    assert all(abs((t - axis_low) / (axis_high - axis_low) * (rows - 1) - r) < 1e-6
               for t, r in zip(ticks, at, strict=True))  # on the row, not near it
    assert axis_low <= low and axis_high >= high - 1e-8 * (axis_high - axis_low)
    assert 1 <= len(ticks) <= 6 and (centred or axis_low == low)
    assert len({tick_label(t) for t in ticks}) == len(ticks)


@pytest.mark.parametrize(("lo", "hi", "labels"), [
    (0.382, 0.934, ["0.4", "0.5", "0.6", "0.7", "0.8", "0.9"]),  # not 0.934 / 0.382
    (0.515, 0.725, ["0.6", "0.7"]),
    (1e-3, 0.05, ["1e-3", "0.01"]),
    (1e-4, 2.0, ["1e-4", "1e-3", "0.01", "0.1", "1"]),
    (0.02, 0.6, ["0.02", "0.05", "0.1", "0.2", "0.5"]),
])
def test_log_axis_ticks_are_round_with_short_labels(lo, hi, labels):
    ticks = log_ticks(math.log10(lo), math.log10(hi))
    assert [decade_label(t) for t in ticks] == labels
    assert [decade_label(t) for t in (400.0, -350.0, math.log10(2e-5), math.log10(9.6e5))] == [
        "1e400", "1e-350", "2e-5", "1e6"]  # past a float's range too


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
