"""KeysFooter: Textual's footer, showing only the keys that fit whole, and the line where
the app says what just happened.

Textual's footer lays every key out in one scrolling row and docks the command palette's
key over its right end: with more keys than room, the palette key covers a key in the
middle of its word ("g O▏^p palette"), and the compact footer's margin left a column
beside it where a letter of the key underneath shows through ("^p paletter"). This one
leaves out the keys that do not fit beside the palette key (``?`` lists every key) and
puts the palette key at the very right.

``say`` shows a notice in place of the keys for some seconds (an editor's message line):
it covers no panel, as a toast would, and moves none, as another line on top would.

Textual's footer composes its keys anew at every change of the bindings, each after the
next refresh; a lesson that opens changes them several times in a row (the screen, the
focus, the lesson's keys), and each recompose cost a few milliseconds before the first
frame showed the lesson training. Here the changes that come before the next refresh
share one recompose, which lays out the keys as they are then.

The keys show while the app is out of focus too. Textual's footer skips every update then;
in a terminal the app always has the focus, but under ``nnterm serve`` it starts out of it
(the web driver blurs the app until the page reports focus), so a page nobody had clicked
yet, a projected tab, a headless browser, showed a blank bar.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer, Static
from textual.widgets._footer import FooterKey

from nnterm.app.widgets._said import Said


def outer_width(key: FooterKey) -> int:
    """The cells ``key`` takes in the row: its text, padding, border and margins (a footer
    key is as wide as its text)."""
    return key.render().cell_len + key.styles.gutter.width + key.styles.margin.width


class KeysFooter(Footer):
    """The app's keys in one line, each whole or not at all, and the palette key; or,
    for some seconds, what the app ``say``s."""

    DEFAULT_CSS = """
    KeysFooter.-compact FooterKey.-command-palette { margin: 0; }
    KeysFooter > #said {
        width: 1fr; height: 1; padding: 0 1; text-wrap: nowrap; text-overflow: ellipsis;
    }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.said = Said(self, self.refit)
        self.recompose_due = False  # a recompose waits for the next refresh

    def say(self, words: str, style: str = "") -> None:
        """Show ``words`` instead of the keys for ``said.seconds``, cut to the line."""
        self.said.show(Text(words, style))
        self.refit()

    def hush(self) -> None:
        """Take back what was said: the keys again."""
        self.said.show(None)
        self.refit()

    def compose(self) -> ComposeResult:
        yield from super().compose()
        yield Static(id="said", markup=False)

    def bindings_changed(self, screen: Screen) -> None:
        """Textual's, without its "only while the app has the focus", and one recompose
        for every change until it runs."""
        self._bindings_ready = True
        if self.is_attached and screen is self.screen and not self.recompose_due:
            self.recompose_due = True
            self.call_after_refresh(self._recompose_due)

    async def _recompose_due(self) -> None:
        self.recompose_due = False  # (a change from now on is laid out by another)
        await self.recompose()

    async def recompose(self) -> None:
        """The keys change with the screen and the focus: lay them out anew, then fit."""
        await super().recompose()
        self.refit()

    def on_resize(self) -> None:
        self.refit()

    def refit(self) -> None:
        """Fit the keys once the footer's children are on screen and styled (a key's
        width comes from its style; the footer may be composing them anew)."""
        self.call_after_refresh(self.fit_keys)

    def fit_keys(self) -> None:
        """Show what is said, if anything, else the keys, in order, as long as each fits
        whole left of the palette key."""
        said = next(iter(self.query("#said").results(Static)), None)
        if said is None:  # (being composed again: its recompose fits them)
            return
        said.update(self.said.words or "")
        shown = [said.display, *(key.display for key in self.query(FooterKey))]
        said.display = self.said.words is not None
        keys = list(self.query(FooterKey))
        room = -1 if said.display else self.size.width - sum(
            outer_width(k) for k in keys if k.has_class("-command-palette"))
        for key in keys:
            if not key.has_class("-command-palette"):
                room -= outer_width(key)
                key.display = room >= 0
        if shown != [said.display, *(key.display for key in keys)]:
            self.refresh()  # (the gaps between the keys too: no letter of the words stays)
