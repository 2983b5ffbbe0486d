"""Keys typed in a burst (a quick typist, keys sent together over SSH) edit a field in the
order typed: the editing keys in line with the characters, a tab moving the focus in line
(Textual's own Input runs its bound keys only after they bubble up to the app)."""

from __future__ import annotations

from textual import events
from textual.app import App
from textual.widgets import Input

from nnterm.app.unit_editor import UnitEditor
from nnterm.app.widgets.ordered_input import OrderedInput


def burst(app: App, keys: list[str]) -> None:
    """``keys`` posted to the app one after the other, as the terminal driver posts a read
    of several keys, none waiting for the one before to be handled."""
    for key in keys:
        app.post_message(events.Key(key, key if len(key) == 1 else None))


class TwoFields(App):
    def compose(self):
        yield OrderedInput(value="abc", id="one")
        yield OrderedInput(value="", id="two")


async def test_editing_keys_and_tabs_in_a_burst_apply_in_the_order_typed():
    app = TwoFields()
    async with app.run_test() as pilot:
        await pilot.pause()
        burst(app, ["end", "ctrl+u", "0", ".", "6", "backspace", "5", "tab", "7", "left", "1",
                    "shift+tab", "home", "delete", "1"])
        await pilot.pause()
        await pilot.pause()
        assert app.query_one("#one", Input).value == "1.5"
        assert app.query_one("#two", Input).value == "17"


class Editor(App):
    def on_mount(self) -> None:
        self.push_screen(UnitEditor("h1[0] of run base", [("weight from x1", 0, 0.25),
                                                          ("bias", None, -1.0)]),
                         lambda changed: setattr(self, "changed", changed))


async def test_a_weight_typed_in_a_burst_is_the_value_applied():
    app = Editor()
    async with app.run_test() as pilot:
        await pilot.pause()
        burst(app, ["end", "ctrl+u", "2", ".", "7", "backspace", "5", "tab", "ctrl+u", "0",
                    "enter"])
        await pilot.pause()
        await pilot.pause()
        assert app.changed == {0: 2.5, None: 0.0}
