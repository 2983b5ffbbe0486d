"""The key bar lists the app's keys while the app is out of focus: under ``nnterm serve``
the web driver starts the app blurred (``AppBlur``) until the page reports focus, and
Textual's ``Footer`` stayed blank until then."""

from __future__ import annotations

from pathlib import Path

from textual import events
from textual.widgets._footer import FooterKey

from nnterm.app import app as app_module
from nnterm.app.app import NntermApp
from nnterm.engine.preset_format.loader import load_preset


class BlurredAtStart(NntermApp):
    """The app as the web driver starts it: told at once that it is out of focus."""

    CSS_PATH = Path(app_module.__file__).with_name(NntermApp.CSS_PATH)

    def on_load(self) -> None:
        self.post_message(events.AppBlur())


async def test_the_keys_show_before_the_page_has_the_focus():
    app = BlurredAtStart(load_preset("xor"), in_process=True, paused=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert not app.app_focus  # as under the web driver before a click
        shown = [key.description for key in app.query(FooterKey)]
        assert shown[:3] == ["Help", "Quit", "Pause/run"]

