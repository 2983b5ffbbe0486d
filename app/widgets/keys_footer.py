"""KeysFooter: Textual's footer, showing only the keys that fit whole.

Textual's footer lays every key out in one scrolling row and docks the command palette's
key over its right end: with more keys than room, the palette key covers a key in the
middle of its word ("g O▏^p palette"), and the compact footer's margin left a column
beside it where a letter of the key underneath shows through ("^p paletter"). This one
leaves out the keys that do not fit beside the palette key (``?`` lists every key) and
puts the palette key at the very right.
"""

from __future__ import annotations

from textual.widgets import Footer
from textual.widgets._footer import FooterKey


def outer_width(key: FooterKey) -> int:
    """The cells ``key`` takes in the row: its text, padding, border and margins (a footer
    key is as wide as its text)."""
    return key.render().cell_len + key.styles.gutter.width + key.styles.margin.width


class KeysFooter(Footer):
    """The app's keys in one line, each whole or not at all, and the palette key."""

    DEFAULT_CSS = """
    KeysFooter.-compact FooterKey.-command-palette { margin: 0; }
    """

    async def recompose(self) -> None:
        """The keys change with the screen and the focus: lay them out anew, then fit."""
        await super().recompose()
        self.fit_keys()

    def on_resize(self) -> None:
        self.fit_keys()

    def fit_keys(self) -> None:
        """Show the keys, in order, as long as each fits whole left of the palette key."""
        keys = list(self.query(FooterKey))
        room = self.size.width - sum(outer_width(k) for k in keys
                                     if k.has_class("-command-palette"))
        for key in keys:
            if key.has_class("-command-palette"):
                continue
            room -= outer_width(key)
            if key.display != (room >= 0):
                key.display = room >= 0
