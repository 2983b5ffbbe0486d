"""Drawing your own data in the app (Pilot, the engine in the app's thread): ``h`` gives
the boundary the keys, the arrows move its cursor, ``enter`` and ``1``-``8`` draw, a
click draws (the right button the other class) or erases, ``backspace`` and ``X`` erase,
every run trains on the points, and ``S`` saves them with the preset."""

from __future__ import annotations

import numpy as np
from helpers import footer_says, settled, status
from textual.widgets._footer import FooterKey

from nnterm.app.app import NntermApp
from nnterm.app.draw_keys import NO_DRAWING
from nnterm.app.locks import DRAWING_LOCKED
from nnterm.app.panels import PICTURE
from nnterm.app.screens import HelpScreen
from nnterm.app.widgets.boundary import DecisionBoundary
from nnterm.engine.preset_format.loader import load_preset


def footer_keys(app) -> list[str]:
    """The descriptions of the keys the footer shows."""
    return [str(key.description) for key in app.query(FooterKey) if key.display]


def inside(point, box) -> bool:
    x0, x1, y0, y1 = box
    return x0 <= point[0] <= x1 and y0 <= point[1] <= y1


async def test_the_keys_draw_and_erase_points_in_every_run():
    app = NntermApp(load_preset("draw"), in_process=True, paused=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await settled(app, pilot, lambda s: s.paused)
        boundary = app.main_view.query_one(DecisionBoundary)
        assert "Add point" not in footer_keys(app)
        await pilot.press("h")
        assert boundary.drawing and boundary.plane_cells is not None  # alone, not side by side
        assert "Add point" in footer_keys(app) and "Stop drawing" in footer_keys(app)
        column, row = boundary.cursor
        await pilot.press("left", "left", "left", "up", "up", "2")
        assert boundary.cursor == (column - 3, row - 2)
        box = boundary.plane_cells.box(*boundary.cursor)
        await pilot.press("enter")
        drawn = await settled(app, pilot, lambda s: s.drawn is not None)
        assert inside(drawn.drawn.train_points[-1], box) and drawn.drawn.train_labels[-1] == 1
        assert drawn.run == "base"  # 2 chose a class, not the second run
        for view in drawn.runs:  # every run has the point
            assert inside(view.boundary.train_points[-1], box)
        assert "drawn +1 −0: 9 train, 8 val" in status(app).plain
        # the cursor to the point as drawn now (the status line grew: the picture moved)
        cells = boundary.plane_cells
        point_column, point_row, _ = cells.cell_of(*drawn.drawn.train_points[-1])
        column, row = boundary.cursor
        await pilot.press(*["right" if point_column > column else "left"]
                          * abs(point_column - column),
                          *["down" if point_row > row else "up"] * abs(point_row - row))
        assert boundary.cursor == (point_column, point_row)
        box = cells.box(point_column, point_row)
        await pilot.press("backspace")
        erased = await settled(app, pilot, lambda s: s.drawn.removed >= 1)
        assert not any(inside(p, box) for p in erased.drawn.train_points)
        await pilot.press("X")
        await settled(app, pilot, lambda s: len(s.drawn.train_labels) == 0)
        await pilot.press("escape")
        assert not boundary.drawing and "Add point" not in footer_keys(app)
        await pilot.press("2")  # the second run again
        await settled(app, pilot, lambda s: s.run == "linear")


async def test_a_click_draws_the_right_button_the_other_class_and_a_click_on_a_point_erases():
    app = NntermApp(load_preset("draw"), in_process=True, paused=True)
    async with app.run_test(size=(120, 40)) as pilot:
        start = await settled(app, pilot, lambda s: s.paused)
        boundary = app.main_view.query_one(DecisionBoundary)
        assert boundary.plane_cells is None  # two runs side by side
        await pilot.click(DecisionBoundary, offset=(5, 5))
        assert boundary.drawing and boundary.plane_cells is not None
        assert app.main_view.snapshot.drawn is None  # the click began drawing, no point
        points = list(start.boundary.train_points)

        async def click(column: int, row: int, button: int = 1, **settles):
            """Click cell (column, row) of the picture; its box on the plane."""
            cells = boundary.plane_cells  # (a line more of status moves the picture)
            assert cells is not None and (column, row) not in {
                cells.cell_of(*p)[:2] for p in points} or settles.get("on_a_point")
            box = cells.box(column, row)
            await pilot.click(DecisionBoundary, offset=(cells.left + column, row),
                              button=button)
            return box

        column, row = boundary.cursor  # the middle: no blob there
        first = await click(column, row)
        one = await settled(app, pilot, lambda s: s.drawn is not None)
        points.append(one.drawn.train_points[-1])
        second = await click(column + 3, row, button=3)
        two = await settled(app, pilot, lambda s: s.drawn.added == 2)
        assert two.drawn.train_labels[-2:].tolist() == [0, 1]
        assert inside(two.drawn.train_points[-2], first)
        assert inside(two.drawn.train_points[-1], second)
        points.append(two.drawn.train_points[-1])
        await pilot.press("2")  # the second class chosen: the right button draws the first
        await click(column + 3, row + 2, button=3)
        three = await settled(app, pilot, lambda s: s.drawn.added == 3)
        assert three.drawn.train_labels[-1] == 0
        column, row, _ = boundary.plane_cells.cell_of(*three.drawn.train_points[-1])
        box = await click(column, row, on_a_point=True)
        after = await settled(app, pilot, lambda s: s.drawn.removed == 1)
        assert not any(inside(p, box) for p in after.drawn.train_points)


async def test_s_saves_the_drawn_points_and_the_saved_preset_opens_with_them(
        tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    app = NntermApp(load_preset("draw"), in_process=True, paused=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await settled(app, pilot, lambda s: s.paused)
        await pilot.press("h", "right", "right", "enter", "down", "down", "2", "enter")
        drawn = (await settled(app, pilot, lambda s: s.drawn is not None
                               and s.drawn.added == 2)).drawn
        await pilot.press("S")
    saved = load_preset(str(tmp_path / "nnterm" / "presets" / "draw_saved.yaml"))
    app = NntermApp(saved, in_process=True, paused=True)
    async with app.run_test(size=(120, 40)) as pilot:
        again = await settled(app, pilot, lambda s: s.paused)
        np.testing.assert_array_equal(again.boundary.train_points, drawn.train_points)
        np.testing.assert_array_equal(again.boundary.train_labels, drawn.train_labels)
        np.testing.assert_array_equal(again.boundary.val_points, drawn.val_points)
        assert [v.name for v in again.runs] == ["base", "linear"]


async def test_h_says_why_without_a_boundary_and_the_help_lists_the_drawing_keys():
    app = NntermApp(load_preset("vanishing_gradients"), in_process=True, paused=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await settled(app, pilot, lambda s: s.paused)
        await pilot.press("h")
        await pilot.pause()
        assert footer_says(app) == f"Draw: {NO_DRAWING}"
        assert not app.main_view.query_one(DecisionBoundary).drawing
        await pilot.press("question_mark")
        help_screen = app.screen
        assert isinstance(help_screen, HelpScreen)
        assert [b.description for b in help_screen.drawing_bindings] == [
            "Move", "Add point", "Remove point", "Class", "Clear points", "Stop drawing"]


async def test_on_a_small_terminal_the_boundary_fills_the_screen_while_drawing():
    app = NntermApp(load_preset("draw"), in_process=True, paused=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(app, pilot, lambda s: s.paused)
        view = app.main_view
        await pilot.press("h")
        assert view.query_one(DecisionBoundary).drawing
        assert view.maximized is view.query_one(f"#{PICTURE}")
        await pilot.press("enter")
        await settled(app, pilot, lambda s: s.drawn is not None)
        await pilot.press("h")
        assert view.maximized is None and not view.query_one(DecisionBoundary).drawing


async def test_a_teacher_who_locks_drawing_locks_the_key_and_the_clicks():
    app = NntermApp(load_preset("draw"), in_process=True, paused=True, locks=("draw",))
    async with app.run_test(size=(120, 40)) as pilot:
        await settled(app, pilot, lambda s: s.paused)
        boundary = app.main_view.query_one(DecisionBoundary)
        await pilot.press("h")
        assert not boundary.drawing
        assert footer_says(app) == "Locked: locked by the teacher: h (Draw points)"
        await pilot.click(DecisionBoundary, offset=(5, 5))  # begins drawing, as a click does
        column, row = boundary.cursor
        cells = boundary.plane_cells
        await pilot.click(DecisionBoundary, offset=(cells.left + column, row))
        await pilot.press("space", "space")  # the engine takes what was sent, if anything
        snapshot = await settled(app, pilot, lambda s: s.commands_taken
                                 >= app.main_view.live.session.commands_sent)
        assert snapshot.drawn is None
        assert footer_says(app) == f"Locked: {DRAWING_LOCKED}"
