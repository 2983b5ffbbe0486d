"""The panels that show several runs, drawn from hand-made snapshots: the run table, the
overlaid curves with their legend and reference levels, side-by-side boundaries and the
profiles over depth."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from rich.style import Style
from test_widgets import CONFIG, Host, cell, lines, make_boundary, make_series, make_snapshot

from nnterm.app.widgets._common import RUN_RGB, detect_color_mode, run_colour
from nnterm.app.widgets._tile_captions import tile_captions
from nnterm.app.widgets.boundary import DecisionBoundary
from nnterm.app.widgets.depth_profile import DepthProfile
from nnterm.app.widgets.fit_plot import FitPlot
from nnterm.app.widgets.landscape import LossLandscape, band_rgb
from nnterm.app.widgets.loss_plot import MONO_GLYPHS, LossPlot
from nnterm.app.widgets.run_table import RunTable
from nnterm.app.widgets.samples import SampleText
from nnterm.app.widgets.surface import SurfacePanel
from nnterm.engine.live.landscape import bands
from nnterm.engine.live.snapshot import FitCurve, Landscape, RunView, Surface


def make_run(name: str, colour: int, **changes) -> RunView:
    """A run's view; its diagnoses, if given, are its findings too (each its own cause)."""
    changes.setdefault("findings", changes.get("diagnoses", ()))
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
             train_loss=math.nan, val_loss=math.nan, diagnoses=("nan",)),
    make_run("slow", 2, changes="lr 0.001", status="finished", act_std=(1.0, 1.0, 1.0)),
)


async def test_the_run_table_has_a_row_per_run_with_its_state_and_changes():
    table = RunTable()
    async with Host(table).run_test(size=(100, 10)) as pilot:
        assert table.update_snapshot(make_snapshot(runs=RUNS, run="wild"))
        await pilot.pause()
        base, wild, slow = table.rows
        assert base.startswith(" ▶ ━━ base") and "(base)" in base
        assert wild.startswith("▸✖ ━━ wild") and "lr 3" in wild and "nan" in wild
        assert slow.startswith(" ■ ━━ slow") and "lr 0.001" in slow
        assert not table.update_snapshot(make_snapshot(runs=RUNS, run="wild"))
        text = "\n".join(lines(table))
        assert "wild" in text and "diagnosis" in text  # one line a run, with a header


async def test_a_narrow_run_table_takes_two_lines_a_run_and_one_for_its_diagnoses():
    table = RunTable()
    async with Host(table).run_test(size=(40, 10)) as pilot:
        table.update_snapshot(make_snapshot(runs=RUNS, run="base"))
        await pilot.pause()
        shown = [line.rstrip() for line in lines(table)]
        assert shown[0].startswith("▸▶ ━━ base") and "loss" in shown[1]
        assert shown[2].startswith(" ✖ ━━ wild") and "loss" in shown[3]
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
        words = " ".join(" ".join(lines(table)).split())
        assert "…" not in words and "adamw_strong_x100" in words and "n_train 1000" in words
        assert table.size.height > 3  # the header, the base row, and two lines for the long


async def test_a_wide_run_table_never_splits_a_diagnosis_name():
    long = make_run("relu_he", 1, changes="activation relu, init he_normal",
                    diagnoses=("dead_relu", "vanishing_gradients", "flat_loss", "underfitting"))
    table = RunTable()
    async with Host(table).run_test(size=(74, 12)) as pilot:  # the strip at 120x40
        table.update_snapshot(make_snapshot(runs=(RUNS[0], long), run="base"))
        await pilot.pause()
        shown = lines(table)
        for name in long.diagnoses:
            assert any(name in line for line in shown), (name, shown)
        assert table.size.height <= 5  # the header and base, relu_he in three lines


async def test_a_wide_run_table_leaves_the_changes_room_beside_long_diagnoses():
    """vanishing_gradients at 120x40: one line of diagnoses had left the changes eight
    columns ("activati|on relu")."""
    runs = (make_run("base", 0, changes="", diagnoses=("vanishing_gradients", "flat_loss")),
            make_run("relu_he", 1, changes="activation relu, init he_normal"),
            make_run("saturated", 3, changes="init normal std=1"))
    table = RunTable()
    async with Host(table).run_test(size=(74, 12)) as pilot:
        table.update_snapshot(make_snapshot(runs=runs, run="base"))
        await pilot.pause()
        words = " ".join(lines(table)).split()
        assert {"activation", "he_normal", "vanishing_gradients,", "flat_loss"} <= set(words)
        assert table.size.height <= 6  # the header, then two lines for base and relu_he


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


