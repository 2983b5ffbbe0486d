"""Guided lessons (``--lesson``) and a teacher's locks (``--lock``, ``lock:``), driven by
keys (Pilot) on an in-process engine; waits are for the session's snapshots, never for
wall-clock time."""

from __future__ import annotations

import pytest
from helpers import LESSON, footer_says, notifications_shown, record_notices, settled

from nnterm.app.app import NntermApp
from nnterm.app.cli import main
from nnterm.app.widgets.step_panel import StepPanel
from nnterm.engine.preset_format.loader import parse_preset
from nnterm.engine.training.commands import SetSpeed


def run_config(app: NntermApp, name: str):
    return next(v.config for v in app.main_view.snapshot.runs if v.name == name)


def panel_text(app: NntermApp) -> str:
    return str(app.query_one(StepPanel).render())


async def open_app(preset_text: str = LESSON, **kwargs):
    app = NntermApp(parse_preset(preset_text), in_process=True, **kwargs)
    app.notices = record_notices(app)
    return app


async def test_lesson_mode_opens_at_step_one_and_the_key_applies_each_step():
    app = await open_app(lesson=True)
    async with app.run_test(size=(120, 40)) as pilot:
        app.main_view.send(SetSpeed(200))
        await settled(app, pilot, lambda s: s.step > 0)
        assert "Step 1/3" in panel_text(app) and "Watch the loss fall." in panel_text(app)
        await pilot.press("N")
        await settled(app, pilot, lambda s: run_config(app, "slow").train.optimizer.lr == 0.5)
        assert run_config(app, "base").train.optimizer.lr == 0.1  # step 2 names slow only
        assert "Step 2/3" in panel_text(app)
        await pilot.press("N")
        await settled(app, pilot, lambda s: all(v.config.train.optimizer.momentum == 0.9
                                                for v in s.runs))
        await pilot.press("P")
        await pilot.pause()
        assert "Step 2/3" in panel_text(app)


async def test_a_live_claim_turns_into_seen_once_it_holds():
    app = await open_app(lesson=True, paused=True)
    async with app.run_test(size=(120, 40)) as pilot:
        app.main_view.send(SetSpeed(200))
        await pilot.press("N")
        await settled(app, pilot, lambda s: s.claims == (False,))
        assert "○ watch for: ten steps went by" in panel_text(app)
        await pilot.press("space")
        await settled(app, pilot, lambda s: 1 in app.main_view.lesson.steps.seen)
        assert app.main_view.snapshot.step >= 10
        assert "✓ seen: ten steps went by" in panel_text(app)
        await pilot.press("space", "r")  # the runs start over, paused: to be seen again
        await settled(app, pilot, lambda s: s.step == 0
                      and s.paused)
        assert not app.main_view.lesson.steps.seen
        assert "○ watch for: ten steps went by" in panel_text(app)
        await pilot.press("space")
        await settled(app, pilot, lambda s: 1 in app.main_view.lesson.steps.seen)
        assert app.main_view.snapshot.step >= 10
        assert app.notices.count("✓ seen: ten steps went by") == 2


async def test_without_lesson_mode_the_panel_says_how_to_begin():
    app = await open_app(paused=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await settled(app, pilot, lambda s: s is not None)
        assert "3 guided steps: press N to begin" in panel_text(app)
        await pilot.press("N")
        await pilot.pause()
        assert "Step 1/3" in panel_text(app)


async def test_a_locked_key_changes_nothing_and_says_so():
    app = await open_app(locks=("lr",), paused=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await settled(app, pilot, lambda s: s.paused)
        await pilot.press("plus")
        await pilot.press("o")  # not locked: its change shows that the keys were handled
        await settled(app, pilot,
                      lambda s: s.config.train.optimizer.momentum == 0.9)
        assert app.main_view.snapshot.config.train.optimizer.lr == 0.1
        assert "locked by the teacher: + (LR+)" in app.notices
        palette = {c.title for c in app.get_system_commands(app.screen)}
        assert "LR+" not in palette and "LR-" not in palette and "Optimizer" in palette


async def test_a_presets_lock_list_locks_its_controls():
    text = LESSON + "lock: [optimizer, architecture, picker]\n"
    app = await open_app(text, paused=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await settled(app, pilot, lambda s: s.paused)
        await pilot.press("o")
        await pilot.press("plus")
        await settled(app, pilot, lambda s: s.config.train.optimizer.lr != 0.1)
        assert app.main_view.snapshot.config.train.optimizer.momentum == 0.0
        palette = {c.title for c in app.get_system_commands(app.screen)}
        assert "Optimizer" not in palette
        assert not any(t.startswith("Open lesson") for t in palette)
        app.query_one("#architecture").focus()
        hidden = app.main_view.snapshot.config.model.hidden
        await pilot.press("right")
        await pilot.pause()
        assert app.main_view.snapshot.config.model.hidden == hidden
        assert "locked by the teacher: the architecture panel's edits" in app.notices


@pytest.mark.parametrize("argv, said", [
    (["--lock", "lr,optimiser"], "unknown control 'optimiser'"),
    (["xor", "--lock", "lr,optimiser"], "did you mean 'optimizer'"),
    (["learning_rate", "--lesson", "--lock", "+"], "lr (+ -)"),
])
def test_unknown_lock_names_exit_2_naming_them(argv, said, capsys):
    assert main(argv) == 2
    assert said in capsys.readouterr().err


def test_lesson_mode_on_a_preset_without_steps_exits_2(capsys, tmp_path):
    path = tmp_path / "plain.yaml"
    path.write_text(LESSON.split("\nsteps:")[0])
    assert main([str(path), "--lesson"]) == 2
    assert "no guided steps" in capsys.readouterr().err


async def test_on_a_small_terminal_the_steps_stay_in_sight_above_the_keys():
    app = await open_app(lesson=True, paused=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(app, pilot, lambda s: s.step >= 0)
        await pilot.pause()
        bar = app.query_one("#step-bar", StepPanel)
        in_lesson = app.query_one("#lesson").query_one(StepPanel)
        shown = str(bar.render())
        assert "Step 1/3" in shown and "Watch the loss fall." in shown
        assert bar.display and not in_lesson.display
        assert bar.region.height == len(shown.splitlines()) == 3  # heading, text, marks
        footer = app.query_one("Footer")
        assert bar.region.bottom <= footer.region.y  # every line above the keys
        await pilot.resize_terminal(120, 40)
        await pilot.pause()
        assert not bar.display and in_lesson.display


async def test_on_a_small_terminal_nothing_covers_the_step_bar():
    """A claim seen is said on the footer's line (the bar itself shows its ✓), and a
    toast (an error) hangs from the top, away from the bar above the keys."""
    app = await open_app(lesson=True, paused=True)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        app.main_view.send(SetSpeed(200))
        await pilot.press("N", "space")
        await settled(app, pilot, lambda s: 1 in app.main_view.lesson.steps.seen)
        await pilot.pause()
        assert notifications_shown(app) == []
        assert footer_says(app) == "Step 2: ✓ seen: ten steps went by"
        app.notify("the engine stopped", severity="error")
        await pilot.pause()
        (toast,) = app.screen.query("Toast")
        bar = app.query_one("#step-bar", StepPanel)
        assert bar.display and not toast.region.overlaps(bar.region)


async def test_a_small_terminal_shows_no_step_bar_for_a_preset_without_steps():
    app = await open_app(LESSON.split("\nsteps:\n")[0] + "\n", paused=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(app, pilot, lambda s: s is not None)
        await pilot.pause()
        assert not app.query_one("#step-bar", StepPanel).display
