"""What the app sends to the terminal: only the rows that changed, at the redraw rates
(``redraw``), and less in ``--low-bandwidth`` mode. The bytes themselves are measured by
``benchmarks/bandwidth.py``; these tests pin the behaviour behind the figures."""

from __future__ import annotations

import asyncio
import dataclasses

from hand_made_snapshots import LAYERS, Host, lines, make_snapshot
from helpers import KEYS_PRESET, notifications_shown, settled
from textual.geometry import Region

from nnterm.app.app import NntermApp
from nnterm.app.cli import main
from nnterm.app.redraw import DEFAULT, LOW_BANDWIDTH, SHARED, PanelTurns, some_run_trains
from nnterm.app.widgets._plot import RedrawnPlot
from nnterm.app.widgets._repaint import changed_spans
from nnterm.app.widgets.architecture import ArchitectureEditor
from nnterm.app.widgets.loss_plot import LossPlot
from nnterm.app.widgets.status_line import StatusLine


def test_changed_spans_are_the_runs_of_rows_that_differ():
    assert changed_spans(None, ["a"]) is None  # nothing shown yet: paint it all
    assert changed_spans(["a", "b"], ["a", "b", "c"]) is None  # another height
    assert changed_spans(["a", "b", "c"], ["a", "b", "c"]) == []
    assert changed_spans(list("abcdef"), list("aXYdeZ")) == [(1, 2), (5, 1)]


def test_panel_turns_keep_each_panels_interval_and_the_gap_between_any_two():
    turns = PanelTurns({"loss": 0.5, "picture": 1.0, "weights": 1.0}, gap=0.125)
    every = ("loss", "picture", "weights")
    drawn = {t: turns.next(t, every)
             for t in (0.0, 0.1, 0.125, 0.25, 0.375, 0.5, 0.625, 1.0, 1.125)}
    assert drawn == {0.0: "loss", 0.1: None, 0.125: "picture", 0.25: "weights", 0.375: None,
                     0.5: "loss", 0.625: None, 1.0: "loss", 1.125: "picture"}


def test_only_the_panels_on_screen_take_turns():
    turns = PanelTurns({"loss": 0.5, "boundary": 1.0, "depth": 1.0}, gap=0.125)
    shown = ("loss", "depth")  # (the picture panel shows one of its views)
    assert [turns.next(t, shown) for t in (0.0, 0.125, 0.25)] == ["loss", "depth", None]
    assert turns.next(0.375, ("loss", "boundary")) == "boundary"


def test_redraws_keep_their_pace_while_any_run_trains():
    diverged = make_snapshot(status="diverged")
    other = dataclasses.replace(make_snapshot(), paused=False)  # a run view's two fields
    assert some_run_trains(make_snapshot())
    assert not some_run_trains(diverged) and not some_run_trains(make_snapshot(paused=True))
    assert some_run_trains(dataclasses.replace(diverged, runs=(diverged, other)))
    assert not some_run_trains(dataclasses.replace(diverged, runs=(diverged,)))


def shown(widget) -> list[str]:
    """The widget's rows as the compositor would paint them now (from its line cache:
    rows not refreshed keep what was painted before)."""
    width, height = widget.outer_size
    return [strip.text for strip in widget.render_lines(Region(0, 0, width, height))]


def counting_refreshes(widget) -> list[tuple]:
    """Record the regions of every ``refresh`` call of ``widget`` (() for the whole)."""
    calls: list[tuple] = []
    refresh = widget.refresh

    def counted(*regions, **options):
        calls.append(regions)
        return refresh(*regions, **options)

    widget.refresh = counted
    return calls


async def test_the_status_line_repaints_nothing_for_numbers_that_look_the_same():
    status = StatusLine()
    async with Host(status).run_test(size=(160, 4)) as pilot:
        snap = make_snapshot(step=1234, steps_per_second=812.0)
        status.update_snapshot(snap)
        await pilot.pause()
        calls = counting_refreshes(status)
        # 812 and 809 steps/s both read "810 steps/s": nothing to send
        assert not status.update_snapshot(dataclasses.replace(snap, steps_per_second=809.0))
        assert calls == []
        # a new step changes the first row only: one row is sent, the second stays
        assert status.update_snapshot(dataclasses.replace(snap, step=1235))
        assert calls == [(Region(0, 0, status.size.width, 1),)]
        await pilot.pause()
        first, second = shown(status)
        assert "step 1,235" in first and "loss 0.1234" in second


