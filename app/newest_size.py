"""Every screen of the app lays itself out at the newest size only.

Textual's ``Screen`` answers a ``Resize`` by laying itself out at the event's size and, when
its size changed, by posting itself a ``Resize`` of that size. If two sizes wait in a
screen's queue at once (the terminal or the browser page changed size twice while the
screen was still mounting, which takes this app's main screen a while), they never
settle: each one flips the screen to its size and queues itself again behind the other.
The screen's queue never runs dry, so its task never yields and the event loop runs
nothing else: the app draws nothing, ignores keys, quit and SIGTERM, and burns a core
(``nnterm serve`` hit it whenever a page's size changed as it connected).

The app's own size is the newest the terminal reported; a ``Resize`` of any other size is
stale, and dropping it (before ``Screen``'s handler sees it) lets the newest settle.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import events

if TYPE_CHECKING:
    from textual.app import App


class NewestSize:
    """Mixin for a ``Screen`` (before it in the bases): stale sizes are dropped."""

    app: App[Any]  # the Screen's (an annotation only: nothing here hides it)

    def on_resize(self, event: events.Resize) -> None:
        if event.size != self.app.size:
            event.prevent_default()  # Screen's own handler would lay out and re-post it
