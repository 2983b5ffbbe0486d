"""Pictures of fixed states: a finished lesson (it stays put) at 120x40 and at 80x24:
``xor`` with its two variants, the compare view.

Update the stored pictures after an intended change with ``pytest --snapshot-update``.
"""

from __future__ import annotations

import asyncio

import pytest

from nnterm.app.app import NntermApp
from nnterm.app.widgets.loss_plot import LossPlot
from nnterm.engine.preset_format.loader import load_preset


@pytest.fixture(autouse=True)
def pinned_colours(monkeypatch, tmp_path):
    """Colours and user presets must not depend on the machine."""
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("COLORTERM", "truecolor")
    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))


async def finished(pilot) -> None:
    """Wait (on the session's update counter) until every run has finished, then let every
    panel draw its last snapshot and clear the notifications."""
    app = pilot.app
    view = app.main_view
    while view.snapshot is None or any(v.status != "finished" for v in view.snapshot.runs):
        version = view.live.session.version
        await asyncio.to_thread(view.live.session.wait_for_update, version, 5.0)
        view.poll()
        await pilot.pause()
    # Every panel draws the last snapshot now: the tables of a snapshot that came while a
    # key's effect went first are drawn after the next refresh, which may be after this.
    view.panels.draw_all(view.snapshot)
    app.query_one(LossPlot).flush()
    app.clear_notifications()
    await pilot.pause()


def xor_app(steps: int = 300) -> NntermApp:
    preset = load_preset("xor", [f"train.steps={steps}", "train.log_every=10"])
    return NntermApp(preset, in_process=True, speed="full")


def test_xor_after_300_steps(snap_compare):
    assert snap_compare(xor_app(), terminal_size=(120, 40), run_before=finished)


def test_xor_at_80x24(snap_compare):
    assert snap_compare(xor_app(), terminal_size=(80, 24), run_before=finished)
