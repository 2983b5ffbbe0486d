"""Said: words a widget shows for some seconds and then takes away, by a timer (not by a
count of steps or snapshots: "reset to step 0" was once still shown 1,181 steps later)."""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual.timer import Timer
from textual.widget import Widget

#: How long words said stay: long enough to read, and then they are old news.
SAID_SECONDS = 6.0


class Said:
    """The words ``widget`` shows now (``words``, None for none); ``gone`` is called when
    the timer takes them away, so that the widget draws itself without them."""

    def __init__(self, widget: Widget, gone: Callable[[], object]) -> None:
        self.widget = widget
        self.gone = gone
        self.seconds = SAID_SECONDS
        self.words: Text | None = None
        self._timer: Timer | None = None

    def show(self, words: Text | None) -> None:
        """Show ``words`` (None: nothing) for ``seconds``, instead of what was said before."""
        if self._timer is not None:
            self._timer.stop()
        self.words = words
        self._timer = None if words is None else self.widget.set_timer(self.seconds,
                                                                       self._expire)

    def _expire(self) -> None:
        self.show(None)
        self.gone()
