"""Looking back at a run: the frames kept within a memory budget (thinned evenly, arrays
that did not change shared, a run started over beginning anew), and the keys that scrub
them in the app: every panel shows the frame, the loss curves mark its step, ``)`` and
``space`` go back to live, ``f`` replays."""

from __future__ import annotations

import dataclasses

import numpy as np
from hand_made_snapshots import make_boundary, make_snapshot
from helpers import KEYS_PRESET, settled

from nnterm.app.app import NntermApp
from nnterm.app.frame_history import FrameHistory
from nnterm.app.rewind import Rewind
from nnterm.app.widgets.boundary import DecisionBoundary
from nnterm.app.widgets.loss_plot import LossPlot
from nnterm.app.widgets.status_line import StatusLine


def moving(step: int):
    """A hand-made snapshot at ``step`` whose boundary changed with it (its points did
    not)."""
    boundary = make_boundary()
    confidence = np.full_like(boundary.confidence, step / 1e6)
    return make_snapshot(step=step, boundary=dataclasses.replace(boundary,
                                                                 confidence=confidence))


def test_a_frame_shares_the_arrays_that_did_not_change():
    history = FrameHistory()
    history.add(moving(1))
    history.add(moving(2))
    first, second = history.frames
    assert second.boundary.train_points is first.boundary.train_points
    assert second.boundary.confidence is not first.boundary.confidence
    assert second.boundary.confidence.dtype == np.float32  # a picture: single precision
    assert history.steps == [1, 2]


def test_the_frames_stay_within_the_budget_spread_over_the_whole_run():
    one = FrameHistory()
    one.add(moving(0))
    first = one.nbytes  # every array of the first frame
    one.add(moving(1))
    per_frame = one.nbytes - first  # a later frame's own: its boundary's confidence
    history = FrameHistory(budget=first + 20 * per_frame)
    for step in range(0, 5000, 10):
        history.add(moving(step))
        assert history.nbytes <= history.budget
    assert 5 < len(history) <= 20
    assert history.steps[0] == 0 and history.steps[-1] == 4990
    gaps = np.diff(history.steps)
    assert gaps.max() <= 4 * np.median(gaps)  # no stretch of the run left out


def test_a_step_shown_again_replaces_its_frame_and_a_run_started_over_begins_anew():
    history = FrameHistory()
    for step in (10, 20, 20):
        history.add(moving(step))
    assert history.steps == [10, 20]
    assert history.at_or_before(15) == 0 and history.at_or_before(99) == 1
    history.add(moving(5))  # the run was reset
    assert history.steps == [5]


