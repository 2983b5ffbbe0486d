"""The panels that show several runs, drawn from hand-made snapshots: the run table, the
overlaid curves with their legend and reference levels, side-by-side boundaries and the
profiles over depth."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from test_widgets import CONFIG, Host, lines, make_boundary, make_series, make_snapshot

from nnterm.app.widgets._common import detect_color_mode
from nnterm.app.widgets.boundary import DecisionBoundary
from nnterm.app.widgets.depth_profile import DepthProfile
from nnterm.app.widgets.fit_plot import FitPlot
from nnterm.app.widgets.landscape import LossLandscape
from nnterm.app.widgets.loss_plot import LossPlot
from nnterm.app.widgets.run_table import RunTable
from nnterm.app.widgets.samples import SampleText
from nnterm.app.widgets.surface import SurfacePanel
from nnterm.engine.live.snapshot import FitCurve, Landscape, RunView, Surface


def make_run(name: str, colour: int, **changes) -> RunView:
    view = RunView(
        name=name, colour=colour, config=CONFIG, changes="", step=390, status="training",
        paused=False, train_loss=0.12, val_loss=0.23, train_acc=0.95, val_acc=0.9,
        diagnoses=(), series=make_series(), boundary=make_boundary(),
        act_std=(1.0, 0.1, 0.01), grad_norm=(1e-4, 1e-2, 1.0, 2.0),
    )
    return dataclasses.replace(view, **changes)


RUNS = (
    make_run("base", 0),
    make_run("wild", 1, changes="lr 3", status="diverged", paused=True,
             train_loss=math.nan, val_loss=math.nan, diagnoses=("nan",), findings=("nan",)),
    make_run("slow", 2, changes="lr 0.001", status="finished", act_std=(1.0, 1.0, 1.0)),
)


async def test_the_run_table_has_a_row_per_run_with_its_state_and_changes():
    table = RunTable()
    async with Host(table).run_test(size=(100, 10)) as pilot:
        assert table.update_snapshot(make_snapshot(runs=RUNS, run="wild"))
        await pilot.pause()
        base, wild, slow = table.rows
        assert base.startswith(" ▶ base") and "(base)" in base
        assert wild.startswith("▸✖ wild") and "lr 3" in wild and "nan" in wild
        assert slow.startswith(" ■ slow") and "lr 0.001" in slow
        assert not table.update_snapshot(make_snapshot(runs=RUNS, run="wild"))
        text = "\n".join(lines(table))
        assert "wild" in text and "diagnosis" in text  # one line a run, with a header


async def test_a_narrow_run_table_takes_two_lines_a_run_and_one_for_its_diagnoses():
    table = RunTable()
    async with Host(table).run_test(size=(40, 10)) as pilot:
        table.update_snapshot(make_snapshot(runs=RUNS, run="base"))
        await pilot.pause()
        shown = [line.rstrip() for line in lines(table)]
        assert shown[0].startswith("▸▶ base") and "loss" in shown[1]
        assert shown[2].startswith(" ✖ wild") and "loss" in shown[3]
        assert shown[4].strip() == "▲ nan"  # its own line: the height does not flap
        assert table.size.height == 7


@pytest.mark.parametrize("width", [40, 100])
async def test_regression_runs_show_no_accuracy(width):
    fits = tuple(dataclasses.replace(run, train_acc=None, val_acc=None) for run in RUNS)
    table = RunTable()
    async with Host(table).run_test(size=(width, 10)) as pilot:
        table.update_snapshot(make_snapshot(runs=fits, run="base"))
        await pilot.pause()
        text = "\n".join(lines(table))
        assert "acc" not in text and "0.12" in text and "0.23" in text
        table.update_snapshot(make_snapshot(runs=RUNS, run="base"))  # classification
        await pilot.pause()
        assert "acc" in "\n".join(lines(table))


async def test_a_narrow_run_table_wraps_long_changes_and_diagnoses_instead_of_cutting():
    long = make_run("tanh_xavier", 1, changes="activation tanh, init xavier_normal",
                    findings=("dead_relu (→ vanishing_gradients, flat_loss)",))
    table = RunTable()
    async with Host(table).run_test(size=(40, 12)) as pilot:
        table.update_snapshot(make_snapshot(runs=(RUNS[0], long), run="base"))
        await pilot.pause()
        shown = [line.rstrip() for line in lines(table)]
        text = " ".join(shown)
        assert "…" not in text
        assert "init xavier_normal" in text and "vanishing_gradients" in text
        assert all(len(line) <= table.content_size.width for line in shown)
        assert table.size.height == len([line for line in shown if line])


async def test_a_wide_run_table_wraps_a_long_change_into_a_taller_row():
    long = make_run("adamw_strong_x100", 1, changes="optimizer adamw, weight_decay 1, "
                    "lr 0.1, batch_size 32, dropout 0.5, n_train 1000")
    table = RunTable()
    async with Host(table).run_test(size=(70, 12)) as pilot:
        table.update_snapshot(make_snapshot(runs=(RUNS[0], long), run="base"))
        await pilot.pause()
        text = "\n".join(lines(table))
        assert "…" not in text and "adamw_strong_x100" in text and "n_train 1000" in text
        assert table.size.height > 3  # the header, the base row, and two lines for the long


def test_a_legend_too_wide_for_its_border_names_the_selected_run_and_counts_the_rest():
    runs = tuple(make_run(name, i) for i, name in enumerate(
        ("base", "dropout", "light_dropout", "weight_decay", "l2", "input_noise",
         "early_stopping", "more_data")))
    snap = make_snapshot(runs=runs, run="l2")
    assert LossPlot.legend(snap, "ansi", 200).plain.count("▶") == 8
    short = LossPlot.legend(snap, "ansi", 60).plain
    assert short == "▶ l2 and 7 more runs, colours as in Runs"
    assert LossPlot.legend(snap, "ansi", 20).plain == "▶ l2 +7 runs"


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
        assert float(ticks[0]) >= math.log(10) and ticks[-1] == "0"  # the level, and 0
        assert all(len(t) <= 4 for t in ticks)  # round ticks: 2.5, 2, 1.5 ... not 2.30373


async def test_boundaries_side_by_side_mark_the_selected_run():
    boundary = DecisionBoundary(color_mode="mono")
    async with Host(boundary).run_test(size=(60, 20)) as pilot:
        boundary.update_snapshot(make_snapshot(runs=RUNS, run="wild"))
        await pilot.pause()
        text = "\n".join(lines(boundary))
        assert "▸✖ wild" in text and "▶ base" in text and "■ slow" in text
        boundary.show_gallery(False)
        await pilot.pause()
        assert "wild" not in "\n".join(lines(boundary))


async def test_side_by_side_captions_wrap_long_run_names_instead_of_cutting_them():
    runs = tuple(make_run(name, i) for i, name in enumerate(
        ("base", "light_dropout", "weight_decay", "early_stopping", "input_noise", "l2")))
    boundary = DecisionBoundary(color_mode="mono")
    async with Host(boundary).run_test(size=(36, 18)) as pilot:
        boundary.update_snapshot(make_snapshot(runs=runs, run="base"))
        await pilot.pause()
        words = " ".join(lines(boundary)).split()
        for name in ("light_dropout", "weight_decay", "early_stopping", "input_noise"):
            first, rest = name.split("_")
            assert name in words or (f"{first}_" in words and rest in words), name


async def test_side_by_side_boundaries_name_every_runs_classes():
    """A variant on other data (six classes beside the base's two): the legend lists all
    six, and the selected run's own picture lists its own."""
    six = dataclasses.replace(make_boundary(), classes=np.arange(256).reshape(16, 16) % 6)
    runs = (make_run("base", 0), make_run("six", 1, boundary=six))
    boundary = DecisionBoundary(color_mode="mono")
    async with Host(boundary).run_test(size=(80, 20)) as pilot:
        boundary.update_snapshot(make_snapshot(runs=runs, run="base"))
        await pilot.pause()
        assert "class 5" in lines(boundary)[-1]
        boundary.show_gallery(False)
        await pilot.pause()
        legend = lines(boundary)[-1]
        assert "class 1" in legend and "class 2" not in legend


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
        top_tick = float(text.splitlines()[2].split("┤")[0])
        assert top_tick < 10  # the axis stays at the scale of the healthy run


async def test_the_landscape_draws_the_paths_and_the_optimum():
    landscape = Landscape(
        extent=(-1.0, 1.0, -1.0, 1.0),
        excess=np.fromfunction(lambda r, c: (r - 8.0) ** 2 + 0.01 * (c - 8.0) ** 2 + 1e-3,
                               (16, 16)),
        optimum=(0.0, 0.0),
        paths=(("base", 0, np.array([[-0.9, 0.9], [-0.5, 0.5], [-0.1, 0.1]])),
               ("wild", 1, np.array([[-0.9, 0.9], [5.0, -5.0]]))),
    )
    panel = LossLandscape(color_mode="mono")
    async with Host(panel).run_test(size=(40, 12)) as pilot:
        assert panel.update_snapshot(make_snapshot(landscape=landscape))
        await pilot.pause()
        shown = lines(panel)
        text = "\n".join(shown)
        assert text.count("●") == 1 and "+" in text and "»" in text
        assert "•" in text and shown[-1].startswith("w1 -1…1")
        assert not panel.update_snapshot(make_snapshot(landscape=landscape))


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
        top = float(text.splitlines()[2].split("┤")[0])
        assert top < 2  # the axis keeps to the data, however wild a fit
        assert not plot.update_snapshot(make_snapshot(fit=fit))


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
