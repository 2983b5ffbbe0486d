"""The decision boundary: one run's regions, points and legend, and every run's side by side
with captions that say each one's accuracy. Drawn from hand-made snapshots."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
from hand_made_snapshots import RUNS, Host, cell, lines, make_boundary, make_run, make_snapshot

from nnterm.app.widgets._tile_captions import tile_captions
from nnterm.app.widgets.boundary import DecisionBoundary


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
