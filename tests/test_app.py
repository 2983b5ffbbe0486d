"""The app driven by keys (Pilot): each key's effect on the trainer and the status line.

The engine runs in the app's worker thread (``in_process``); tests wait for the session's
next snapshot (an Event-backed counter), never for wall-clock time.
"""

from __future__ import annotations

import asyncio
import html
import os
import random
import re
import signal
from dataclasses import replace

import pytest
from helpers import KEYS_PRESET, footer_says, notifications_shown, settled, status
from textual.app import App
from textual.widgets import OptionList

from nnterm.app.app import NntermApp
from nnterm.app.screens import PresetPicker
from nnterm.app.widgets.architecture import ArchitectureEditor
from nnterm.app.widgets.boundary import DecisionBoundary
from nnterm.app.widgets.grad_histogram import GradientHistogram
from nnterm.app.widgets.heatmap import WeightHeatmap
from nnterm.app.widgets.keys_footer import KeysFooter
from nnterm.app.widgets.loss_plot import LossPlot
from nnterm.app.widgets.status_line import StatusLine
from nnterm.engine.preset_format.loader import load_preset
from nnterm.engine.training.commands import SetSpeed
from nnterm.engine.training.config import with_changes


@pytest.fixture(params=[True], ids=["in-process"])
async def running(request):
    app = NntermApp(KEYS_PRESET, in_process=request.param)
    async with app.run_test(size=(120, 40)) as pilot:
        app.main_view.send(SetSpeed(200))  # leave the UI thread time to handle keys
        await settled(app, pilot, lambda s: s.step > 0)
        yield app, pilot


async def test_space_pauses_and_step_advances_one(running):
    app, pilot = running
    await pilot.press("space")
    paused = await settled(app, pilot, lambda s: s.paused)
    before = paused.step
    await pilot.press("full_stop")
    stepped = await settled(app, pilot, lambda s: s.step != before)
    assert stepped.step == before + 1 and stepped.paused
    assert "paused" in status(app)
    await pilot.press("space")
    await settled(app, pilot, lambda s: not s.paused and s.step > before + 1)


async def test_learning_rate_keys_walk_the_ladder_and_show_at_once(running):
    app, pilot = running
    await pilot.press("plus")
    snap = await settled(app, pilot, lambda s: s.config.train.optimizer.lr != 0.1)
    assert snap.config.train.optimizer.lr == pytest.approx(0.3)
    assert "lr 0.3" in status(app)
    await pilot.press("minus", "minus")
    snap = await settled(app, pilot, lambda s: s.config.train.optimizer.lr < 0.1)
    assert snap.config.train.optimizer.lr == pytest.approx(0.03)


async def test_batch_optimizer_activation_dropout_weight_decay_keys(running):
    app, pilot = running
    await pilot.press("b")
    await settled(app, pilot, lambda s: s.config.train.batch_size == 16)
    await pilot.press("B", "B")
    await settled(app, pilot, lambda s: s.config.train.batch_size == 64)
    await pilot.press("o")
    snap = await settled(app, pilot, lambda s: s.config.train.optimizer.momentum == 0.9)
    assert snap.config.train.optimizer.name == "sgd"
    await pilot.press("a")
    await settled(app, pilot, lambda s: s.config.model.activation == "identity")
    await pilot.press("d")
    await settled(app, pilot, lambda s: s.config.model.dropout == 0.1)
    await pilot.press("w")
    snap = await settled(app, pilot, lambda s: s.config.train.optimizer.weight_decay == 1e-4)
    assert snap.step > 0  # none of these restarted the run


async def test_init_key_reinitialises_and_reset_and_reseed_restart(running):
    app, pilot = running
    await pilot.press("space")  # paused, a restarted run stays at step 0
    await settled(app, pilot, lambda s: s.paused and s.step > 0)
    await pilot.press("i")
    snap = await settled(app, pilot, lambda s: s.config.model.init.scheme == "zeros")
    assert snap.step == 0
    await pilot.press("full_stop")
    await settled(app, pilot, lambda s: s.step == 1)
    await pilot.press("R")
    snap = await settled(app, pilot, lambda s: s.config.seed == 1)
    assert snap.step == 0
    await pilot.press("full_stop")
    await settled(app, pilot, lambda s: s.step == 1)
    await pilot.press("r")
    snap = await settled(app, pilot, lambda s: s.step == 0)
    assert snap.config.seed == 1


