"""OrderedInput: Textual's Input, taking every key in the order it was typed.

Textual's Input inserts a character as it handles the key, but runs a bound key
(backspace, the arrows, ctrl+u, enter, ...) only once the key has bubbled up to the app and
come back as an action: in a burst of keys (a quick typist, keys sent together over a slow
SSH link) the editing keys then land after the characters typed after them, and ``0.6``,
backspace, ``5`` leaves ``0.6`` (Textual's issue 6605, still open). Here the field's own
bindings run as the key is handled, in line with the characters; tab and shift+tab move
the focus in line too, and a key that reaches this field after the focus left it for
another OrderedInput is handled there, where it was typed.
"""

from __future__ import annotations

from textual import events
from textual.widgets import Input


class OrderedInput(Input):
    """An Input whose editing keys and characters apply in the order typed."""

    async def _on_key(self, event: events.Key) -> None:
        focused = self.screen.focused
        if focused is not self and isinstance(focused, OrderedInput):
            await focused._on_key(event)  # typed after a tab that moved the focus in line
            return
        if event.key in ("tab", "shift+tab"):
            event.stop()
            event.prevent_default()
            if event.key == "tab":
                self.screen.focus_next()
            else:
                self.screen.focus_previous()
            return
        if not event.is_printable:
            for binding in self._bindings.key_to_bindings.get(event.key, ()):
                if not binding.priority:
                    event.stop()
                    event.prevent_default()
                    await self.run_action(binding.action)
                    return
        await super()._on_key(event)
