"""The loss plot: one run's curves, markers, accuracy and log scale; several runs' curves with
their legend in the border and reference levels; ticks on evenly spaced rows; a run that
blows up cut at the top. Drawn from hand-made snapshots."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from hand_made_snapshots import RUNS, Host, make_run, make_series, make_snapshot, tick_rows

from nnterm.app.widgets import loss_plot as loss_plot_module
from nnterm.app.widgets._common import detect_color_mode
from nnterm.app.widgets.loss_plot import LossPlot


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


def test_a_legend_too_wide_for_its_border_names_the_selected_run_and_counts_the_rest():
    runs = tuple(make_run(name, i) for i, name in enumerate(
        ("base", "dropout", "light_dropout", "weight_decay", "l2", "input_noise",
         "early_stopping", "more_data")))
    snap = make_snapshot(runs=runs, run="l2")
    assert LossPlot.legend(snap, "ansi", 200).plain.count("▶") == 8
    short = LossPlot.legend(snap, "ansi", 60).plain
    assert short == "▶ l2 and 7 more runs: their colours in Runs"
    assert LossPlot.legend(snap, "ansi", 25).plain == "▶ l2 +7 runs: see Runs"
    assert LossPlot.legend(snap, "ansi", 20).plain == "▶ l2 +7: see Runs"


async def test_several_runs_draw_one_curve_each_with_the_legend_in_the_border():
    plot = LossPlot()
    async with Host(plot).run_test(size=(80, 20)) as pilot:
        snap = make_snapshot(runs=RUNS, run="slow", references=(("chance ln 2", 0.693),))
        plot.update_snapshot(snap)
        plot.flush()
        await pilot.pause()
        text = plot.render().plain
        assert "train loss" in text and plot.border_title == "Loss  ⋯ chance ln 2 = 0.693"
        legend = plot.legend(snap, detect_color_mode(plot.app))
        assert legend.plain == "▶ base ✖ wild ■ slow"
        assert plot.border_subtitle == legend.markup
        assert plot.cycle() == "val loss of every run"
        assert plot.cycle() == "train accuracy of every run"
        assert plot.cycle() == "val accuracy of every run"
        assert plot.cycle() == "train loss of every run"
        one_run = make_snapshot(runs=RUNS[:1])
        assert plot.legend(one_run).plain == ""


async def test_the_reference_level_is_inside_the_axis_even_above_every_curve():
    plot = LossPlot()
    async with Host(plot).run_test(size=(80, 20)) as pilot:
        plot.update_snapshot(make_snapshot(references=(("chance ln 10", math.log(10)),)))
        plot.flush()
        await pilot.pause()
        text = plot.render().plain
        assert "chance ln 10 = 2.3" in plot.border_title
        ticks = [line.split("┤")[0].strip() for line in text.splitlines() if "┤" in line]
        assert ticks[-1] == "0" and float(ticks[0]) > make_series().train_loss.max()
        assert any(line.count("⋅") > 20 for line in text.splitlines())  # the level's line
        assert all(len(t) <= 4 for t in ticks)  # round ticks: 2.5, 2, 1.5 ... not 2.30373


async def test_a_run_that_blows_up_is_cut_at_the_top_not_flattening_the_others():
    blowing_up = make_series().train_loss.copy()
    blowing_up[20:] *= 1e200
    huge = dataclasses.replace(make_series(), train_loss=blowing_up)
    runs = (RUNS[0], dataclasses.replace(RUNS[1], series=huge))
    plot = LossPlot()
    async with Host(plot).run_test(size=(80, 20)) as pilot:
        plot.update_snapshot(make_snapshot(runs=runs))
        plot.flush()
        await pilot.pause()
        text = plot.render().plain
        assert "cut at" in text
        top_tick = float(next(line for line in text.splitlines() if "┤" in line).split("┤")[0])
        assert top_tick < 10  # the axis stays at the scale of the healthy run


@pytest.mark.parametrize("height", [11, 14, 16, 17, 20, 23])
@pytest.mark.parametrize("accuracy", [False, True])
async def test_loss_ticks_sit_on_evenly_spaced_rows_that_match_their_values(height, accuracy):
    """optimizers: 8/6/4/2/0 sat 2, 3, 2, 3 rows apart, so "mean = 1.75" read as 1.3."""
    falling = np.linspace(6.2, 0.1, 40)
    runs = tuple(dataclasses.replace(v, series=dataclasses.replace(make_series(),
                                                                   train_loss=falling * f))
                 for v, f in zip(RUNS, (1.0, 0.5, 0.25), strict=True))
    plot = LossPlot()
    async with Host(plot).run_test(size=(70, height)) as pilot:
        plot.update_snapshot(make_snapshot(runs=runs, references=(("mean", 1.75),)))
        plot.show_accuracy(accuracy)
        plot.flush()
        await pilot.pause()
        ticks = tick_rows(plot.render().plain)
        rows = [y for y, _ in ticks]
        values = [v for _, v in ticks]
        assert len(ticks) >= (3 if height >= 14 else 2) and values[-1] == 0
        assert len({a - b for a, b in zip(rows[1:], rows, strict=False)}) == 1  # even rows
        assert rows[1] - rows[0] >= 2  # a blank row between labels
        assert len({round(a - b, 9) for a, b in zip(values, values[1:], strict=False)}) == 1


@pytest.mark.parametrize("height", [14, 16, 17, 20])
async def test_log_loss_ticks_are_whole_decades_on_evenly_spaced_rows(height):
    """optimizers on a log axis: 1e248, 1e194 ... 1e-22 sat 1, 2, 2, 1, 2 rows apart (and
    an axis reaching past 1e308 must still be labelled)."""
    falling, exploding = np.logspace(0.3, -22.7, 40), np.logspace(0.3, 301.7, 40)
    runs = tuple(dataclasses.replace(v, series=dataclasses.replace(make_series(),
                                                                   train_loss=loss))
                 for v, loss in zip(RUNS[:2], (falling, exploding), strict=True))
    plot = LossPlot()
    async with Host(plot).run_test(size=(70, height)) as pilot:
        plot.update_snapshot(make_snapshot(runs=runs, references=(("mean", 1.75),)))
        plot.set_log_scale(True)
        await pilot.pause()
        text = plot.render().plain
        ticks = [(y, line.split("┤")[0].strip()) for y, line in enumerate(text.splitlines())
                 if "┤" in line]
        rows, labels = [y for y, _ in ticks], [label for _, label in ticks]
        assert len(labels) >= 3 and all(label == "1" or label.startswith("1e")
                                        for label in labels)
        exponents = [0 if label == "1" else int(label[2:]) for label in labels]
        assert len({a - b for a, b in zip(exponents, exponents[1:], strict=False)}) == 1
        assert len({b - a for a, b in zip(rows, rows[1:], strict=False)}) == 1
        assert rows[1] - rows[0] >= 2


async def test_a_start_far_above_where_the_curves_live_is_cut_so_a_flat_one_shows():
    """softmax_ce_vs_mse: cross-entropy starts at 12 and 17, squared error stays flat
    near 1 and 1.6: on an axis to 20 the flat lines lay under the base run's."""
    steps = np.arange(31, dtype=np.int64) * 10
    curves = (12 * np.exp(-steps / 20) + 0.01, np.full(31, 1.0),
              17 * np.exp(-steps / 60) + 0.2, np.full(31, 1.6))
    runs = tuple(make_run(name, i, series=dataclasses.replace(
        make_series(31), steps=steps, train_loss=loss))
        for i, (name, loss) in enumerate(zip(("base", "mse", "softmax", "softmax_mse"),
                                             curves, strict=True)))
    plot = LossPlot()
    async with Host(plot).run_test(size=(60, 18)) as pilot:
        plot.update_snapshot(make_snapshot(runs=runs, references=(("chance", math.log(2)),)))
        plot.flush()
        await pilot.pause()
        text = plot.render().plain
        assert "cut at" in text
        (top_row, top), *_, (zero_row, _) = tick_rows(text)
        assert top <= 5  # not 20: the flat line at 1 is a fifth of the way up or more
        assert (zero_row - top_row) / top >= 2  # ... two rows above 0 at least


async def test_without_colour_train_and_val_differ_by_marker(monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    plot = LossPlot()
    async with Host(plot).run_test(size=(80, 20)) as pilot:
        assert detect_color_mode(plot.app) == "mono"
        plot.update_snapshot(make_snapshot())
        plot.flush()
        await pilot.pause()
        text = plot.render().plain
        assert "•" in text and any("\u2801" <= ch <= "\u28ff" for ch in text)  # dots, braille
        several = make_snapshot(runs=RUNS, run="base")
        assert "•" in plot.legend(several, "mono").plain  # each run named with its marker
