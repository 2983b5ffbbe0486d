"""KeysFooter lays out the keys once for every change of the bindings that comes before
the next refresh (a lesson that opens changes them several times in a row), and a change
after that once more."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widgets._footer import FooterKey

from nnterm.app.widgets.keys_footer import KeysFooter


class Keys(App):
    BINDINGS = [Binding("a", "first", "first"), Binding("b", "second", "second")]
    shown = {"first": True, "second": False}

    def compose(self) -> ComposeResult:
        yield KeysFooter()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return self.shown.get(action, True)

    def action_first(self) -> None: ...

    def action_second(self) -> None: ...


async def test_changes_before_a_refresh_share_one_recompose_that_shows_the_last():
    app = Keys()
    async with app.run_test(size=(80, 5)) as pilot:
        footer = app.query_one(KeysFooter)
        await pilot.pause()
        recomposed = []
        recompose = footer.recompose

        async def counted() -> None:
            recomposed.append(1)
            await recompose()

        footer.recompose = counted  # type: ignore[method-assign]
        for shown in (False, True, True):
            app.shown = {"first": True, "second": shown}
            app.refresh_bindings()
        await pilot.pause()
        await pilot.pause()
        assert len(recomposed) == 1
        assert {key.key for key in footer.query(FooterKey)} >= {"a", "b"}
        app.shown = {"first": True, "second": False}
        app.refresh_bindings()
        await pilot.pause()
        await pilot.pause()
        assert len(recomposed) == 2
        assert "b" not in {key.key for key in footer.query(FooterKey)}