@pytest.mark.parametrize("mode", ["truecolor", "ansi", "mono"])
async def test_each_row_of_the_run_table_carries_its_curves_swatch(mode, monkeypatch):
    """The run table is the loss plot's legend when its border cannot name every run: a
    line in the run's colour, or without colour the marker its curve is drawn with."""
    monkeypatch.setenv("COLORTERM", "truecolor")
    monkeypatch.delenv("NO_COLOR", raising=False)
    runs = tuple(make_run(f"run{i}", i) for i in range(8))
    table = RunTable()
    async with Host(table).run_test(size=(100, 12)) as pilot:
        table.update_snapshot(make_snapshot(runs=runs, run="run0"))
        table.app.no_color = mode == "mono"
        table.app.ansi_color = mode == "ansi"
        assert detect_color_mode(table.app) == mode
        await pilot.pause()
        marks = []
        for y, view in enumerate(runs, start=1):  # (under the header)
            line = lines(table)[y]
            glyph = MONO_GLYPHS[view.colour % len(MONO_GLYPHS)] if mode == "mono" else "━"
            assert line.split()[1] == glyph * 2, line  # after the state, before the name
            char, style = cell(table, line.index(glyph * 2), y)
            if mode != "mono":
                assert style.color == Style.parse(run_colour(view.colour, mode)[1]).color
            marks.append(char if mode == "mono" else style.color)
        assert len(set(marks)) >= 6  # the runs told apart (six markers without colour)


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


async def test_every_side_by_side_tile_draws_its_runs_points_and_accuracy():
    """The lesson says "bends its boundary around the points": each tile shows them (the
    validation points too on request), and its caption says how many it gets right."""
    runs = (RUNS[0], dataclasses.replace(RUNS[2], train_acc=0.0, val_acc=0.25))
    boundary = DecisionBoundary(color_mode="truecolor")
    async with Host(boundary).run_test(size=(60, 16)) as pilot:
        boundary.update_snapshot(make_snapshot(runs=runs, run="base"))
        await pilot.pause()
        body = "\n".join(lines(boundary)[:-1])  # the legend's dots aside
        assert body.count("●") == 2 * len(runs)  # make_boundary: two training points
        assert "○" not in body
        assert "base train 95%" in body and "slow train 0%" in body
        boundary.show_validation(True)
        await pilot.pause()
        body = "\n".join(lines(boundary)[:-1])
        assert body.count("○") == len(runs)
        assert "train 95% val 90%" in body and "train 0% val 25%" in body


def test_tile_captions_say_the_accuracy_the_same_way_on_a_row_of_tiles():
    runs = (make_run("base", 0, train_acc=1.0), make_run("softmax_mse", 1, train_acc=0.16))
    assert tile_captions(runs, "base", False, 24) == [["▸▶ base train 100%"],
                                                      [" ▶ softmax_mse train 16%"]]
    assert tile_captions(runs, "base", False, 18) == [["▸▶ base 100%"],
                                                      [" ▶ softmax_mse 16%"]]
    assert tile_captions(runs, "base", False, 16) == [["▸▶ base", " train 100%"],
                                                      [" ▶ softmax_mse", " train 16%"]]
    both = tile_captions(runs, "base", True, 20)  # and the validation points' accuracy
    assert both == [["▸▶ base", " train 100% val 90%"], [" ▶ softmax_mse", " train 16% val 90%"]]
    assert tile_captions(runs, "base", True, 14) == [["▸▶ base", " 100%/90%"],
                                                     [" ▶ softmax_mse", " 16%/90%"]]
    unknown = make_run("base", 0, train_acc=math.nan)
    assert tile_captions((unknown,), "", False, 24) == [[" ▶ base"]]


def test_tile_captions_take_one_line_where_wrapping_would_leave_the_picture_a_sliver():
    runs = (make_run("base", 0, train_acc=1.0), make_run("light_dropout", 1, train_acc=0.92),
            make_run("early_stopping", 2, train_acc=0.9))
    assert max(map(len, tile_captions(runs, "base", False, 10))) == 3  # wrapped: 3 lines
    assert tile_captions(runs, "base", False, 10, max_lines=2) == [
        ["▸▶ base"], [" ▶ light_…"], [" ▶ early_…"]]  # no room for the accuracy too
    assert tile_captions(runs, "base", False, 13, max_lines=1) == [
        ["▸▶ base 100%"], [" ▶ light… 92%"], [" ▶ early… 90%"]]
    assert tile_captions(runs, "base", False, 24, max_lines=1) == [
        ["▸▶ base 100%"], [" ▶ light_dropout 92%"], [" ▶ early_stopping 90%"]]


async def test_a_tile_is_redrawn_when_only_its_accuracy_changed():
    boundary = DecisionBoundary(color_mode="mono")
    async with Host(boundary).run_test(size=(60, 16)) as pilot:
        assert boundary.update_snapshot(make_snapshot(runs=RUNS, run="base"))
        better = (dataclasses.replace(RUNS[0], train_acc=1.0), *RUNS[1:])
        assert boundary.update_snapshot(make_snapshot(runs=better, run="base"))
        await pilot.pause()
        assert "base train 100%" in "\n".join(lines(boundary))


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
        top_tick = float(next(line for line in text.splitlines() if "┤" in line).split("┤")[0])
        assert top_tick < 10  # the axis stays at the scale of the healthy run


def tick_rows(text: str) -> list[tuple[int, float]]:
    """(row, value) of each y tick label of a rendered plotext plot, top first."""
    return [(y, float(line.split("┤")[0])) for y, line in enumerate(text.splitlines())
            if "┤" in line]


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
