"""The main view's panels as declared (``panels``): which picture a snapshot gets, and a
main view built from the declarations, each panel with its title and its draws."""

from __future__ import annotations

import dataclasses

from hand_made_snapshots import CONFIG, make_snapshot
from helpers import KEYS_PRESET, settled

from nnterm.app.app import NntermApp
from nnterm.app.panels import PANELS, PICTURE, PICTURES, picture_for
from nnterm.app.widgets.axis_ticks import fmt_num
from nnterm.engine.training.config import with_changes

NO_PICTURE = dict(boundary=None, landscape=None, fit=None, surface=None, images=None)


def test_the_picture_is_the_first_view_whose_data_the_snapshot_has():
    assert picture_for(make_snapshot()).name == "boundary"
    assert picture_for(make_snapshot(**NO_PICTURE)).name == "depth"
    landscape = dataclasses.replace(make_snapshot(**NO_PICTURE), landscape=object())
    assert picture_for(landscape).name == "landscape"
    assert picture_for(dataclasses.replace(landscape, boundary=object())).name == "boundary"
    names = with_changes(CONFIG, {"data.name": "names"})
    assert picture_for(make_snapshot(config=names, **NO_PICTURE)).name == "text"


def test_each_panel_is_declared_once_and_only_pictures_need_data():
    assert len({p.name for p in PANELS}) == len(PANELS)
    assert [p.name for p in PICTURES][-1] == "depth"  # (it needs no data: the last resort)
    assert all((p.needs is not None) == (p.place == "picture") for p in PANELS)
    assert all(p.redraw == "pictures" for p in PICTURES)


async def test_the_main_view_builds_and_draws_every_declared_panel():
    app = NntermApp(KEYS_PRESET, in_process=True, paused=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await settled(app, pilot, lambda s: s.paused)
        view = app.main_view
        while view.panels.tables_due:  # (drawn after the status line's next refresh)
            await pilot.pause()
        for panel in PANELS:
            widget = view.query_one(f"#{panel.name}")
            assert isinstance(widget, panel.widget)
            if panel.place != "picture":
                assert widget.border_title.startswith(panel.title) and widget.has_class("panel")
        picture = view.query_one(f"#{PICTURE}")
        assert picture.current == "boundary" and picture.border_title == "Decision boundary"
        # paused, the newest snapshot is drawn at once by every panel on screen: drawn
        # again, it changes nothing
        shown = [p for p in PANELS if p.redraw and p.place != "picture"] + [PICTURES[0]]
        assert {p.name: view.query_one(f"#{p.name}").update_snapshot(view.snapshot)
                for p in shown} == {p.name: False for p in shown}
        fresh = make_snapshot(config=view.snapshot.config, step=view.snapshot.step + 1)
        assert view.query_one("#runs").update_snapshot(fresh)  # (a new one would change it)


async def test_after_a_key_its_status_line_reaches_the_screen_before_the_tables_are_drawn():
    """The tables of a key's snapshot (regularization's run table alone takes 10-25 ms to
    draw) wait until the screen has painted the status line: the key's effect is not
    held behind them."""
    app = NntermApp(KEYS_PRESET, in_process=True, paused=True)
    async with app.run_test(size=(120, 40)) as pilot:
        before = await settled(app, pilot, lambda s: s.paused)
        view = app.main_view
        while view.panels.tables_due:
            await pilot.pause()
        events: list[str] = []
        paint, tables = view._compositor_refresh, view.panels._draw_tables
        view._compositor_refresh = lambda: (events.append(view.status_line.text.plain),
                                            paint())
        view.panels._draw_tables = lambda snapshot: (events.append("tables"),
                                                     tables(snapshot))
        await pilot.press("minus")
        after = await settled(app, pilot, lambda s: s.lr != before.lr)
        while view.panels.tables_due:
            await pilot.pause()
        shown = f"lr {fmt_num(after.lr)}"
        assert "tables" in events
        assert any(shown in e for e in events[:events.index("tables")])
