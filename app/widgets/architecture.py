"""ArchitectureEditor: the network's layers, and keyboard edits posted as Config changes.

The editor never changes anything itself: each edit method posts
``ArchitectureEditor.Edit(changes, restart, note)`` with dotted-path Config changes
(``{"model.hidden": (16, 8)}``) for the app to send to the trainer, and returns it.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from typing import Any

from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.widget import Widget

from nnterm.engine.activations import ACTIVATIONS
from nnterm.engine.config import Config
from nnterm.engine.initializers import INITS, Init, as_init
from nnterm.engine.snapshot import Snapshot

WIDTH_STEPS = (1, 2, 4, 8, 16, 32, 64, 128, 256)
DROPOUT_STEPS = (0.0, 0.1, 0.2, 0.3, 0.5)
MAX_HIDDEN_LAYERS = 8
RESTART_NOTE = "re-initialised with the same seed"


def _expand(value: Any, count: int) -> list:
    """One value per layer from a single value or a per-layer tuple/list."""
    if isinstance(value, (tuple, list)):
        return list(value)
    return [value] * count


def _pack(values: Sequence, original: Any) -> Any:
    """Back to the Config's form: a single value stays single while all layers agree."""
    if not isinstance(original, (tuple, list)) and values and all(v == values[0] for v in values):
        return values[0]
    if not values and not isinstance(original, (tuple, list)):
        return original
    return tuple(values)


def _step(steps: Sequence[float], current: float, up: bool) -> float | None:
    """The next allowed value above (or below) ``current``; None at the end of the scale."""
    if up:
        bigger = [s for s in steps if s > current + 1e-12]
        return bigger[0] if bigger else None
    smaller = [s for s in steps if s < current - 1e-12]
    return smaller[-1] if smaller else None


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


