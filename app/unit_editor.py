"""The network view's unit card made editable, as TensorFlow Playground's weight card: a
dialog with a field for each weight into the selected unit and its bias, filled with
their values now. Enter gives the run the values typed (only those changed; the next
step starts from them), escape leaves everything as it was; a field that is not a number
says so and nothing is applied."""

from __future__ import annotations

import math

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from nnterm.app.newest_size import NewestSize
from nnterm.app.widgets.ordered_input import OrderedInput

#: One field: its label, the weight's input row (None: the bias) and its value now.
Field = tuple[str, int | None, float]


class UnitEditor(NewestSize, ModalScreen[dict[int | None, float] | None]):
    """Edit a unit's weights and bias; dismissed with {row: value} of those changed
    (None for the bias), or None when cancelled."""

    DEFAULT_CSS = """
    UnitEditor { align: center middle; }
    UnitEditor > Vertical {
        width: 50; max-width: 100%; height: auto; max-height: 100%;
        border: round $accent; background: $panel; padding: 0 1; overflow-y: auto;
    }
    UnitEditor Input { width: 1fr; }
    UnitEditor #problem { color: $error; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str, fields: list[Field]) -> None:
        super().__init__()
        self.title_text = title
        self.fields = fields

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self.title_text, markup=False)
            for i, (label, _, value) in enumerate(self.fields):
                yield Label(label, markup=False)
                yield OrderedInput(value=repr(round(value, 6)), id=f"field-{i}")
            yield Static("", id="problem")
            yield Static("enter: apply at the next step · escape: cancel · S saves it with the "
                         "run, r (reset) undoes it")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        changed: dict[int | None, float] = {}
        for i, (label, row, value) in enumerate(self.fields):
            field = self.query_one(f"#field-{i}", Input)
            try:
                typed = float(field.value)
                if not math.isfinite(typed):
                    raise ValueError
            except ValueError:
                self.query_one("#problem", Static).update(
                    f"{label}: {field.value!r} is not a number")
                field.focus()
                return
            if typed != round(value, 6):
                changed[row] = typed
        self.dismiss(changed)

    def action_cancel(self) -> None:
        self.dismiss(None)
