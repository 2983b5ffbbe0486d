"""Keys pressed faster than the engine answers all count: each acts on the state the
previous one left, not on the last snapshot (Pilot; the engine in the app's thread).

Each test queues its keys as one burst, as a terminal delivers keys typed (or sent by
``tmux send-keys``) faster than the app draws: every key is handled before the engine's
next snapshot can reach the app. Then it waits until the engine has taken every command
(``Snapshot.commands_taken``) and checks the engine's own Config.
"""

from __future__ import annotations

import pytest
from helpers import KEYS_PRESET, LESSON, settled
from textual import events

from nnterm.app import controls
from nnterm.app.app import NntermApp
from nnterm.app.live_runs import LiveRuns
from nnterm.app.widgets.architecture import ArchitectureEditor
from nnterm.engine.live import run_commands as rc
from nnterm.engine.preset_format.loader import parse_preset
from nnterm.engine.training.config import Config, with_changes

#: Each key's event: (key name, character).
KEYS = {"+": ("plus", "+"), "-": ("minus", "-"), ">": ("greater_than_sign", ">"),
        " ": ("space", " ")}


def burst(app: NntermApp, *keys: str) -> None:
    """Queue ``keys`` at once: none is handled before the last is queued."""
    for key in keys:
        name, char = KEYS.get(key, (key, key if len(key) == 1 else None))
        app.post_message(events.Key(name, char))


async def all_taken(app: NntermApp, pilot):
    """The first snapshot of the engine's that reflects every command sent."""
    session = app.main_view.live.session
    return await settled(app, pilot, lambda s: s.commands_taken >= session.commands_sent)


async def engine_config(app: NntermApp, pilot, run: str | None = None) -> Config:
    """The Config the engine reports once it has taken every command sent."""
    snapshot = await all_taken(app, pilot)
    if run is None:
        return snapshot.config
    return next(v.config for v in snapshot.runs if v.name == run)


def repeated(control, config: Config, times: int) -> Config:
    """``config`` after ``control`` (a ``controls`` function) applied ``times`` times."""
    for _ in range(times):
        config = with_changes(config, control(config))
    return config


@pytest.mark.parametrize(("key", "control", "times"), [
    ("+", lambda c: controls.learning_rate(c, 1), 4),
    ("-", lambda c: controls.learning_rate(c, -1), 3),
    ("B", lambda c: controls.batch_size(c, 1), 2),  # 32 -> 64 -> the full batch
    ("b", lambda c: controls.batch_size(c, -1), 3),
    ("o", lambda c: controls.optimizer(c)[1], 3),
    ("a", controls.activation, 3),
    ("i", controls.init, 2),
    ("d", controls.dropout, 3),
    ("w", controls.weight_decay, 3),
])
async def test_each_setting_key_counts_every_press(key, control, times):
    app = NntermApp(KEYS_PRESET, in_process=True, paused=True)
    async with app.run_test(size=(120, 40)) as pilot:
        start = await engine_config(app, pilot)
        burst(app, *[key] * times)
        await pilot.pause()
        got = await engine_config(app, pilot)
        want = repeated(control, start, times)
        assert got == want
        assert repeated(control, start, times - 1) != want  # each press moved it on


