"""The sweep view: every run listed with its state, the summary drawn as runs finish,
a run opened in the main view and back, rerun, and no worker left after quitting."""

from __future__ import annotations

import multiprocessing
import time

import pytest
from helpers import record_notices

from nnterm.app.app import NntermApp
from nnterm.app.screens import HelpScreen
from nnterm.app.sweep_screen import SweepPlot, SweepScreen
from nnterm.engine.preset_format.loader import parse_preset

SWEEP = """\
name: tiny_sweep
title: A tiny sweep
section: "0. Test"
lesson: Just a test.
seed: 2
data: {name: moons, n_train: 64, n_val: 64, noise: 0.2}
model: {hidden: [4], activation: tanh}
train: {steps: 30, batch_size: 16, optimizer: {name: adam, lr: 0.05}, log_every: 10}
compare:
  relu: {model.activation: relu}
sweep:
  model.hidden: [[2], [4], [8]]
view: {sweep_x: model.hidden, sweep_log: x}
"""


async def all_finished(pilot, screen: SweepScreen, timeout: float = 60.0) -> None:
    """Let the app run until every run of the sweep has finished."""
    deadline = time.monotonic() + timeout
    while not screen.finished:
        assert time.monotonic() < deadline, f"the sweep did not finish: {screen.states}"
        await pilot.pause(0.05)


@pytest.mark.asyncio
async def test_a_sweep_opens_its_view_and_a_run_opens_in_the_main_view():
    app = NntermApp(parse_preset(SWEEP), in_process=True)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        assert isinstance(screen, SweepScreen) and app.main_view.live.session is None
        await all_finished(pilot, screen)
        assert len(screen.jobs) == 6
        summary = screen.query_one(SweepPlot).summary
        assert [line.label for line in summary.lines] == ["base", "relu"]
        assert all(len(line.xs) == 3 for line in summary.lines)

        await pilot.press("down", "enter")  # the second run: base at width 4
        await pilot.pause()
        assert app.screen is app.screen_stack[0]
        assert app.main_view.live.session is not None
        assert app.main_view.live.session.config == screen.jobs[1].config
        assert screen.jobs[1].label in app.sub_title

        titles = {c.title for c in app.get_system_commands(app.screen)}
        assert "Back to sweep" in titles  # (the palette offers it over a sweep's run)
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen and app.main_view.live.session is None

        generation = screen.generation
        await pilot.press("R")
        assert screen.generation == generation + 1 and screen.seed == 3
        await all_finished(pilot, screen)
    assert not multiprocessing.active_children()  # quitting left no worker behind


@pytest.mark.asyncio
async def test_the_sweep_view_shows_only_the_keys_that_work_there():
    app = NntermApp(parse_preset(SWEEP), in_process=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        shown = {binding.action for _, binding, enabled, *_
                 in app.screen.active_bindings.values() if enabled}
        assert {"rerun", "reseed"} <= shown
        assert "toggle_pause" not in shown and "learning_rate(1)" not in shown
        sweep = app.screen
        await pilot.press("question_mark")  # the help lists the same keys
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        listed = {b.key_display or b.key for b in (*app.screen.app_bindings,
                                                   *app.screen.editor_bindings,
                                                   *app.screen.lesson_bindings)}
        assert {"enter", "r", "R", "q", "?", "p", "s"} <= listed
        assert not {"space", "+", "o", "z", "n", "N", ">", "escape"} & listed, listed
        await pilot.press("escape")
        sweep.stop(wait=True)


@pytest.mark.asyncio
async def test_a_sweep_run_again_has_its_lessons_claims_watched_for_again():
    text = SWEEP + """steps:
  - text: Watch the curve form.
    claim: {metric: val_loss, op: ">", value: 0, run: base, point: {model.hidden: [8]}}
    seen: the widest base run finished
"""
    app = NntermApp(parse_preset(text), in_process=True, lesson=True)
    notices = record_notices(app)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        await all_finished(pilot, screen)
        await pilot.pause()
        assert app.main_view.lesson.steps.seen == {0}
        assert [n for n in notices if "seen" in n] == ["✓ seen: the widest base run finished"]
        await pilot.press("r")  # seen again in the new sweep, not kept from the old one
        await all_finished(pilot, screen)
        await pilot.pause()
        assert screen.generation == 2
        assert app.main_view.lesson.steps.seen == {0}
        assert [n for n in notices if "seen" in n] == ["✓ seen: the widest base run finished"] * 2
    assert not multiprocessing.active_children()
