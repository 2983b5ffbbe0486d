"""The key bar at the foot of every screen: Textual's ``Footer``, shown while the app is
out of focus too.

``Footer`` lists its keys only once the screen's bindings are known, and it skips every
update while the app is out of focus. In a terminal the app always has the focus; under
``nnterm serve`` it starts out of it (the web driver blurs the app until the page reports
focus), so a page nobody has clicked yet, a projected tab, a headless browser, showed a
blank bar. Here the keys are listed as soon as they are known, focus or not.
"""

from __future__ import annotations

from textual.screen import Screen
from textual.widgets import Footer


class KeyBar(Footer):
    def bindings_changed(self, screen: Screen) -> None:
        self._bindings_ready = True
        if self.is_attached and screen is self.screen:
            self.call_after_refresh(self.recompose)