async def test_four_quick_pluses_are_four_rungs_on_every_run():
    preset = parse_preset(LESSON)  # base at lr 0.1 and "slow" at 0.01
    app = NntermApp(preset, in_process=True, paused=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await engine_config(app, pilot)
        burst(app, "+", "+", "+", "+")
        await pilot.pause()
        rungs = controls.LEARNING_RATES
        base = await engine_config(app, pilot, "base")
        slow = await engine_config(app, pilot, "slow")
        assert base.train.optimizer.lr == rungs[rungs.index(0.1) + 4]
        assert slow.train.optimizer.lr == rungs[rungs.index(0.01) + 4]


async def test_quick_run_selection_and_pause_keys_add_up():
    preset = parse_preset(LESSON)
    app = NntermApp(preset, in_process=True, paused=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await engine_config(app, pilot)
        burst(app, ">", ">")  # two runs: base -> slow -> base
        await pilot.pause()
        snapshot = await all_taken(app, pilot)
        assert snapshot.run == "base"
        burst(app, " ", " ")  # paused -> running -> paused
        await pilot.pause()
        snapshot = await all_taken(app, pilot)
        assert all(v.paused for v in snapshot.runs)
        burst(app, "g", ">", " ")  # the keys change slow alone: it runs, base stays paused
        await pilot.pause()
        snapshot = await all_taken(app, pilot)
        assert {v.name: v.paused for v in snapshot.runs} == {"base": True, "slow": False}


async def test_quick_architecture_edits_each_act_on_the_last():
    app = NntermApp(KEYS_PRESET, in_process=True, paused=True)  # hidden (8, 8)
    async with app.run_test(size=(120, 40)) as pilot:
        await engine_config(app, pilot)
        app.query_one(ArchitectureEditor).focus()
        await pilot.pause()
        burst(app, "left", "left")  # 8 -> 4 -> 2
        await pilot.pause()
        assert (await engine_config(app, pilot)).model.hidden == (2, 8)
        burst(app, "A", "right", "right", "e", "e")  # a third layer, 2 -> 4 -> 8, 2 acts on
        await pilot.pause()
        model = (await engine_config(app, pilot)).model
        assert model.hidden == (2, 8, 8)
        assert model.activation == ("tanh", controls.ACTIVATIONS[
            (controls.ACTIVATIONS.index("tanh") + 2) % len(controls.ACTIVATIONS)], "tanh")
        burst(app, "X", "X")  # the new layer, then the one selected after it
        await pilot.pause()
        assert (await engine_config(app, pilot)).model.hidden == (2,)


async def test_quick_lesson_steps_each_take_their_change():
    app = NntermApp(parse_preset(LESSON), in_process=True, paused=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await engine_config(app, pilot)
        burst(app, "N", "N", "N")  # steps 1, 2 (slow's lr 0.5) and 3 (momentum everywhere)
        await pilot.pause()
        assert app.main_view.lesson.steps.current == 2
        slow = await engine_config(app, pilot, "slow")
        base = await engine_config(app, pilot, "base")
        assert slow.train.optimizer.lr == 0.5 and base.train.optimizer.lr == 0.1
        assert slow.train.optimizer.momentum == base.train.optimizer.momentum == 0.9


async def test_quick_speed_keys_each_move_the_pace():
    app = NntermApp(KEYS_PRESET, in_process=True, paused=True, speed="full")
    async with app.run_test(size=(120, 40)) as pilot:
        await engine_config(app, pilot)
        burst(app, "f", "f", "f")
        await pilot.pause()
        want = None
        for _ in range(3):
            want = controls.speed(want, KEYS_PRESET.view.steps_per_second)
        assert app.main_view.live.speed == want


def test_a_key_pressed_before_the_first_snapshot_counts():
    """The runs as the lesson opens them stand in for a snapshot not come yet: a key
    pressed as the app starts changes them, and the engine's first snapshot shows it."""
    live = LiveRuns(in_process=True, paused=True)
    preset = parse_preset(LESSON)  # base at lr 0.1 and "slow" at 0.01
    for command in live.open(preset, on_update=lambda: None):
        live.send(command)
    try:
        state = live.state
        assert live.snapshot is None and state is not None
        assert state.names == ("base", "slow") and state.current.paused
        changes = {run.name: controls.learning_rate(run.config, 1) for run in state.runs}
        live.send(rc.SetEach(changes))
        assert live.state.current.config.train.optimizer.lr == pytest.approx(0.3)
        # what the status line shows at once, marked until the engine has it
        assert live.coming_config("slow").train.optimizer.lr == pytest.approx(0.03)
        assert live.coming_config("no such run") is None
        live.serve()
        session = live.session
        for _ in range(50):
            if live.snapshot is not None and \
                    live.snapshot.commands_taken >= session.commands_sent:
                break
            session.wait_for_update(session.version, 5.0)
            live.poll()
        assert {v.name: v.config.train.optimizer.lr for v in live.snapshot.runs} == \
            pytest.approx({"base": 0.3, "slow": 0.03})
    finally:
        live.close()
