"""Keyboard edits of a network's layers, as pure functions of its ModelConfig.

Each edit takes the model and the selected layer (0-based; ``len(hidden)`` is the output
layer) and returns a ``ModelEdit``: dotted-path Config changes (``{"model.hidden": (16,
8)}``), whether the network is re-initialised, a note saying what happened and the layer
to select next. An edit that cannot apply raises ``EditRefused`` saying why. Per-layer
settings (activation, dropout, init) keep the Config's form: a single value stays single
while every layer agrees.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from nnterm.engine.nn.activations import ACTIVATIONS
from nnterm.engine.nn.initializers import INITS, as_init, for_scheme
from nnterm.engine.nn.network import per_layer
from nnterm.engine.training.config import ModelConfig

WIDTH_STEPS = (1, 2, 4, 8, 16, 32, 64, 128, 256)
DROPOUT_STEPS = (0.0, 0.1, 0.2, 0.3, 0.5)
MAX_HIDDEN_LAYERS = 8
RESTART_NOTE = "re-initialised with the same seed"


@dataclass(frozen=True)
class ModelEdit:
    """Config ``changes`` (dotted path -> value); ``restart``: the network is
    re-initialised; ``note``: what happened, in words; ``select``: the layer to select."""

    changes: dict[str, Any]
    restart: bool
    note: str
    select: int


class EditRefused(ValueError):
    """The edit does not apply to this layer or would leave the allowed range."""


def pack(values: Sequence, original: Any) -> Any:
    """Back to the Config's form: a single value stays single while all layers agree."""
    if not isinstance(original, (tuple, list)) and values and all(v == values[0] for v in values):
        return values[0]
    if not values and not isinstance(original, (tuple, list)):
        return original
    return tuple(values)


def step_along(steps: Sequence[float], current: float, up: bool) -> float | None:
    """The next allowed value above (or below) ``current``; None at the end of the scale."""
    if up:
        bigger = [s for s in steps if s > current + 1e-12]
        return bigger[0] if bigger else None
    smaller = [s for s in steps if s < current - 1e-12]
    return smaller[-1] if smaller else None


def layer_name(model: ModelConfig, i: int) -> str:
    return "output layer" if i >= len(model.hidden) else f"layer {i + 1}"


def _hidden_layer(model: ModelConfig, i: int, refusal: str) -> int:
    if i >= len(model.hidden):
        raise EditRefused(refusal)
    return i


def change_width(model: ModelConfig, i: int, up: bool) -> ModelEdit:
    """The selected hidden layer one step wider (or narrower) along WIDTH_STEPS."""
    i = _hidden_layer(model, i, "the output width is set by the data")
    old = model.hidden[i]
    new = step_along(WIDTH_STEPS, old, up)
    if new is None:
        raise EditRefused(f"width stays within {WIDTH_STEPS[0]}..{WIDTH_STEPS[-1]}")
    hidden = tuple(int(new) if j == i else w for j, w in enumerate(model.hidden))
    return ModelEdit({"model.hidden": hidden}, True,
                     f"layer {i + 1} width {old} → {int(new)}; {RESTART_NOTE}", i)


def change_dropout(model: ModelConfig, i: int, up: bool) -> ModelEdit:
    """The selected hidden layer's dropout one step up (or down) along DROPOUT_STEPS."""
    i = _hidden_layer(model, i, "no dropout on the output layer")
    drops = [float(p) for p in per_layer(model.dropout, len(model.hidden))]
    old = drops[i]
    new = step_along(DROPOUT_STEPS, old, up)
    if new is None:
        raise EditRefused(f"dropout stays within {DROPOUT_STEPS[0]}..{DROPOUT_STEPS[-1]}")
    drops[i] = new
    return ModelEdit({"model.dropout": pack(drops, model.dropout)}, False,
                     f"layer {i + 1} dropout {old:g} → {new:g}", i)


def cycle_activation(model: ModelConfig, i: int, step: int = 1) -> ModelEdit:
    """Next (or previous, ``step=-1``) activation of the selected hidden layer."""
    i = _hidden_layer(model, i, "the output layer's activation is set by the loss")
    acts = per_layer(model.activation, len(model.hidden))
    old = acts[i]
    new = ACTIVATIONS[(ACTIVATIONS.index(old) + step) % len(ACTIVATIONS)] \
        if old in ACTIVATIONS else ACTIVATIONS[0]
    acts[i] = new
    return ModelEdit({"model.activation": pack(acts, model.activation)}, False,
                     f"layer {i + 1} activation {old} → {new} (weights kept)", i)