async def test_help_screen_lists_every_key(running):
    app, pilot = running
    await pilot.press("question_mark")
    await pilot.pause()
    text = html.unescape(re.sub(r"<[^>]+>", "", app.export_screenshot())).replace("\xa0", " ")
    for binding in (*app.BINDINGS, *ArchitectureEditor.BINDINGS):
        assert binding.description in text
    await pilot.press("escape")
    await pilot.pause()
    assert app.screen is app.screen_stack[0]


@pytest.mark.parametrize("running", [False], ids=["engine-process"], indirect=True)
async def test_mashing_keys_keeps_the_app_and_trainer_consistent(running):
    app, pilot = running
    keys = ["space", "full_stop", "r", "plus", "minus", "b", "B", "o", "a", "d", "w", "f",
            "l", "c", "v", "left_square_bracket", "right_square_bracket", "R", "n", "z", "tab"]
    rng = random.Random(0)
    for _ in range(120):
        await pilot.press(rng.choice(keys))
    await pilot.press("escape")
    if app.main_view.snapshot.paused:
        await pilot.press("space")
    before = app.main_view.snapshot.step
    snap = await settled(app, pilot, lambda s: not s.paused and s.step != before)
    assert app.is_running and app.main_view.live.session.alive
    assert snap.config.train.optimizer.lr > 0