async def test_the_architecture_panel_repaints_only_health_rows_that_changed_as_shown():
    editor = ArchitectureEditor()
    async with Host(editor).run_test(size=(100, 20)) as pilot:
        first = LAYERS[0]
        doubled = dataclasses.replace(first, grad_norm=first.grad_norm * 2)
        for layers in (LAYERS, (doubled, *LAYERS[1:])):  # laid out, then painted
            editor.update_snapshot(make_snapshot(layers=layers))
            await pilot.pause()
        calls = counting_refreshes(editor)
        before = shown(editor)
        # a gradient norm that moves in its third digit reads the same (.1e)
        nudged = dataclasses.replace(first, grad_norm=first.grad_norm * 2.001)
        assert not editor.update_snapshot(make_snapshot(layers=(nudged, *LAYERS[1:])))
        assert calls == []
        moved = dataclasses.replace(first, grad_norm=first.grad_norm * 3)
        assert editor.update_snapshot(make_snapshot(layers=(moved, *LAYERS[1:])))
        assert len(calls) == 1 and [r.height for r in calls[0]] == [1]  # L1's health row
        await pilot.pause()
        after = shown(editor)
        changed = [y for y, (old, new) in enumerate(zip(before, after, strict=True))
                   if old != new]
        assert len(changed) == 1 and "1.5e+00" in after[changed[0]]


async def test_a_plot_redrawn_the_same_sends_nothing():
    plot = LossPlot()
    async with Host(plot).run_test(size=(80, 20)) as pilot:
        snap = make_snapshot(step=390)
        plot.update_snapshot(snap)
        plot.flush()
        await pilot.pause()
        calls = counting_refreshes(plot)
        draws = plot.draws
        # a later step with the same curves: the plot is rebuilt, but no row differs
        assert plot.update_snapshot(dataclasses.replace(snap, step=391))
        plot.flush()
        assert plot.draws == draws + 1 and calls == []


async def test_low_bandwidth_mode_redraws_the_numbers_at_its_own_slow_pace():
    app = NntermApp(KEYS_PRESET, in_process=True, low_bandwidth=True)
    assert app.rates is LOW_BANDWIDTH and app.animation_level == "none"
    assert NntermApp(KEYS_PRESET, in_process=True).rates is DEFAULT
    async with app.run_test(size=(120, 40)) as pilot:
        await settled(app, pilot, lambda s: s.step > 0 and not s.paused)
        app.main_view.flush_numbers()
        drawn, status = app.main_view.snapshot, app.query_one(StatusLine)
        assert "low bandwidth" in status.text.plain
        assert f"step {drawn.step:,}" in status.text.plain
        session = app.main_view.live.session
        while session.latest().step == drawn.step:
            await asyncio.to_thread(session.wait_for_update, session.version, 5.0)
        app.main_view.poll()  # a newer training snapshot: kept for the timer, not drawn at once
        assert app.main_view.snapshot.step != drawn.step
        assert f"step {drawn.step:,}" in status.text.plain
        app.main_view.flush_numbers()
        assert f"step {app.main_view.snapshot.step:,}" in status.text.plain


async def test_a_lessons_first_step_is_drawn_at_once_not_at_the_numbers_pace():
    """Until the status line shows a step, a training snapshot is news: the lesson says
    it trains as soon as it does (here the numbers' pace is 2 s)."""
    app = NntermApp(KEYS_PRESET, in_process=True, low_bandwidth=True)
    async with app.run_test(size=(120, 40)):
        session, status = app.main_view.live.session, app.query_one(StatusLine)
        while (latest := session.latest()) is None or latest.step == 0:
            await asyncio.to_thread(session.wait_for_update, session.version, 5.0)
        app.main_view.poll()
        assert f"step {app.main_view.snapshot.step:,}" in status.text.plain


