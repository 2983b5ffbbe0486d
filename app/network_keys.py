"""The keys of the network view: ``u`` opens it in the picture panel (the engine then
puts the selected run's ``NetworkView`` in every snapshot) or closes it, the arrows
select a unit, ``e``/``E`` choose the training example whose numbers the card shows,
``enter`` switches the selected feature or opens the selected unit's weights to type,
``W`` draws every weight of every layer (or the selected unit's again).

``NetworkKeys`` belongs to the main view, which gives it a ``NetworkHost``: it sends
the engine its ``WatchNetwork`` commands and finds the panel. While the view is closed
the engine builds nothing for it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from textual.widget import Widget

from nnterm.app import controls
from nnterm.app.unit_editor import Field, UnitEditor
from nnterm.app.widgets._unit_card import unit_name
from nnterm.app.widgets.network import NetworkPanel
from nnterm.engine.live import run_commands as rc
from nnterm.engine.live.snapshot import Snapshot
from nnterm.engine.training import commands as cmd
from nnterm.engine.training.config import Config

PanelT = TypeVar("PanelT", bound=Widget)
#: What ``u`` says where there is no plane of inputs to draw units over.
NO_PLANE = "the network view draws units over the input plane: it needs 2-D inputs"


#: What ``W`` says as it draws every weight.
EVERY_EDGE = "every weight, a cell each: a unit's row to the next column's units in order"


class NetworkHost(Protocol):
    """The screen the network view is on."""

    @property
    def snapshot(self) -> Snapshot | None: ...

    def send(self, command: rc.LiveCommand) -> None: ...
    def query_one(self, selector: type[PanelT]) -> PanelT: ...
    def notify(self, message: str, *, title: str = "", timeout: float | None = None) -> None: ...


#: ``change(control)``: each run the keys change given ``control(its config)``'s changes.
Change = Callable[[Callable[[Config], dict[str, Any]]], None]
#: ``dialog(screen, then)``: show a dialog; ``then`` gets what it was dismissed with.
Dialog = Callable[[UnitEditor, Callable[[dict[int | None, float] | None], None]], object]


class NetworkKeys:
    """Whether the network view is open, and the training example it shows; ``change``
    and ``dialog`` are how the main view changes runs' settings and shows a dialog."""

    def __init__(self, host: NetworkHost, *, change: Change, dialog: Dialog) -> None:
        self.host = host
        self.change = change
        self.dialog = dialog
        self.point = 0
        self.open = False

    def toggle(self) -> None:
        """Open the view (for 2-D inputs), or close it."""
        snapshot = self.host.snapshot
        if not self.open and snapshot is not None and snapshot.boundary is None \
                and snapshot.surface is None:
            self.host.notify(NO_PLANE, title="Network", timeout=3)
            return
        self.open = not self.open
        self.rewatch()

    def close(self) -> None:
        """Closed, as a lesson opens (``ViewKeys.reset``); the engine is told if needed."""
        if self.open:
            self.open = False
            self.rewatch()

    def rewatch(self) -> None:
        """Tell the engine what to build: after a toggle, or to an engine started anew."""
        self.host.send(rc.WatchNetwork(self.point if self.open else None))

    def example(self, direction: int) -> None:
        """The next (1) or previous (-1) training example, round the training set."""
        snapshot = self.host.snapshot
        n_train = snapshot.config.data.n_train if snapshot is not None else 1
        self.point = (self.point + direction) % max(1, n_train)
        self.rewatch()

    @property
    def selected_feature(self) -> str | None:
        """The feature selected in the view's inputs' column, if one is."""
        return self.host.query_one(NetworkPanel).selected_feature

    def enter(self) -> None:
        """On a feature: switch it on or off in the runs the keys change (the last one
        read stays on); on a unit: a dialog for its weights and bias, whose changed values
        the run shown takes at its next step."""
        name = self.selected_feature
        snapshot = self.host.snapshot
        if name is None:
            self._edit_unit()
        elif snapshot is not None and not controls.toggle_feature(snapshot.config, name):
            self.host.notify("the network reads at least one input", timeout=3)
        else:
            self.change(lambda config: controls.toggle_feature(config, name))

    def _edit_unit(self) -> None:
        card = self.unit_fields()
        snapshot = self.host.snapshot
        if card is None or snapshot is None:
            return
        title, layer, unit, fields = card
        run = snapshot.run

        def apply(changed: dict[int | None, float] | None) -> None:
            for row, value in (changed or {}).items():
                self.host.send(rc.ToRuns(cmd.SetParameter(layer, unit, row, value), (run,)))

        self.dialog(UnitEditor(title, fields), apply)

    def unit_fields(self) -> tuple[str, int, int, list[Field]] | None:
        """The selected unit's card as a dialog's fields: (title, layer, unit, a field for
        each weight into it and its bias); None for an input feature or no view."""
        snapshot = self.host.snapshot
        panel = self.host.query_one(NetworkPanel)
        column, position = panel.selected
        if snapshot is None or snapshot.network is None or column == 0:
            return None
        view = snapshot.network
        layer = view.layers[column - 1]
        unit = layer.units[position]
        inputs = view.input_names if column == 1 else tuple(
            unit_name(view, column - 1, k) for k in range(layer.weights.shape[0]))
        fields: list[Field] = [(f"weight from {name}", row, float(layer.weights[row, position]))
                               for row, name in enumerate(inputs)]
        fields.append(("bias", None, float(layer.bias[position])))
        title = f"{unit_name(view, column, unit)} of run {snapshot.run}"
        return title, column - 1, unit, fields

    def edges(self) -> None:
        """Every weight of every layer between the columns, or the selected unit's."""
        if self.host.query_one(NetworkPanel).toggle_edges():
            self.host.notify(EVERY_EDGE, title="Network", timeout=5)

    def move(self, columns: int, rows: int) -> None:
        """Select another unit: ``columns`` layers right, ``rows`` down."""
        self.host.query_one(NetworkPanel).move(columns, rows)