async def test_space_on_a_finished_run_trains_on():
    preset = replace(KEYS_PRESET, config=with_changes(KEYS_PRESET.config, {"train.steps": 30}))
    app = NntermApp(preset, in_process=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await settled(app, pilot, lambda s: s.status == "finished")
        assert app.main_view.snapshot.step == 30
        await pilot.press("space")
        snap = await settled(app, pilot, lambda s: s.step > 30)
        assert snap.config.train.steps == 60


async def test_tiny_terminal_and_resizes_do_not_crash(running):
    app, pilot = running
    for size in ((40, 12), (80, 24), (200, 60), (41, 13)):
        await pilot.resize_terminal(*size)
        before = app.main_view.snapshot.step
        await settled(app, pilot, lambda s, b=before: s.step != b)
    await pilot.press("z")
    await pilot.press("z")
    assert app.is_running


async def test_architecture_keys_edit_the_network(running):
    app, pilot = running
    app.query_one("#architecture").focus()
    await pilot.press("right")
    snap = await settled(app, pilot, lambda s: s.config.model.hidden == (16, 8))
    assert snap.step < 1000
    await pilot.press("A")
    await settled(app, pilot, lambda s: s.config.model.hidden == (16, 16, 8))
    await pilot.press("X")  # the new layer is selected
    await settled(app, pilot, lambda s: s.config.model.hidden == (16, 8))
    await pilot.press("e")
    snap = await settled(app, pilot, lambda s: s.config.model.activation != "tanh")
    assert snap.config.model.activation == ("tanh", "identity")  # the second layer is selected


async def test_screenshot_and_save_preset_keys_write_files(running, tmp_path, monkeypatch):
    app, pilot = running
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.delenv("XDG_PICTURES_DIR", raising=False)
    await pilot.press("plus")
    await settled(app, pilot, lambda s: s.config.train.optimizer.lr == pytest.approx(0.3))
    await pilot.press("s", "S")
    await pilot.pause()
    assert not list(tmp_path.glob("*.svg"))  # never into the current folder
    assert len(list((tmp_path / "data" / "nnterm" / "screenshots").glob("*.svg"))) == 1
    saved = load_preset(str(tmp_path / "config" / "nnterm" / "presets" / "keys_saved.yaml"))
    assert saved.config.train.optimizer.lr == pytest.approx(0.3)
    assert saved.config.model == app.main_view.snapshot.config.model


async def test_the_preset_picker_switches_lessons(running):
    app, pilot = running
    await pilot.press("p")
    await pilot.pause()
    picker = app.screen
    options = picker.query_one(OptionList)
    await pilot.press(*"dead relu")  # typing filters: every word must match
    await pilot.pause()
    shown = [options.get_option_at_index(i) for i in range(options.option_count)]
    assert [o.id for o in shown if not o.disabled] == ["dead_relu"]
    assert shown[0].disabled  # its section's name heads it, not selectable
    await pilot.press("enter")
    await settled(app, pilot, lambda s: app.main_view.preset.name == "dead_relu"
                  and s.config.model.init.bias == -5.0)
    assert app.screen is app.screen_stack[0]


async def test_the_picker_lists_the_course_in_order_under_section_names():
    picker = PresetPicker(current="xor")
    async with App().run_test(size=(100, 40)) as pilot:
        pilot.app.push_screen(picker)
        await pilot.pause()
        options = picker.query_one(OptionList)
        ids = [options.get_option_at_index(i).id for i in range(options.option_count)]
        headers = [i for i, name in enumerate(ids) if name is None]
        assert ids[0] is None and ids[1] == "playground" and len(headers) >= 10
        order = [p.name for p in picker.presets]
        assert [name for name in ids if name] == order
        assert ids[options.highlighted] == "xor"  # the cursor starts on the current lesson


async def test_escape_on_the_start_up_picker_says_how_to_quit():
    app = NntermApp(None, in_process=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, PresetPicker)
        await pilot.press("escape")
        await pilot.pause()
        assert app.is_running and isinstance(app.screen, PresetPicker)
        assert any("ctrl+q to quit" in m for m in notifications_shown(app))


async def test_a_new_lesson_opens_with_the_view_reset(running):
    app, pilot = running
    plot, boundary = app.query_one(LossPlot), app.query_one(DecisionBoundary)
    await pilot.press("l", "v", "m", "right_square_bracket", "n")
    assert plot.log_scale and boundary.validation_shown and not boundary.gallery_shown
    assert not app.query_one("#lesson").display
    app.start(KEYS_PRESET)
    await pilot.pause()
    assert not plot.log_scale and not boundary.validation_shown and boundary.gallery_shown
    assert app.query_one("#lesson").display
    assert app.query_one(GradientHistogram).selected_layer == 0


async def test_view_keys_toggle_their_panels(running):
    app, pilot = running
    plot, boundary = app.query_one(LossPlot), app.query_one(DecisionBoundary)
    gradients, heatmap = app.query_one(GradientHistogram), app.query_one(WeightHeatmap)
    await pilot.press("l", "c", "v", "right_square_bracket", "t")
    await pilot.pause()
    assert plot.log_scale and plot.accuracy_shown and boundary.validation_shown
    assert heatmap.tiles_shown  # moons has no image input: the app says so
    assert gradients.selected_layer == heatmap.selected_layer == 1
    await pilot.press("right_square_bracket")
    assert gradients.selected_layer == heatmap.selected_layer == 2
    await pilot.press("n")
    assert not app.query_one("#lesson").display
    await pilot.press("z")
    assert app.screen.maximized is plot
    await pilot.press("z")
    assert app.screen.maximized is None
    app.query_one("#lesson").display = True
    app.query_one("#lesson").focus()
    await pilot.press("z")  # the lesson zooms too
    assert app.screen.maximized is app.query_one("#lesson")
    await pilot.press("z")
    await pilot.press("f")
    await settled(app, pilot, lambda s: "1 step/s" in s.message)
    assert app.main_view.live.speed == 1.0 and "1 step/s" in status(app)


async def test_the_status_line_says_when_the_engine_died_and_r_brings_it_back():
    app = NntermApp(KEYS_PRESET, in_process=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await settled(app, pilot, lambda s: s.step > 0)
        session = app.main_view.live.session
        os.kill(session.pid, signal.SIGKILL)
        while session.alive:
            await asyncio.to_thread(session.wait_for_update, session.version, 5.0)
        app.main_view.poll()
        await pilot.pause()
        text = status(app).plain
        assert "engine stopped" in text and "running" not in text and "r restarts" in text
        last = app.main_view.snapshot
        await pilot.press("r")
        await settled(app, pilot, lambda s: s is not last and session.alive)
        assert "running" in status(app).plain


async def test_diagnoses_are_said_on_the_footers_line_not_in_toasts_over_the_panels(running):
    app, pilot = running
    view = app.main_view
    view.say_diagnoses(replace(view.snapshot, diagnoses=()))  # this run, no news yet
    app.clear_notifications()
    news = (("dead_relu", 2, "dead"), ("loss_rising", 2, "rising"), ("nan", 2, "NaN"))
    app.main_view.say_diagnoses(replace(app.main_view.snapshot, diagnoses=news))
    await pilot.pause()
    assert notifications_shown(app) == []
    assert footer_says(app) == "▲ dead_relu: dead · ▲ loss_rising: rising · ▲ nan: NaN"


async def test_notices_are_said_on_the_footers_line_and_errors_stay_toasts(running):
    app, pilot = running
    app.clear_notifications()
    await pilot.press("c")  # the curves key says what is plotted now
    await pilot.pause()
    assert notifications_shown(app) == []
    assert footer_says(app).startswith("Curves: plotting")
    app.clear_notifications()  # (as a screenshot script does: the keys come back)
    await pilot.pause()
    assert not footer_says(app)
    app.query_one(KeysFooter).said.seconds = 0.1  # then the keys come back
    app.notify("plotting train loss", title="Curves")
    for _ in range(100):  # (each pause lets the timer run)
        await pilot.pause(0.05)
        if not footer_says(app):
            break
    assert not footer_says(app)
    app.notify("the disk is full", title="Screenshot", severity="error")
    await pilot.pause()
    assert notifications_shown(app) == ["the disk is full"]


async def test_what_a_key_did_leaves_the_status_line_after_some_seconds(running):
    """The engine keeps its last message in every snapshot; the line shows it for
    ``said.seconds`` (a timer), not for as long as nothing else is said."""
    app, pilot = running
    line = app.query_one(StatusLine)
    line.said.seconds = 2.0
    await pilot.press("r")
    await settled(app, pilot, lambda s: s.message.startswith("reset"))
    assert "reset to step 0" in status(app).plain
    for _ in range(100):  # the timer takes it away (each pause lets it run)
        await pilot.pause(0.05)
        if "reset" not in status(app).plain:
            break
    step = app.main_view.snapshot.step
    snap = await settled(app, pilot, lambda s: s.step > step + 5)
    assert snap.message.startswith("reset") and "reset" not in status(app).plain
    await pilot.press("r")  # the same key again: the same words are news again
    await settled(app, pilot, lambda s: s.step < snap.step)
    assert "reset to step 0" in status(app).plain


async def test_the_command_palette_opens_lessons_and_says_what_keys_do(running):
    app, _ = running
    commands = list(app.get_system_commands(app.screen))
    titles = {c.title: c for c in commands}
    assert "Open lesson dead_relu" in titles
    assert "6. Activation functions" in titles["Open lesson dead_relu"].help
    lr = titles["LR+"].help
    assert lr.startswith("Move the learning rate") and "(key +)" in lr
    keys = [c for c in commands if "(key " in c.help]
    assert all(not c.help.startswith("key ") for c in keys)  # words first, then the key
    assert len({c.help for c in keys}) >= 25
    # only what does something now: no sweep to go back to, no guided steps
    assert not {"Back to sweep", "Next step", "Step back"} & set(titles)


async def test_selecting_a_deep_layer_scrolls_its_row_into_sight_on_a_small_screen():
    app = NntermApp(load_preset("xavier_vs_he"), in_process=True, paused=True)
    async with app.run_test(size=(80, 24)) as pilot:  # one column that scrolls
        editor = app.query_one(ArchitectureEditor)
        body = app.query_one("#body")
        await settled(app, pilot, lambda s: s.config is not None)
        editor.focus()
        for key in ("down", "up"):  # to the output row, then back to the first layer
            for _ in range(editor.n_hidden):
                await pilot.press(key)
                await pilot.pause()
                row = next(y for y, line in enumerate(editor.render().plain.splitlines())
                           if line.startswith("▸"))
                y = editor.content_region.y + row  # on the screen
                assert body.content_region.y <= y < body.content_region.bottom, key
