"""The run table: a row per run with its state, changes and diagnoses, wrapping rather than
cutting at any width, each row with its curve's swatch. Drawn from hand-made snapshots."""

from __future__ import annotations

import dataclasses

import pytest
from hand_made_snapshots import RUNS, Host, cell, lines, make_run, make_snapshot
from rich.style import Style

from nnterm.app.widgets._common import detect_color_mode, run_colour
from nnterm.app.widgets.loss_plot import MONO_GLYPHS
from nnterm.app.widgets.run_table import RunTable


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


async def test_the_run_table_renders_again_only_when_a_loss_changes_as_shown():
    """The losses show two digits: a change in the third renders nothing, and a change
    shown renders the table once (eight runs' table takes 10-30 ms, and a key pressed
    meanwhile waits)."""
    table = RunTable()
    async with Host(table).run_test(size=(100, 10)) as pilot:
        base = dataclasses.replace(RUNS[0], train_loss=0.1234, val_loss=0.2345)
        assert table.update_snapshot(make_snapshot(runs=(base,), run="base"))
        await pilot.pause()
        renders = []
        render = table._renderable
        table._renderable = lambda width: renders.append(width) or render(width)
        third = dataclasses.replace(base, train_loss=0.1231, val_loss=0.2349)
        assert not table.update_snapshot(make_snapshot(runs=(third,), run="base"))
        assert renders == []
        second = dataclasses.replace(base, train_loss=0.1134)
        assert table.update_snapshot(make_snapshot(runs=(second,), run="base"))
        await pilot.pause()
        assert len(renders) == 1  # once, for its height and its rows alike
        assert "0.11" in table.rows[0] and "0.11" in "\n".join(lines(table))


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
