"""Every panel of every preset fits its region at 120x40 and at 80x24: no rendered line is
wider than the widget it belongs to, and no panel's title or legend line is cut in the
middle of a number ("3.04e…").

A sweep preset is checked on its base run (the main view a sweep point opens in); its
sweep view is a table and a plot, tested in test_sweep_screen.
"""

from __future__ import annotations

import dataclasses
import re
from contextlib import asynccontextmanager
from importlib.resources import files

import pytest
import pytest_asyncio
from helpers import settled
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

from nnterm.app.app import NntermApp
from nnterm.app.widgets._panel import PicturePanel
from nnterm.engine.preset_format.loader import load_preset

SIZES = [(120, 40), (80, 24)]
#: A number cut by an ellipsis: a digit, a decimal point or an exponent, then "…" that
#: ends the word (not a range such as "-0.15…1.15").
CUT_NUMBER = re.compile(r"[\d.e+-]…(\s|$)")


def _presets() -> list[str]:
    """The built-in presets' names."""
    return sorted(f.name.removesuffix(".yaml") for f in files("nnterm.presets").iterdir()
                  if f.name.endswith(".yaml"))


@asynccontextmanager
async def stepped(name: str, size: tuple[int, int]):
    """The app on preset ``name`` (its base run if it sweeps) at ``size``, paused after
    one step, its panels drawn."""
    preset = dataclasses.replace(load_preset(name), sweep=None)
    app = NntermApp(preset, in_process=True, paused=True)
    async with app.run_test(size=size) as pilot:
        app.main_view.action_step_once()
        await settled(app, pilot, lambda s: s.step > 0)
        await pilot.pause()
        yield app, pilot


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def at_120x40(request):
    """(name, app, pilot): the app ``stepped`` on the preset named by the test's parameter at
    120x40, opened once for both tests that look at that size (pytest runs a preset's
    tests one after another, and xdist keeps them on one worker: see ``PRESETS``)."""
    async with stepped(request.param, (120, 40)) as (app, pilot):
        yield request.param, app, pilot


#: The built-in presets, as parameters of ``at_120x40``, each in an xdist group of its
#: own so that the tests sharing its app run in one process.
PRESETS = [pytest.param(name, id=name, marks=pytest.mark.xdist_group(f"layout-{name}"))
           for name in _presets()]


@pytest.mark.asyncio(loop_scope="module")
@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("at_120x40", PRESETS, indirect=True)
async def test_no_panel_draws_wider_than_its_region(at_120x40, size):
    """At 80x24 the same app, the terminal resized to it (and back after)."""
    _, app, pilot = at_120x40
    await pilot.resize_terminal(*size)
    await pilot.pause()
    try:
        checked = 0
        for widget in app.screen.query("*"):
            width, height = widget.size
            if not widget.display or width <= 0 or height <= 0:
                continue
            for y in range(height):
                strip = widget.render_line(y)
                assert strip.cell_length <= width, (type(widget).__name__, y, strip.text)
                if isinstance(widget, PicturePanel):  # titles, labels, legends
                    assert not CUT_NUMBER.search(strip.text), (type(widget).__name__, strip.text)
            checked += 1
        assert checked >= 8  # the status line, the panels, the side column were all seen
    finally:
        await pilot.resize_terminal(120, 40)
        await pilot.pause()


def hidden_rows(widget) -> int:
    """Rows of ``widget`` out of sight: clipped by the screen or by a scrolling ancestor."""
    geometry = widget.screen.find_widget(widget)
    return geometry.region.height - geometry.region.intersection(geometry.clip).height


@pytest.mark.asyncio(loop_scope="module")
@pytest.mark.parametrize("at_120x40", PRESETS, indirect=True)
async def test_at_120x40_the_runs_the_architecture_and_the_train_val_table_show_whole(at_120x40):
    """What the lessons point at (the run table, the ‖grad‖/dead/sat columns under the
    architecture, the glossary's train/val table) is never cut on a 120x40 screen."""
    _, app, _ = at_120x40
    shown = [w for w in app.query("#runs, #architecture, #fit-table") if w.display]
    assert shown and {w.id: hidden_rows(w) for w in shown} == {w.id: 0 for w in shown}


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("name", ["xor", "regularization"])
async def test_the_footer_shows_whole_keys_and_the_palette_key_at_the_right_edge(name, size):
    """No key cut in the middle of its word under the palette key ("g O▏^p palette"), no
    letter of one showing beside it ("^p paletter")."""
    app = NntermApp(load_preset(name), in_process=True, paused=True)
    async with app.run_test(size=size) as pilot:
        await settled(app, pilot, lambda s: s is not None)
        await pilot.pause()
        footer = app.query_one(Footer)
        palette, *keys = sorted(footer.query(FooterKey),
                                key=lambda k: not k.has_class("-command-palette"))
        shown = [k for k in keys if k.display]
        assert palette.region.right == footer.region.right == size[0]
        assert len(shown) >= 5
        assert all(k.region.right < palette.region.x for k in shown), [k.key for k in shown]