async def test_the_status_line_keeps_its_height_when_a_line_it_needed_goes():
    # a third line that comes and goes would move every panel below it, twice
    status = StatusLine()
    async with Host(status).run_test(size=(100, 8)) as pilot:
        short = make_snapshot()
        status.update_snapshot(short)
        await pilot.pause()
        assert status.size.height == 2
        status.set_scope("keys → all 8 runs")
        status.update_snapshot(make_snapshot(message="50 steps/s, the lesson's own pace"))
        await pilot.pause()
        grown = status.size.height
        assert grown > 2
        status.set_scope("")
        assert not status.update_snapshot(short) or status.size.height == grown
        await pilot.pause()
        assert status.size.height == grown
        status.engine_restarted()  # a new lesson starts afresh
        status.update_snapshot(short)
        await pilot.pause()
        assert status.size.height == 2


async def test_low_bandwidth_mode_keeps_room_for_diagnoses():
    app = NntermApp(KEYS_PRESET, in_process=True, low_bandwidth=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await settled(app, pilot, lambda s: s.step > 0)
        await pilot.press("space")  # (no snapshot of the engine's to draw over ours)
        await settled(app, pilot, lambda s: s.paused)
        status = app.query_one(StatusLine)
        height = status.size.height
        assert height == LOW_BANDWIDTH.status_lines
        app.main_view.say_diagnoses(dataclasses.replace(app.main_view.snapshot, diagnoses=()))
        news = (("dead_relu", 2, "dead"), ("vanishing_gradients", 2, "small"))
        snapshot = dataclasses.replace(app.main_view.snapshot, diagnoses=news,
                                       findings=("dead_relu (→ vanishing_gradients)",))
        app.main_view.say_diagnoses(snapshot)
        status.update_snapshot(snapshot)
        await pilot.pause()
        assert notifications_shown(app) == []
        assert "dead_relu (→ vanishing_gradients)" in status.text.plain
        assert status.size.height == height


def test_the_command_line_flag_reaches_the_app(monkeypatch):
    rates = []
    monkeypatch.setattr(NntermApp, "run", lambda app: rates.append(app.rates))
    assert main(["xor", "--low-bandwidth"]) == 0
    assert main(["xor"]) == 0
    assert rates == [LOW_BANDWIDTH, DEFAULT]


class LogPlot(RedrawnPlot):
    """A log axis: plotext logs the data at every build of the same figure."""

    def _draw(self) -> None:
        self.plt.clear_figure()
        self.plt.plot([1, 2, 3], [0.001, 0.01, 0.1])
        self.plt.yscale("log")
        self.paint()


async def test_a_plot_built_again_without_a_redraw_is_plotted_afresh():
    plot = LogPlot()
    async with Host(plot).run_test(size=(60, 16)) as pilot:
        await pilot.pause()
        plot.app.theme = "textual-light"  # a new picture, no redraw asked for
        await pilot.pause()
        assert any("0.1" in row for row in shown(plot))  # still the data's own range


def test_a_shared_server_redraws_at_a_quarter_of_the_default_rates():
    app = NntermApp(KEYS_PRESET, shared_server=True)
    assert app.rates is SHARED and app.main_view.live.fps == 1 / SHARED.numbers
    for part in ("numbers", "curves", "pictures", "weights"):
        assert SHARED.every(part) == 4 * DEFAULT.every(part)
    assert NntermApp(KEYS_PRESET, shared_server=True, low_bandwidth=True).rates is LOW_BANDWIDTH


def test_snapshots_come_no_faster_than_the_numbers_are_redrawn():
    """A snapshot between two redraws of the numbers would be drawn by no panel but the
    slow one whose turn it is: the engine sends none faster (a lower --fps still holds)."""
    assert NntermApp(KEYS_PRESET, fps=8).main_view.live.fps == 1 / DEFAULT.numbers
    low = NntermApp(KEYS_PRESET, fps=8, low_bandwidth=True)
    assert low.main_view.live.fps == 1 / LOW_BANDWIDTH.numbers
    assert NntermApp(KEYS_PRESET, fps=2).main_view.live.fps == 2


async def test_the_rows_a_repaint_compared_are_painted_without_rendering_them_again():
    line = StatusLine()
    async with Host(line).run_test(size=(100, 5)) as pilot:
        line.update_snapshot(make_snapshot(step=1))
        await pilot.pause()
        renders = []
        render = line.render
        line.render = lambda: renders.append(1) or render()
        assert line.update_snapshot(make_snapshot(step=2))
        await pilot.pause()
        assert "step 2" in lines(line)[0]
        assert len(renders) == 1  # to compare the rows; the paint took them as they were
