"""ArchitectureEditor: the network's layers, and the keys that edit the selected one.

The editor changes nothing itself: each edit key calls the ``edit`` it was given with the
edit's name (``EDIT_NAMES``) and the selected layer, while the key is being handled, and
shows what came of it (``EditOutcome``: the run's new config, the layer to select, or why
the edit was refused). The app decides what the edit means and sends it to the engine, so
that the next key, however quick, acts on the state this one left.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from rich.text import Text
from textual.binding import Binding
from textual.geometry import Region
from textual.message import Message
from textual.widget import Widget

from nnterm.app.widgets._layer_health import HEALTH_ROWS, Health, draw_health, health_sample
from nnterm.app.widgets._layer_table import LayerTable, draw_table, layer_table
from nnterm.app.widgets._repaint import RowRepaint
from nnterm.engine.live.snapshot import Snapshot
from nnterm.engine.training.config import Config

#: The edits the keys ask for, by name.
EDIT_NAMES = ("width_up", "width_down", "cycle_activation", "cycle_init", "dropout_up",
              "dropout_down", "add_layer", "remove_layer")

#: Nets with more hidden layers than this draw the compact form (a net and its health rows
#: fit the side column beside a readable lesson at 120x40): a run of identical layers
#: shares a row of the table, and the health rows are a sample over depth.
DEEP_NET = HEALTH_ROWS - 1


@dataclass(frozen=True)
class EditOutcome:
    """What came of an edit: the run's ``config`` with it (None: refused, or nothing to
    show), the layer to ``select`` next, and ``hint``: why it was refused ("" if not)."""

    config: Config | None
    select: int
    hint: str = ""


#: The app's part of an edit: ``edit(name, layer)`` applies the edit ``name`` to ``layer``
#: of the run shown (0-based; the number of hidden layers is the output layer).
LayerEdit = Callable[[str, int], EditOutcome]


def _no_edits(_name: str, layer: int) -> EditOutcome:
    return EditOutcome(None, layer, "no configuration yet")


class ArchitectureEditor(RowRepaint, can_focus=True):
    """Input -> hidden layers -> output head, each with width, activation, init, dropout
    and parameter count; one layer is selected (``select_next``/``select_prev``)."""

    DEFAULT_CSS = """
    ArchitectureEditor {
        width: 1fr;
        height: auto;
        min-height: 4;
        padding: 0 1;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    """

    BINDINGS = [
        Binding("up", "select(-1)", "Layer up", show=False),
        Binding("down", "select(1)", "Layer down", show=False),
        Binding("right", "edit('width_up')", "Wider"),
        Binding("left", "edit('width_down')", "Narrower"),
        # Not a/i/d: those keys change every layer at once, wherever the focus is.
        Binding("e", "edit('cycle_activation')", "Layer activation"),
        Binding("I", "edit('cycle_init')", "Layer init"),
        Binding("D", "edit('dropout_up')", "Layer dropout+", show=False),
        Binding("ctrl+d", "edit('dropout_down')", "Layer dropout-", show=False),
        Binding("insert,A", "edit('add_layer')", "Add layer", key_display="A"),
        Binding("delete,X", "edit('remove_layer')", "Remove layer", key_display="X"),
    ]

    class Selected(Message):
        """The selected layer changed (0-based; ``len(hidden)`` is the output layer)."""

        def __init__(self, index: int) -> None:
            super().__init__()
            self.index = index

    def __init__(
        self,
        config: Config | None = None,
        *,
        edit: LayerEdit = _no_edits,
        name: str | None = None,
        id: str | None = None,  # noqa: A002 - Textual's name
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._config = config
        self._edit = edit
        self._in: int | None = None
        self._out: int | None = None
        self._selected = 0
        self._hint = ""
        self._signature: tuple | None = None
        self._health: tuple[Health, ...] = ()

    # ----------------------------------------------------------------- state
    @property
    def config(self) -> Config | None:
        return self._config

    @property
    def selected_layer(self) -> int:
        """0-based layer index: hidden layers first, ``len(hidden)`` is the output layer."""
        return self._selected

    @property
    def hint(self) -> str:
        """Why the last edit was refused ("" if it was not)."""
        return self._hint

    @property
    def n_hidden(self) -> int:
        return len(self._config.model.hidden) if self._config else 0

    def update_snapshot(self, snapshot: Snapshot) -> bool:
        """Show the snapshot's Config (input/output widths from its layers)."""
        layers = snapshot.layers
        fan_in = layers[0].fan_in if layers else None
        fan_out = layers[-1].fan_out if layers else None
        # "dead" (never fires on the probe set) means something for ReLU layers only
        self._health = tuple(
            (v.grad_norm, v.update_ratio, v.act_std,
             v.dead_frac if v.activation == "relu" else math.nan, v.saturation)
            for v in layers
        )
        return self.set_config(snapshot.config, fan_in, fan_out)

    def set_config(
        self, config: Config, input_width: int | None = None, output_width: int | None = None
    ) -> bool:
        """Show ``config``; refresh only if something shown changed."""
        self._config = config
        if input_width is not None:
            self._in = input_width
        if output_width is not None:
            self._out = output_width
        self._selected = min(self._selected, self.n_hidden)
        return self._refresh_if_changed()

    def select_layer(self, index: int) -> None:
        index = max(0, min(index, self.n_hidden))
        if index != self._selected:
            self._selected = index
            self._hint = ""
            self.post_message(self.Selected(index))
            self._refresh_if_changed()
            self.call_after_refresh(self._reveal_selected)

    def _reveal_selected(self) -> None:
        """Scroll the nearest scrolling container (the column above the lesson; the whole
        screen on a small terminal) so that the selected layer's row shows: the border,
        the header and the ``in`` row come before it, and in a deep net's table the rows
        above it may each hold several layers."""
        table = self._table()
        y = self.gutter.top + 2 + (table.selected_row if table else 0)  # in this widget
        node: Widget = self
        for ancestor in self.ancestors:
            if not isinstance(ancestor, Widget):
                return
            y += node.virtual_region.y  # now in the ancestor's scrollable content
            if ancestor.allow_vertical_scroll:
                ancestor.scroll_to_region(Region(0, y, 1, 1), animate=False, immediate=True)
                return
            y += ancestor.gutter.top
            node = ancestor

    def action_select(self, direction: int) -> None:
        if direction > 0:
            self.select_next()
        else:
            self.select_prev()

    def action_edit(self, name: str) -> None:
        self.edit_layer(name)

    def select_next(self) -> None:
        self.select_layer((self._selected + 1) % (self.n_hidden + 1))

    def select_prev(self) -> None:
        self.select_layer((self._selected - 1) % (self.n_hidden + 1))

    # ----------------------------------------------------------------- edits
    def edit_layer(self, name: str) -> EditOutcome:
        """Apply the edit ``name`` (``EDIT_NAMES``) to the selected layer and show what
        came of it: the new layers and selection, or why it was refused."""
        outcome = self._edit(name, self._selected)
        self._hint = outcome.hint
        if outcome.config is not None:
            self._config = outcome.config
        self._selected = max(0, min(outcome.select, self.n_hidden))
        self._refresh_if_changed()
        return outcome

    # ----------------------------------------------------------------- drawing
    @property
    def compact(self) -> bool:
        """A deep net's form: identical layers share a row, the health rows are a sample."""
        return self.n_hidden > DEEP_NET

    def _table(self) -> LayerTable | None:
        """The layer table as shown now (None before there is a configuration)."""
        if self._config is None:
            return None
        return layer_table(self._config.model, self._in, self._out, self._selected,
                           group=self.compact)

    def _health_shown(self) -> list[int]:
        """The layers whose health rows show (none before the first snapshot of them)."""
        if len(self._health) != self.n_hidden + 1:
            return []
        return health_sample(len(self._health), self._selected)

    def _refresh_if_changed(self) -> bool:
        """Redraw only the rows whose text changed (a health number at its displayed
        precision, not say the learning rate), and re-layout only when the number of rows
        did (in a deep net, moving the selection may split a row or add a health row)."""
        model = self._config.model if self._config else None
        table = self._table()
        rows = (self.n_hidden, len(table.spans) if table else 0, len(self._health_shown()),
                bool(self._hint))
        signature = (model, self._in, self._out, self._selected, self._hint, self._health, rows)
        if self._signature is not None and signature == self._signature:
            return False
        old_rows = self._signature[-1] if self._signature else None
        self._signature = signature
        return self.repaint(layout=rows != old_rows)

    def render(self) -> Text:
        t = Text(no_wrap=True, overflow="ellipsis")
        table = self._table()
        if table is None:  # (no configuration)
            t.append("no configuration yet", "dim")
            return t
        room = self.content_size.width
        draw_table(t, table, room)
        if self._hint:
            t.append(f"\n  ✗ {self._hint}", "yellow")
        if health := self._health_shown():
            draw_health(t, self._health, health, room)
        return t
