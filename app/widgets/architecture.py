"""ArchitectureEditor: the network's layers, and the keys that edit the selected one.

The editor changes nothing itself: each edit key calls the ``edit`` it was given with the
edit's name (``EDIT_NAMES``) and the selected layer, while the key is being handled, and
shows what came of it (``EditOutcome``: the run's new config, the layer to select, or why
the edit was refused). The app decides what the edit means and sends it to the engine, so
that the next key, however quick, acts on the state this one left.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Callable
from dataclasses import dataclass

from rich.text import Text
from textual.binding import Binding
from textual.geometry import Region
from textual.message import Message
from textual.widget import Widget

from nnterm.app.model_edits import expand
from nnterm.app.widgets._common import NO_NUMBER, fmt_power_of_ten
from nnterm.app.widgets._repaint import RowRepaint
from nnterm.engine.live.snapshot import Snapshot
from nnterm.engine.nn.initializers import Init, as_init
from nnterm.engine.training.config import Config

#: The edits the keys ask for, by name.
EDIT_NAMES = ("width_up", "width_down", "cycle_activation", "cycle_init", "dropout_up",
              "dropout_down", "add_layer", "remove_layer")


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


def init_label(init: Init) -> str:
    """``he_normal``, ``normal σ=0.01``, ``constant 0.5``, ``xavier_uniform ×2``."""
    label = init.scheme
    if init.scheme == "normal":
        label += f" σ={init.std:g}"
    elif init.scheme == "uniform":
        label += f" ±{init.limit:g}"
    elif init.scheme == "constant":
        label += f" {init.value:g}"
    if init.gain != 1.0 and init.scheme not in ("zeros", "constant"):
        label += f" ×{init.gain:g}"
    return label


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
        self._health: tuple[tuple[float, float, float, float, float], ...] = ()

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
        the header and the ``in`` row come before it."""
        y = self.gutter.top + 2 + self._selected  # in this widget
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
    def _refresh_if_changed(self) -> bool:
        """Redraw only the rows whose text changed (a health number at its displayed
        precision, not say the learning rate), and re-layout only when the number of rows
        did."""
        model = self._config.model if self._config else None
        rows = (len(model.hidden) if model else -1, len(self._health), bool(self._hint))
        signature = (model, self._in, self._out, self._selected, self._hint, self._health, rows)
        if self._signature is not None and signature == self._signature:
            return False
        old_rows = self._signature[-1] if self._signature else None
        self._signature = signature
        return self.repaint(layout=rows != old_rows)

    def render(self) -> Text:
        t = Text(no_wrap=True, overflow="ellipsis")
        if self._config is None:
            t.append("no configuration yet", "dim")
            return t
        m = self._config.model
        n = len(m.hidden)
        acts = expand(m.activation, n)
        drops = expand(m.dropout, n)
        inits = [as_init(x) for x in expand(m.init, n + 1)]
        widths = [self._in, *m.hidden, self._out]
        labels = [init_label(x) for x in inits]
        one_init = len(set(labels)) == 1  # then said once, under the table, not per row
        rows = []
        total = 0
        for i in range(n + 1):
            fan_in, fan_out = widths[i], widths[i + 1]
            params = fan_in * fan_out + fan_out if fan_in and fan_out else None
            total += params or 0
            last = i == n
            rows.append(("out" if last else f"L{i + 1}", _w(fan_out), "-" if last else acts[i],
                         "" if one_init else labels[i], "" if last else f"{float(drops[i]):g}",
                         _w(params), " ❄" if i in m.frozen else ""))
        # columns as wide as what they hold: the table fits the panel at 120x40
        act_w = max(len("act"), *(len(r[2]) for r in rows))
        init_w = 0 if one_init else max(len("init"), *(len(r[3]) for r in rows))
        par_w = max(len("params"), *(len(r[5]) for r in rows))
        room = self.content_size.width
        inits_below = not one_init and room and (
            2 + 5 + 7 + 2 + act_w + 2 + init_w + 2 + 4 + par_w + 2 + 2 > room)
        if inits_below:  # a column of long init names would push params off the panel
            init_w, one_init = 0, True
        init_head = "" if one_init else f"{'init':<{init_w}}  "
        t.append(f"  {'layer':<5}{'width':>7}  {'act':<{act_w}}  {init_head}{'drop':<4}"
                 f"{'params':>{par_w + 2}}\n", "dim")
        t.append(f"  {'in':<5}{_w(self._in):>7}\n")
        for i, (kind, width, act, init, drop, params, frozen) in enumerate(rows):
            selected = i == self._selected
            init_cell = "" if one_init else f"{init:<{init_w}}  "
            line = (f"{'▸ ' if selected else '  '}{kind:<5}{width:>7}  {act:<{act_w}}  "
                    f"{init_cell}{drop:<4}{params:>{par_w + 2}}{frozen}")
            t.append(line + "\n", "reverse bold" if selected else "")
        init_said = (", ".join(f"{row[0]} {label}" for row, label in zip(rows, labels,
                                                                        strict=True))
                     if inits_below else labels[0] if one_init else "")
        under = [f"init {init_said}"] * bool(init_said) + [f"loss {m.loss}"]
        if len(under) == 2 and not (room and len(", ".join(under)) + 2 > room):
            under = [", ".join(under)]  # on one line when it fits
        for line in under:
            wrapped = textwrap.wrap(line, room - 2, subsequent_indent="  ") if room else [line]
            t.append("".join(f"  {part}\n" for part in wrapped), "dim")
        known = self._in is not None and self._out is not None
        t.append(f"  total {total:,} parameters" if known else "  total: waiting for data", "bold")
        if self._hint:
            t.append(f"\n  ✗ {self._hint}", "yellow")
        if len(self._health) == n + 1:
            self._render_health(t, n)
        return t

    def _render_health(self, t: Text, n: int) -> None:
        """Per layer: gradient norm, update/weight ratio (``2e-4``, as the lessons speak
        of it: about 1e-3 is healthy), the spread (std) of its output, and its dead (ReLU)
        and saturated units; ``NO_NUMBER`` where there is none (no update yet, zero
        weights, "dead" of a layer that is not ReLU)."""
        head = f"{'':<4}{'‖grad‖':>8} {'u/w':>5} {'act sd':>6} {'dead':>5} {'sat':>5}"
        t.append(f"\n\n  {head}", "dim")
        for i, (grad, ratio, spread, dead, sat) in enumerate(self._health):
            kind = f"L{i + 1}" if i < n else "out"
            norm = "0" if grad == 0 else _num(grad, ".1e")  # (a dead layer's: not 0.0e+00)
            t.append(f"\n  {kind:<4}{norm:>8} {fmt_power_of_ten(ratio):>5} "
                     f"{_num(spread, '.2g'):>6} {_num(dead, '.0%'):>5} {_num(sat, '.0%'):>5}",
                     "bold red" if dead >= 0.5 else "")


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _num(x: float, spec: str) -> str:
    return NO_NUMBER if not math.isfinite(x) else format(x, spec)


def _w(x: int | None) -> str:
    return "?" if x is None else f"{x:,}"
