"""A lesson's runs in the app (Pilot): selection, one/all-runs keys, copy and remove,
reset together, and the pace it opens at.

The engine runs in the app's worker thread (``in_process``); tests wait for the session's
next snapshot, never for wall-clock time.
"""

from __future__ import annotations

import pytest
from helpers import settled, status
from textual.geometry import Region

from nnterm.app.app import NntermApp
from nnterm.app.widgets.boundary import DecisionBoundary
from nnterm.app.widgets.depth_profile import DepthProfile
from nnterm.app.widgets.fit_table import FitTable
from nnterm.app.widgets.loss_plot import LossPlot
from nnterm.app.widgets.run_table import RunTable
from nnterm.engine.preset_format.loader import load_preset, parse_preset
from nnterm.engine.training.commands import SetSpeed

PRESET = parse_preset("""
name: arms
title: Three learning rates
section: "0. Test"
lesson: Three arms of one run.
data: {name: moons, n_train: 128, n_val: 64, noise: 0.1}
model: {hidden: [8], activation: tanh}
train:
  steps: 1000000
  optimizer: {name: sgd, lr: 0.1}
  log_every: 20
compare:
  fast: {train.optimizer.lr: 1.0}
  slow: {train.optimizer.lr: 0.01}
view: {steps_per_second: 40}
""")


def lrs(snapshot) -> dict[str, float]:
    return {v.name: v.config.train.optimizer.lr for v in snapshot.runs}


@pytest.fixture
async def arms():
    app = NntermApp(PRESET, in_process=True)
    async with app.run_test(size=(120, 40)) as pilot:
        app.main_view.send(SetSpeed(200))
        await settled(app, pilot, lambda s: s.step > 0 and len(s.runs) == 3)
        yield app, pilot


async def test_every_run_is_in_the_table_the_legend_and_the_boundaries(arms):
    app, pilot = arms
    await settled(app, pilot, lambda s: all(v.step > 0 for v in s.runs))
    table = app.query_one(RunTable)
    assert table.display
    rows = table.rows
    assert [row.split()[2] for row in rows] == ["base", "fast", "slow"]
    assert "lr 1" in rows[1] and "lr 0.01" in rows[2] and "(base)" in rows[0]
    plot = app.query_one(LossPlot)
    plot.flush()
    assert [w for w in plot.legend(app.main_view.snapshot).plain.split() if w.isalpha()] == [
        "base", "fast", "slow"]
    assert app.query_one(DecisionBoundary).gallery_shown


async def test_selection_keys_choose_the_run_the_panels_show(arms):
    app, pilot = arms
    await pilot.press("greater_than_sign")
    await settled(app, pilot, lambda s: s.run == "fast")
    assert "fast" in status(app).plain.split("\n")[0]
    await pilot.press("3")
    await settled(app, pilot, lambda s: s.run == "slow")
    await pilot.press("greater_than_sign")
    await settled(app, pilot, lambda s: s.run == "base")  # wraps around
    await pilot.press("less_than_sign")
    snap = await settled(app, pilot, lambda s: s.run == "slow")
    assert snap.config.train.optimizer.lr == 0.01  # the detail is the selected run's
    assert app.query_one(RunTable).rows[2].startswith("▸")


async def test_keys_change_every_run_from_its_own_value_or_only_the_selected(arms):
    app, pilot = arms
    assert "keys → all 3 runs" in status(app).plain
    await pilot.press("plus")
    snap = await settled(app, pilot, lambda s: lrs(s)["base"] != 0.1)
    assert lrs(snap) == pytest.approx({"base": 0.3, "fast": 3.0, "slow": 0.03})
    await pilot.press("2", "g")
    await settled(app, pilot, lambda s: s.run == "fast")
    assert "keys → fast only" in status(app).plain
    await pilot.press("minus")
    snap = await settled(app, pilot, lambda s: lrs(s)["fast"] != 3.0)
    assert lrs(snap) == pytest.approx({"base": 0.3, "fast": 1.0, "slow": 0.03})
    await pilot.press("space")  # pauses the selected run only
    snap = await settled(app, pilot, lambda s: s.runs[1].paused)
    assert not snap.runs[0].paused and not snap.runs[2].paused
    await pilot.press("g", "space")  # all runs: some run, so pause them all
    snap = await settled(app, pilot, lambda s: all(v.paused for v in s.runs))


async def test_copying_a_run_then_changing_only_the_copy(arms):
    app, pilot = arms
    await pilot.press("2", "C")
    snap = await settled(app, pilot, lambda s: len(s.runs) == 4 and s.run == "fast+")
    assert snap.runs[3].step == snap.runs[1].step or snap.runs[3].step > 0
    assert "keys → fast+ only" in status(app).plain
    await pilot.press("minus")
    snap = await settled(app, pilot, lambda s: lrs(s)["fast+"] != 1.0)
    assert lrs(snap) == pytest.approx({"base": 0.1, "fast": 1.0, "slow": 0.01, "fast+": 0.3})
    assert "lr 0.3" in app.query_one(RunTable).rows[3]
    await pilot.press("x")
    snap = await settled(app, pilot, lambda s: len(s.runs) == 3)
    assert [v.name for v in snap.runs] == ["base", "fast", "slow"]


async def test_the_last_run_cannot_be_removed(arms):
    app, pilot = arms
    await pilot.press("x")
    await settled(app, pilot, lambda s: len(s.runs) == 2)
    await pilot.press("x")
    snap = await settled(app, pilot, lambda s: len(s.runs) == 1)
    await pilot.press("x")
    await pilot.pause()
    runs = app.main_view.snapshot.runs
    assert len(runs) == 1 and snap.runs[0].name == runs[0].name