async def test_scrubbing_shows_a_past_frame_in_every_panel_and_space_goes_live():
    app = NntermApp(KEYS_PRESET, in_process=True, paused=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await settled(app, pilot, lambda s: s.paused)
        for target in (1, 2, 3, 4):
            await pilot.press("full_stop")
            await settled(app, pilot, lambda s, t=target: s.step == t)
        view = app.main_view
        status, curves = view.query_one(StatusLine), view.query_one(LossPlot)
        boundary = view.query_one(DecisionBoundary)
        await pilot.press("left_parenthesis", "left_parenthesis")
        assert view.rewind.step == 2
        assert status.text.plain.startswith("◆ viewing step 2 of 4 · live: space")
        assert "step 2 " in status.text.plain  # the frame's own numbers
        frame = view.rewind.frames.frames[view.rewind.frames.at_or_before(2)]
        assert curves.cursor == 2 and boundary._boundary is frame.boundary
        await pilot.press("full_stop")  # the run goes on; the frame shown stays
        await settled(app, pilot, lambda s: s.step == 5)
        await pilot.pause()
        assert view.rewind.step == 2 and "of 5" in status.text.plain
        await pilot.press("right_parenthesis")
        assert view.rewind.step == 3
        await pilot.press("left_curly_bracket")  # a tenth of 5 steps: one frame at least
        assert view.rewind.step == 2
        await pilot.press("right_curly_bracket", "right_curly_bracket")
        assert view.rewind.step == 4
        await pilot.press("space")
        await pilot.pause()
        assert not view.rewind.viewing and curves.cursor is None
        assert not status.text.plain.startswith("◆")
        assert boundary._boundary is view.snapshot.boundary
        assert view.snapshot.paused  # space went live, it did not run the runs


async def test_f_starts_a_replay_from_the_frame_shown_and_space_ends_it():
    app = NntermApp(KEYS_PRESET, in_process=True, paused=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await settled(app, pilot, lambda s: s.paused)
        for target in range(1, 4):
            await pilot.press("full_stop")
            await settled(app, pilot, lambda s, t=target: s.step == t)
        rewind, status = app.main_view.rewind, app.main_view.query_one(StatusLine)
        await pilot.press("left_parenthesis", "left_parenthesis", "left_parenthesis")
        assert rewind.step == 0
        await pilot.press("f")
        assert rewind.pace == 1
        assert status.text.plain.startswith("◆ replaying at 1 step/s step ")
        await pilot.press("space")
        assert not rewind.viewing and rewind.pace is None


class Drawn:
    """A host that keeps what it is asked to draw (the replay's logic without a screen)."""

    def __init__(self) -> None:
        self.shown: list[int | None] = []

    def draw_past(self, frame, words: str) -> None:
        self.shown.append(frame.step)

    def draw_live(self) -> None:
        self.shown.append(None)

    def set_interval(self, interval, callback):
        return Never()

    def notify(self, message: str, **kwargs) -> None:
        raise AssertionError(message)


class Never:
    """A timer that never fires: the test moves the replay on itself."""

    def stop(self) -> None:
        pass


def test_the_replay_moves_at_its_pace_and_goes_live_at_the_newest_frame():
    host = Drawn()
    rewind = Rewind(host)
    for step in range(0, 101, 10):
        rewind.keep(make_snapshot(step=step))
    for _ in range(8):
        rewind.back()
    assert rewind.step == 20
    rewind.replay()
    assert rewind.pace == 1
    rewind.advance(9.0)  # 9 steps at 1 a second: still at the frame of step 20
    assert rewind.step == 20
    rewind.advance(1.0)
    assert rewind.step == 30
    rewind.replay()
    rewind.replay()
    assert rewind.pace == 20
    rewind.advance(3.0)  # 60 steps on: step 90
    assert rewind.step == 90
    rewind.advance(1.0)
    assert not rewind.viewing and host.shown[-1] is None
    rewind.back()
    rewind.replay()
    rewind.replay()
    rewind.replay()
    rewind.replay()  # past the fastest pace: stopped, still looking back
    assert rewind.pace is None and rewind.step == 90


async def test_every_panel_draws_the_frame_looked_back_at_but_the_live_curves():
    app = NntermApp(KEYS_PRESET, in_process=True, paused=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await settled(app, pilot, lambda s: s.paused)
        await pilot.press("u")  # the network view's data in the frames too
        await settled(app, pilot, lambda s: s.network is not None)
        for target in (1, 2, 3):
            await pilot.press("full_stop")
            await settled(app, pilot, lambda s, t=target: s.step == t)
        view = app.main_view
        received: dict[str, object] = {}
        for name, widget in view.panels.widgets.items():
            if hasattr(widget, "update_snapshot"):
                def spy(snapshot, name=name, draw=widget.update_snapshot):
                    received[name] = snapshot
                    return draw(snapshot)
                widget.update_snapshot = spy
        await pilot.press("left_parenthesis")
        frame = view.rewind.frames.frames[view.rewind.frames.at_or_before(2)]
        assert frame.step == 2 and frame.network is not None
        drawn = {name for name, snapshot in received.items() if snapshot is frame}
        assert drawn >= {"runs", "gradients", "weights", "network", "architecture",
                         "confusion", "fit-table"}
        assert "loss" not in drawn and view.panels.widgets["loss"].cursor == 2
