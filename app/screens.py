"""Modal screens: the help listing every key, and the preset picker."""

from __future__ import annotations

from collections.abc import Iterable

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList, Static
from textual.widgets.option_list import Option

from nnterm.engine.lessons.loader import scan_presets
from nnterm.engine.lessons.preset import Preset


def key_table(title: str, bindings: Iterable[Binding]) -> Table:
    """One row per action; neighbouring bindings with the same description share a row
    (``1-8``: select a run by number)."""
    rows: list[tuple[list[str], str]] = []
    for b in bindings:
        does = b.description or b.action
        key = b.key_display or b.key
        if rows and rows[-1][1] == does:
            rows[-1][0].append(key)
        else:
            rows.append(([key], does))
    table = Table(title=title, title_justify="left", box=None, pad_edge=False)
    table.add_column("key", style="bold", no_wrap=True)
    table.add_column("does")
    for keys, does in rows:
        table.add_row(keys[0] if len(keys) == 1 else f"{keys[0]}-{keys[-1]}", does)
    return table


class HelpScreen(ModalScreen[None]):
    """Every key of the app and of the architecture panel; any key closes it."""

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > Vertical {
        width: 90; max-width: 100%; height: auto; max-height: 100%;
        border: round $accent; background: $panel; padding: 0 1; overflow-y: auto;
    }
    """
    BINDINGS = [Binding("escape,q,question_mark", "dismiss", "Close")]

    def __init__(self, app_bindings: Iterable[Binding], editor_bindings: Iterable[Binding]):
        super().__init__()
        self.app_bindings = list(app_bindings)
        self.editor_bindings = list(editor_bindings)

    def compose(self) -> ComposeResult:
        both = Table.grid(padding=(0, 4))
        both.add_row(key_table("Keys", self.app_bindings),
                     key_table("Architecture panel (tab to it)", self.editor_bindings))
        with Vertical():
            yield Static(both)
            yield Label("ctrl+p: command palette   tab: next panel   escape: close")


class PresetPicker(ModalScreen[Preset | None]):
    """Choose a preset to train; escape returns None."""

    DEFAULT_CSS = """
    PresetPicker { align: center middle; }
    PresetPicker > Vertical {
        width: 90%; max-width: 100; height: 80%;
        border: round $accent; background: $panel;
    }
    PresetPicker OptionList { height: 1fr; }
    """
    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel")]
    AUTO_FOCUS = "OptionList"

    def compose(self) -> ComposeResult:
        self.presets, problems = scan_presets()
        with Vertical():
            yield Label(" Choose a lesson (enter to start, escape to cancel)")
            yield OptionList(*(Option(f"{p.name:<22} {p.title}  [dim]{p.section}[/]", id=p.name)
                               for p in self.presets))
            for problem in problems:
                yield Label(f" skipped: {problem}")

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(next(p for p in self.presets if p.name == event.option.id))
