"""Modal screens: the help listing every key, and the preset picker."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option, OptionDoesNotExist

from nnterm.app.newest_size import NewestSize
from nnterm.app.widgets.ordered_input import OrderedInput
from nnterm.engine.preset_format.loader import scan_presets
from nnterm.engine.preset_format.preset import Preset


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


class HelpScreen(NewestSize, ModalScreen[None]):
    """Every key of a view: its own, the architecture panel's, the drawing's and a guided
    lesson's steps (under the panel's, where the column is short; a table without keys is
    left out);
    ``hint``: the keys said in words at the foot. Escape, q or ? closes it."""

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > Vertical {
        width: 90; max-width: 100%; height: auto; max-height: 100%;
        border: round $accent; background: $panel; padding: 0 1; overflow-y: auto;
    }
    """
    BINDINGS = [Binding("escape,q,question_mark", "dismiss", "Close")]

    #: The foot of the main view's help.
    HINT = "ctrl+p: command palette   tab: next panel   escape: close"

    def __init__(self, app_bindings: Iterable[Binding], editor_bindings: Iterable[Binding],
                 lesson_bindings: Iterable[Binding] = (), hint: str = HINT, *,
                 drawing_bindings: Iterable[Binding] = ()):
        super().__init__()
        self.app_bindings = list(app_bindings)
        self.editor_bindings = list(editor_bindings)
        self.lesson_bindings = list(lesson_bindings)
        self.drawing_bindings = list(drawing_bindings)
        self.hint = hint

    def compose(self) -> ComposeResult:
        both = Table.grid(padding=(0, 4))
        side = Table.grid()
        for title, bindings in (("Architecture panel (tab to it)", self.editor_bindings),
                                ("Drawing points (h)", self.drawing_bindings),
                                ("Guided lesson (--lesson)", self.lesson_bindings)):
            if bindings:
                if side.row_count:
                    side.add_row("")
                side.add_row(key_table(title, bindings))
        both.add_row(key_table("Keys", self.app_bindings), side)
        with Vertical():
            yield Static(both)
            yield Label(self.hint)


class PresetPicker(NewestSize, ModalScreen[Preset | None]):
    """Choose a preset to train, in course order under each section's name; typing
    filters the list (by name, title or section). Escape returns None, except at start-up
    (``first``), where nothing runs yet: it says how to quit instead."""

    DEFAULT_CSS = """
    PresetPicker { align: center middle; }
    PresetPicker > Vertical {
        width: 90%; max-width: 100; height: 80%;
        border: round $accent; background: $panel;
    }
    PresetPicker OptionList { height: 1fr; text-wrap: nowrap; text-overflow: ellipsis; }
    """
    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("down", "move(1)", "Next", show=False),
        Binding("up", "move(-1)", "Previous", show=False),
    ]
    AUTO_FOCUS = "Input"
    QUIT_HINT = "choose a lesson and press enter, or ctrl+q to quit"

    def __init__(self, current: str | None = None, first: bool = False) -> None:
        super().__init__()
        self.current = current
        self.first = first
        self.presets, self.problems = scan_presets()

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(" Type to filter; up/down, enter: start; "
                        + ("ctrl+q: quit" if self.first else "escape: cancel"))
            yield OrderedInput(placeholder="filter: a name, a word of the title, a section")
            yield OptionList()
            for problem in self.problems:
                yield Label(f" skipped: {problem}")

    def on_mount(self) -> None:
        self._fill("")
        if self.current is not None:
            options = self.query_one(OptionList)
            with contextlib.suppress(OptionDoesNotExist):
                options.highlighted = options.get_option_index(self.current)

    def matching(self, text: str) -> list[Preset]:
        """The presets whose name, title or section holds every word of ``text``."""
        words = text.lower().split()
        return [p for p in self.presets
                if all(w in f"{p.name} {p.title} {p.section}".lower() for w in words)]

    def _fill(self, text: str) -> None:
        """The matching presets under their sections' names (not selectable)."""
        options = self.query_one(OptionList)
        options.clear_options()
        section = None
        for preset in self.matching(text):
            if preset.section != section:
                section = preset.section
                options.add_option(Option(Text(section, style="bold"), disabled=True))
            line = Text.assemble(f"  {preset.name:<24}", (preset.title, "dim"))
            options.add_option(Option(line, id=preset.name))
        options.highlighted = next(
            (i for i in range(options.option_count) if not options.get_option_at_index(i).disabled),
            None)

    def on_input_changed(self, event: Input.Changed) -> None:
        self._fill(event.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        options = self.query_one(OptionList)
        if options.highlighted is not None:
            options.action_select()

    def action_move(self, direction: int) -> None:
        options = self.query_one(OptionList)
        (options.action_cursor_down if direction > 0 else options.action_cursor_up)()

    def action_cancel(self) -> None:
        if self.first:
            self.notify(self.QUIT_HINT, title="Nothing is running yet", timeout=4)
        else:
            self.dismiss(None)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(next(p for p in self.presets if p.name == event.option.id))