class ArchitectureEditor(Widget, can_focus=True):
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

    class Edit(Message):
        """A requested Config change: ``changes`` maps dotted paths to new values;
        ``restart`` says the network is re-initialised; ``note`` says what happened."""

        def __init__(self, changes: dict[str, Any], restart: bool, note: str) -> None:
            super().__init__()
            self.changes = changes
            self.restart = restart
            self.note = note

        def __repr__(self) -> str:
            return f"Edit({self.changes!r}, restart={self.restart}, note={self.note!r})"

    class Selected(Message):
        """The selected layer changed (0-based; ``len(hidden)`` is the output layer)."""

        def __init__(self, index: int) -> None:
            super().__init__()
            self.index = index

    def __init__(
        self,
        config: Config | None = None,
        *,
        name: str | None = None,
        id: str | None = None,  # noqa: A002 - Textual's name
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._config = config
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

    def action_select(self, direction: int) -> None:
        if direction > 0:
            self.select_next()
        else:
            self.select_prev()

    def action_edit(self, method: str) -> None:
        """Run one of the edit methods below (each posts an Edit message)."""
        getattr(self, method)()

    def select_next(self) -> None:
        self.select_layer((self._selected + 1) % (self.n_hidden + 1))

    def select_prev(self) -> None:
        self.select_layer((self._selected - 1) % (self.n_hidden + 1))

    # ----------------------------------------------------------------- edits
    def width_up(self) -> Edit | None:
        return self._width(up=True)

    def width_down(self) -> Edit | None:
        return self._width(up=False)

    def cycle_activation(self, step: int = 1) -> Edit | None:
        """Next (or previous, ``step=-1``) activation of the selected hidden layer."""
        m, i = self._model_and_hidden("the output layer's activation is set by the loss")
        if m is None:
            return None
        acts = _expand(m.activation, len(m.hidden))
        old = acts[i]
        new = ACTIVATIONS[(ACTIVATIONS.index(old) + step) % len(ACTIVATIONS)] \
            if old in ACTIVATIONS else ACTIVATIONS[0]
        acts[i] = new
        return self._post(
            {"model.activation": _pack(acts, m.activation)}, False,
            f"layer {i + 1} activation {old} → {new} (weights kept)",
        )

    def cycle_init(self, step: int = 1) -> Edit | None:
        """Next (or previous) init scheme of the selected layer (output layer included)."""
        m = self._model()
        if m is None:
            return None
        i = self._selected
        inits = [as_init(x) for x in _expand(m.init, len(m.hidden) + 1)]
        old = inits[i]
        scheme = INITS[(INITS.index(old.scheme) + step) % len(INITS)]
        inits[i] = dataclasses.replace(old, scheme=scheme)
        return self._post(
            {"model.init": _pack(inits, m.init)}, True,
            f"{self._layer_name(i)} init {old.scheme} → {scheme}; {RESTART_NOTE}",
        )

    def dropout_up(self) -> Edit | None:
        return self._dropout(up=True)

    def dropout_down(self) -> Edit | None:
        return self._dropout(up=False)

    def add_layer(self) -> Edit | None:
        """A hidden layer after the selected one, copying its width, activation, init and
        dropout (after the last hidden layer when the output layer is selected)."""
        m = self._model()
        if m is None:
            return None
        n = len(m.hidden)
        if n >= MAX_HIDDEN_LAYERS:
            return self._refuse(f"at most {MAX_HIDDEN_LAYERS} hidden layers")
        src = min(self._selected, n - 1)  # the layer copied; -1: no hidden layer yet
        at = src + 1  # the new layer's index
        hidden = list(m.hidden)
        acts = _expand(m.activation, n)
        drops = _expand(m.dropout, n)
        inits = [as_init(x) for x in _expand(m.init, n + 1)]
        if src >= 0:
            hidden.insert(at, hidden[src])
            acts.insert(at, acts[src])
            drops.insert(at, drops[src])
            inits.insert(at, inits[src])
        else:
            hidden.insert(0, 8)
            acts.insert(0, m.activation if isinstance(m.activation, str) else "relu")
            drops.insert(0, m.dropout if not isinstance(m.dropout, (tuple, list)) else 0.0)
            inits.insert(0, inits[0])
        changes = {"model.hidden": tuple(hidden)}
        changes.update(self._per_layer_changes(m, acts, drops, inits))
        frozen = tuple(f + 1 if f >= at else f for f in m.frozen)
        if frozen != tuple(m.frozen):
            changes["model.frozen"] = frozen
        edit = self._post(
            changes, True,
            f"added layer {at + 1} ({hidden[at]} {acts[at]}); {RESTART_NOTE}",
        )
        self._selected = at
        self._refresh_if_changed()
        return edit

    def remove_layer(self) -> Edit | None:
        """Remove the selected hidden layer."""
        m, i = self._model_and_hidden("the output layer cannot be removed")
        if m is None:
            return None
        n = len(m.hidden)
        hidden = list(m.hidden)
        acts = _expand(m.activation, n)
        drops = _expand(m.dropout, n)
        inits = [as_init(x) for x in _expand(m.init, n + 1)]
        width = hidden.pop(i)
        acts.pop(i)
        drops.pop(i)
        inits.pop(i)
        changes = {"model.hidden": tuple(hidden)}
        changes.update(self._per_layer_changes(m, acts, drops, inits))
        frozen = tuple(f - 1 if f > i else f for f in m.frozen if f != i)
        if frozen != tuple(m.frozen):
            changes["model.frozen"] = frozen
        edit = self._post(changes, True, f"removed layer {i + 1} ({width}); {RESTART_NOTE}")
        self._selected = min(i, n - 1)
        self._refresh_if_changed()
        return edit

    # ----------------------------------------------------------------- helpers
    def _model(self):
        if self._config is None:
            self._refuse("no configuration yet")
            return None
        return self._config.model

    def _model_and_hidden(self, refusal: str):
        m = self._model()
        if m is None:
            return None, 0
        if self._selected >= len(m.hidden):
            self._refuse(refusal)
            return None, 0
        return m, self._selected

    def _layer_name(self, i: int) -> str:
        return "output layer" if i >= self.n_hidden else f"layer {i + 1}"

    def _width(self, up: bool) -> Edit | None:
        m, i = self._model_and_hidden("the output width is set by the data")
        if m is None:
            return None
        old = m.hidden[i]
        new = _step(WIDTH_STEPS, old, up)
        if new is None:
            return self._refuse(f"width stays within {WIDTH_STEPS[0]}..{WIDTH_STEPS[-1]}")
        hidden = tuple(int(new) if j == i else w for j, w in enumerate(m.hidden))
        return self._post(
            {"model.hidden": hidden}, True,
            f"layer {i + 1} width {old} → {int(new)}; {RESTART_NOTE}",
        )

    def _dropout(self, up: bool) -> Edit | None:
        m, i = self._model_and_hidden("no dropout on the output layer")
        if m is None:
            return None
        drops = [float(p) for p in _expand(m.dropout, len(m.hidden))]
        old = drops[i]
        new = _step(DROPOUT_STEPS, old, up)
        if new is None:
            return self._refuse(f"dropout stays within {DROPOUT_STEPS[0]}..{DROPOUT_STEPS[-1]}")
        drops[i] = new
        return self._post(
            {"model.dropout": _pack(drops, m.dropout)}, False,
            f"layer {i + 1} dropout {old:g} → {new:g}",
        )

    @staticmethod
    def _per_layer_changes(m, acts: list, drops: list, inits: list) -> dict[str, Any]:
        """The per-layer settings after a structural edit, in the Config's form; only those
        that changed."""
        changes: dict[str, Any] = {}
        for path, values, original in (
            ("model.activation", acts, m.activation),
            ("model.dropout", drops, m.dropout),
            ("model.init", inits, m.init),
        ):
            packed = _pack(values, original)
            if packed != original:
                changes[path] = packed
        return changes

    def _post(self, changes: dict[str, Any], restart: bool, note: str) -> Edit:
        self._hint = ""
        edit = self.Edit(changes, restart, note)
        self.post_message(edit)
        self._refresh_if_changed()
        return edit

    def _refuse(self, why: str) -> None:
        self._hint = why
        self._refresh_if_changed()
        return None

    # ----------------------------------------------------------------- drawing
    def _refresh_if_changed(self) -> bool:
        """Redraw only when what the panel shows changed (the model, not say the learning
        rate), and re-layout only when its number of rows did."""
        model = self._config.model if self._config else None
        rows = (len(model.hidden) if model else -1, len(self._health), bool(self._hint))
        signature = (model, self._in, self._out, self._selected, self._hint, self._health, rows)
        if self._signature is not None and signature == self._signature:
            return False
        old_rows = self._signature[-1] if self._signature else None
        self._signature = signature
        self.refresh(layout=rows != old_rows)
        return True

    def render(self) -> Text:
        t = Text(no_wrap=True, overflow="ellipsis")
        if self._config is None:
            t.append("no configuration yet", "dim")
            return t
        m = self._config.model
        n = len(m.hidden)
        acts = _expand(m.activation, n)
        drops = _expand(m.dropout, n)
        inits = [as_init(x) for x in _expand(m.init, n + 1)]
        widths = [self._in, *m.hidden, self._out]
        t.append(f"  {'layer':<10}{'width':>5}  {'activation':<17}{'init':<19}{'drop':<5}"
                 f"{'params':>7}\n", "dim")
        t.append(f"  {'input':<10}{_w(self._in):>5}\n")
        total = 0
        for i in range(n + 1):
            fan_in, fan_out = widths[i], widths[i + 1]
            params = fan_in * fan_out + fan_out if fan_in and fan_out else None
            total += params or 0
            selected = i == self._selected
            mark = "▸ " if selected else "  "
            if i < n:
                kind, act, drop = f"hidden {i + 1}", acts[i], f"{float(drops[i]):g}"
            else:
                kind, act, drop = "output", f"({m.loss})", ""
            frozen = " ❄" if i in m.frozen else ""
            line = (
                f"{mark}{kind:<10}{_w(fan_out):>5}  {_cut(act, 16):<17}"
                f"{_cut(init_label(inits[i]), 18):<19}{drop:<5}{_w(params):>7}{frozen}"
            )
            t.append(line + "\n", "reverse bold" if selected else "")
        known = self._in is not None and self._out is not None
        t.append(f"  total {total:,} parameters" if known else "  total: waiting for data", "bold")
        if self._hint:
            t.append(f"\n  ✗ {self._hint}", "yellow")
        if len(self._health) == n + 1:
            self._render_health(t, n)
        return t

    def _render_health(self, t: Text, n: int) -> None:
        """Per layer: gradient norm, log10 update/weight ratio, the spread (std) of its
        output, and its dead (ReLU) and saturated units."""
        head = f"{'':<4}{'‖grad‖':>8} {'u/w':>5} {'act sd':>6} {'dead':>5} {'sat':>5}"
        t.append(f"\n\n  {head}", "dim")
        for i, (grad, ratio, spread, dead, sat) in enumerate(self._health):
            kind = f"L{i + 1}" if i < n else "out"
            t.append(f"\n  {kind:<4}{_num(grad, '.1e'):>8} {_num(ratio, '.1f'):>5} "
                     f"{_num(spread, '.2g'):>6} {_num(dead, '.0%'):>5} {_num(sat, '.0%'):>5}",
                     "bold red" if dead >= 0.5 else "")


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _num(x: float, spec: str) -> str:
    return "-" if not math.isfinite(x) else format(x, spec)


def _w(x: int | None) -> str:
    return "?" if x is None else f"{x:,}"
