"""The sweep's summary curve: power-law fits, lines per run and per second setting,
diverged points kept out, the marked threshold; and the preset's view settings."""

from __future__ import annotations

import math
import textwrap

import pytest
from helpers import record

from nnterm.engine.experiments.experiment import RunResult
from nnterm.engine.experiments.sweep_summary import power_law, summarize
from nnterm.engine.preset_format.errors import PresetError
from nnterm.engine.preset_format.loader import load_preset, parse_preset
from nnterm.engine.preset_format.preset import Preset, Sweep, View
from nnterm.engine.training.config import Config, DataConfig


def test_a_power_law_is_recovered_exactly():
    xs = [2.0, 8.0, 32.0, 128.0]
    law = power_law(xs, [3.0 * x ** -1.5 for x in xs])
    assert law.exponent == pytest.approx(-1.5)
    assert law.coefficient == pytest.approx(3.0)
    assert law.r2 == pytest.approx(1.0)


def test_scatter_lowers_r2():
    law = power_law([1, 2, 4, 8], [1.0, 0.2, 0.5, 0.05])
    assert law.r2 < 0.9 and law.exponent < 0


@pytest.mark.parametrize("xs, ys", [([1, 2], [1, 0]), ([1, 1], [2, 3]), ([0, 2], [1, 1])])
def test_a_power_law_needs_positive_values_at_two_xs(xs, ys):
    with pytest.raises(ValueError):
        power_law(xs, ys)


def result(name, point, val_loss, n_params=10):
    return RunResult(name=name, point=point, config=Config(),
                     records=[record(5, val_loss=val_loss)],
                     status="finished", n_params=n_params)


def two_setting_preset(**view) -> Preset:
    return Preset(name="p", title="t", section="s", lesson="", compare={"other": {}},
                  config=Config(data=DataConfig(name="moons", n_train=100)),
                  sweep=Sweep({"model.hidden": ((4,), (8,)), "data.n_train": (100, 200)}),
                  view=View(**view))


def test_one_line_per_run_and_value_of_the_second_setting():
    preset = two_setting_preset(sweep_x="model.hidden", sweep_fit=True,
                                sweep_mark="data.n_train")
    results = [result(name, {"model.hidden": (h,), "data.n_train": n}, 8.0 / h * n / 100)
               for name in ("base", "other") for h in (4, 8) for n in (100, 200)]
    summary = summarize(preset, reversed(results))  # in any order
    labels = [line.label for line in summary.lines]
    assert labels == ["base, data.n_train=100", "base, data.n_train=200",
                      "other, data.n_train=100", "other, data.n_train=200"]
    first = summary.lines[0]
    assert first.xs == (4.0, 8.0) and first.ys == (2.0, 1.0)
    assert first.fit.exponent == pytest.approx(-1.0)
    assert summary.mark == ("n_train = 100", 100.0)


def test_the_points_of_a_paired_sweep_make_one_line_per_run():
    preset = Preset(name="p", title="t", section="s", lesson="", config=Config(),
                    sweep=Sweep({"model.hidden": ((4,), (8,)), "train.steps": (200, 100)},
                                paired=True), view=View(sweep_x="n_params"))
    results = [result("base", {"model.hidden": (h,), "train.steps": s}, 1.0 / h, 3 * h)
               for h, s in ((4, 200), (8, 100))]
    (line,) = summarize(preset, results).lines
    assert line.label == "base" and line.xs == (12.0, 24.0) and line.ys == (0.25, 0.125)


def test_a_diverged_point_is_counted_not_drawn():
    preset = two_setting_preset(sweep_x="model.hidden")
    results = [result("base", {"model.hidden": (4,), "data.n_train": 100}, math.nan),
               result("base", {"model.hidden": (8,), "data.n_train": 100}, 0.5)]
    (line,) = summarize(preset, results).lines
    assert line.xs == (8.0,) and line.missing == 1


def test_against_n_params_the_first_setting_runs_along_the_line():
    preset = two_setting_preset(sweep_x="n_params")
    results = [result("base", {"model.hidden": (h,), "data.n_train": 100}, 1.0 / h, 3 * h)
               for h in (4, 8)]
    (line,) = summarize(preset, results).lines
    assert line.label == "base, data.n_train=100" and line.xs == (12.0, 24.0)


def test_the_lessons_that_sweep_say_how_to_draw_it():
    dd, sl = load_preset("double_descent"), load_preset("scaling_laws")
    assert (dd.view.sweep_x, dd.view.sweep_log, dd.view.sweep_mark) == (
        "model.hidden", "both", "data.n_train")
    assert (sl.view.sweep_x, sl.view.sweep_log, sl.view.sweep_fit) == ("n_params", "both", True)


BASE = textwrap.dedent("""\
    name: p
    title: t
    section: s
    lesson: l
    sweep: {model.hidden: [[2], [4]]}
""")


@pytest.mark.parametrize("view, key", [
    ("{sweep_x: model.depth}", "view.sweep_x"),
    ("{sweep_mark: data.name}", "view.sweep_mark"),
    ("{sweep_mark: data.nope}", "view.sweep_mark"),
    ("{sweep_log: y}", "view.sweep_log"),
    ("{sweep_y: loss}", "view.sweep_y"),
])
def test_bad_sweep_view_settings_name_the_key(view, key):
    with pytest.raises(PresetError) as err:
        parse_preset(BASE + f"view: {view}\n")
    assert key in str(err.value)


def test_the_chart_legend_sits_under_the_plot_not_over_its_first_points():
    from nnterm.app.sweep_chart import chart_text
    from nnterm.engine.experiments.sweep_summary import SweepLine, SweepSummary

    xs = (10.0, 100.0, 1000.0)
    ys = tuple(2.0 * x ** -0.5 for x in xs)
    line = SweepLine("base", "base", xs, ys, fit=power_law(xs, ys))
    rows = chart_text(SweepSummary("params", "val loss", True, True, (line,)),
                      width=60, height=16).plain.splitlines()
    legend = "base: ∝ x^-0.50, R² 1.000"
    assert rows[-1].endswith(legend)  # the last line, below the x axis
    assert not any(legend in row for row in rows[:-1])  # never inside the plot


def test_log_axes_of_the_chart_tick_at_round_values():
    from nnterm.app.sweep_chart import chart_text
    from nnterm.engine.experiments.sweep_summary import SweepLine, SweepSummary

    xs = (20.0, 75.0, 300.0, 1100.0, 4000.0)
    ys = (0.6, 0.9, 219.0, 1.0, 0.4)
    line = SweepLine("base", "base", xs, ys)
    rows = chart_text(SweepSummary("model.hidden", "val_loss", True, True, (line,)),
                      width=70, height=20).plain.splitlines()
    y_ticks = [row.split("┤")[0].strip() for row in rows if "┤" in row]
    x_ticks = next(row for row in rows[::-1] if "1,000" in row).split()
    assert y_ticks == ["100", "10", "1"]  # the decades, from the top
    assert x_ticks == ["100", "1,000"]