async def test_reset_restarts_every_run_together(arms):
    app, pilot = arms
    await settled(app, pilot, lambda s: min(v.step for v in s.runs) > 40)
    await pilot.press("space", "r")
    snap = await settled(app, pilot, lambda s: all(v.step == 0 for v in s.runs))
    assert len(snap.runs) == 3


def recording_sends(monkeypatch) -> list:
    """Every command the app sends to its sessions from now on."""
    import nnterm.app.live_runs as live_runs

    sent, open_session = [], live_runs.open_session

    def recorded(*args, **kwargs):
        session = open_session(*args, **kwargs)
        send = session.send

        def recorded_send(command):
            sent.append(command)
            return send(command)

        session.send = recorded_send
        return session

    monkeypatch.setattr(live_runs, "open_session", recorded)
    return sent


async def test_the_app_opens_at_the_lessons_pace_unless_told_otherwise(monkeypatch):
    sent = recording_sends(monkeypatch)
    app = NntermApp(PRESET, in_process=True)
    async with app.run_test(size=(120, 40)) as pilot:
        snap = await settled(app, pilot, lambda s: s.step > 0)
        assert app.main_view.live.speed == 40.0 and SetSpeed(40.0, announce=False) in sent
        assert snap.message == ""  # the pace a lesson opens at is no news
        await pilot.press("f", "f", "f", "f")  # 40 -> 100 -> full -> 1 -> 5
        await settled(app, pilot, lambda s: s.message == "5 steps/s")
    sent.clear()
    app = NntermApp(PRESET, in_process=True, speed="full", paused=True)
    async with app.run_test(size=(120, 40)) as pilot:
        snap = await settled(app, pilot, lambda s: s.paused)
        assert snap.step == 0 and app.main_view.live.speed is None
        assert all(v.paused for v in snap.runs)
        assert not [c for c in sent if isinstance(c, SetSpeed)]  # full speed: the default
    app = NntermApp(PRESET, in_process=True, speed=7.0)
    async with app.run_test(size=(120, 40)) as pilot:
        await settled(app, pilot, lambda s: s.step > 0)
        assert SetSpeed(7.0, announce=False) in sent


async def test_inputs_that_are_not_a_plane_show_the_profile_over_depth():
    deep = parse_preset("""
name: deep
title: Deep
section: "0. Test"
lesson: Gradients through depth.
data: {name: random_classification, n_train: 128, n_val: 64, params: {dim: 3}}
model: {hidden: [16, 16, 16], activation: sigmoid}
train: {steps: 1000000, log_every: 10}
view: {depth: grad_norm}
""")
    app = NntermApp(deep, in_process=True, speed="full")
    async with app.run_test(size=(120, 40)) as pilot:
        await settled(app, pilot, lambda s: s.step > 20)
        await pilot.press("space")  # paused: every panel draws the snapshot at once
        await settled(app, pilot, lambda s: s.paused)
        picture = app.query_one("#picture")
        assert picture.current == "depth" and picture.border_title == "Layers by depth"
        profile = app.query_one(DepthProfile)
        assert profile.metric == "grad_norm" and "gradient norm" in profile.render().plain
        await pilot.press("k")
        assert profile.metric == "act_std"


async def test_the_train_val_table_lights_the_overfitting_row():
    """The glossary's table of section 8 on the overfitting lesson: "not yet" at step 0
    (the loss is at chance), then, once the base run memorises its 100 points, the low
    train / high val row."""
    app = NntermApp(load_preset("overfitting"), in_process=True, speed="full", paused=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await settled(app, pilot, lambda s: s.paused)
        table = app.query_one(FitTable)
        assert table.display and table.lit == "" and table.border_subtitle == "not yet"
        assert not any(row.startswith("▸") for row in table.rows)
        await pilot.press("space")
        await settled(app, pilot, lambda s: s.fit_diagnosis == "overfitting")
        await pilot.pause()
        assert table.lit == "overfitting" and table.border_subtitle == ""
        assert [row for row in table.rows if row.startswith("▸")] == [
            "▸low   high overfitting (memorising)"]


async def test_lessons_outside_section_8_have_no_train_val_table(arms):
    assert not arms[0].query_one(FitTable).display


async def test_a_key_that_does_the_same_to_every_run_says_it_once(arms):
    app, pilot = arms
    await pilot.press("a")  # every run's activation to the next one: the same for all
    snap = await settled(app, pilot, lambda s: "activation" in s.message)
    assert ":" not in snap.message and "·" not in snap.message  # not once per run
    await pilot.press("plus")  # each run's own lr up a rung: they differ, so named
    snap = await settled(app, pilot, lambda s: "lr" in s.message)
    assert snap.message.count("·") == 2 and "fast: lr 3" in snap.message


@pytest.mark.parametrize("size", [(120, 40), (80, 24)], ids=lambda s: f"{s[0]}x{s[1]}")
async def test_a_zoomed_panel_fills_the_screen_however_short(size):
    """Zoom shows the panel, not the panel in a sea of hatching."""
    app = NntermApp(PRESET, in_process=True, paused=True)
    async with app.run_test(size=size) as pilot:
        await settled(app, pilot, lambda s: len(s.runs) == 3)
        app.query_one("#fit-table").display = True  # (not every lesson's)
        for panel in ("runs", "architecture", "fit-table", "gradients", "lesson"):
            widget = app.query_one(f"#{panel}")
            widget.focus()
            await pilot.press("z")
            await pilot.pause()
            assert app.screen.maximized is widget
            footer = app.query_one("Footer")
            assert widget.region == Region(0, 0, size[0], footer.region.y), panel
            await pilot.press("z")