def cycle_init(model: ModelConfig, i: int, step: int = 1) -> ModelEdit:
    """Next (or previous) init scheme of the selected layer (output layer included)."""
    inits = [as_init(x) for x in per_layer(model.init, len(model.hidden) + 1)]
    old = inits[i]
    scheme = INITS[(INITS.index(old.scheme) + step) % len(INITS)]
    inits[i] = for_scheme(old, scheme)
    return ModelEdit({"model.init": pack(inits, model.init)}, True,
                     f"{layer_name(model, i)} init {old.scheme} → {scheme}; {RESTART_NOTE}", i)


def add_layer(model: ModelConfig, i: int) -> ModelEdit:
    """A hidden layer after the selected one, copying its width, activation, init and
    dropout (after the last hidden layer when the output layer is selected)."""
    n = len(model.hidden)
    if n >= MAX_HIDDEN_LAYERS:
        raise EditRefused(f"at most {MAX_HIDDEN_LAYERS} hidden layers")
    src = min(i, n - 1)  # the layer copied; -1: no hidden layer yet
    at = src + 1  # the new layer's index
    hidden, acts, drops, inits = _per_layer_lists(model)
    if src >= 0:
        for values in (hidden, acts, drops, inits):
            values.insert(at, values[src])
    else:
        hidden.insert(0, 8)
        acts.insert(0, model.activation if isinstance(model.activation, str) else "relu")
        drops.insert(0, model.dropout if not isinstance(model.dropout, (tuple, list)) else 0.0)
        inits.insert(0, inits[0])
    frozen = tuple(f + 1 if f >= at else f for f in model.frozen)
    changes = _structural_changes(model, hidden, acts, drops, inits, frozen)
    return ModelEdit(changes, True,
                     f"added layer {at + 1} ({hidden[at]} {acts[at]}); {RESTART_NOTE}", at)


def remove_layer(model: ModelConfig, i: int) -> ModelEdit:
    """Remove the selected hidden layer."""
    i = _hidden_layer(model, i, "the output layer cannot be removed")
    hidden, acts, drops, inits = _per_layer_lists(model)
    width = hidden[i]
    for values in (hidden, acts, drops, inits):
        values.pop(i)
    frozen = tuple(f - 1 if f > i else f for f in model.frozen if f != i)
    changes = _structural_changes(model, hidden, acts, drops, inits, frozen)
    return ModelEdit(changes, True, f"removed layer {i + 1} ({width}); {RESTART_NOTE}",
                     min(i, len(hidden)))


def _per_layer_lists(model: ModelConfig) -> tuple[list, list, list, list]:
    """Widths, activations and dropouts per hidden layer; inits per layer (output too)."""
    n = len(model.hidden)
    return (list(model.hidden), per_layer(model.activation, n), per_layer(model.dropout, n),
            [as_init(x) for x in per_layer(model.init, n + 1)])


def _structural_changes(model: ModelConfig, hidden: list, acts: list, drops: list,
                        inits: list, frozen: tuple) -> dict[str, Any]:
    """The changes after adding or removing a layer, in the Config's form; per-layer
    settings and frozen layers only where they changed."""
    changes: dict[str, Any] = {"model.hidden": tuple(hidden)}
    for path, values, original in (
        ("model.activation", acts, model.activation),
        ("model.dropout", drops, model.dropout),
        ("model.init", inits, model.init),
    ):
        packed = pack(values, original)
        if packed != original:
            changes[path] = packed
    if frozen != tuple(model.frozen):
        changes["model.frozen"] = frozen
    return changes


#: Each edit the architecture panel's keys ask for (``widgets.architecture.EDIT_NAMES``),
#: as a function of (model, selected layer).
EDITS: dict[str, Callable[[ModelConfig, int], ModelEdit]] = {
    "width_up": partial(change_width, up=True),
    "width_down": partial(change_width, up=False),
    "cycle_activation": cycle_activation,
    "cycle_init": cycle_init,
    "dropout_up": partial(change_dropout, up=True),
    "dropout_down": partial(change_dropout, up=False),
    "add_layer": add_layer,
    "remove_layer": remove_layer,
}
