"""Values typed into single parameters (the network view's weight card, TensorFlow
Playground's), kept in the run's Config as ``model.typed_values`` so that a saved preset
replays them and the run can be told again.

A ``TypedValue`` at step S sets one weight (``input`` the row: which input or unit of the
layer below) or one bias (``input`` None) once step S is recorded, before step S+1 (at
step 0: after the initial record, before the first step). The optimizer keeps its state
for the parameter. A reset (``r``) goes back to step 0, where every parameter is the
init's draw again; the typed value comes back at its step, as in the saved preset.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from nnterm.engine.training.config import Config


@dataclass(frozen=True)
class TypedValue:
    """``value`` for the weight from ``input`` into ``unit`` of ``layer`` (0-based; the
    output layer is the last), or that unit's bias (``input`` None), at ``step``."""

    step: int = 0
    layer: int = 0
    unit: int = 0
    input: int | None = None
    value: float = 0.0

    def __str__(self) -> str:
        """As a preset writes it, leaving out what is at its default:
        ``{step: 120, unit: 3, input: 1, value: 0.5}``."""
        fields = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        shown = {k: v for k, v in fields.items() if v != getattr(TypedValue, k) or k == "value"}
        return "{" + ", ".join(f"{k}: {v:g}" if isinstance(v, float) else f"{k}: {v}"
                               for k, v in shown.items()) + "}"

    @property
    def target(self) -> tuple[int, int, int | None]:
        """Which parameter: (layer, unit, input)."""
        return self.layer, self.unit, self.input


def with_typed_value(config: Config, typed: TypedValue) -> Config:
    """``config`` with ``typed`` recorded: a value typed again for the same parameter at
    the same step replaces the earlier one; the list stays in step order."""
    kept = [t for t in config.model.typed_values
            if (t.step, t.target) != (typed.step, typed.target)]
    values = tuple(sorted([*kept, typed], key=lambda t: t.step))
    return dataclasses.replace(config, model=dataclasses.replace(config.model,
                                                                 typed_values=values))


def by_step(values: Iterable[TypedValue]) -> dict[int, list[TypedValue]]:
    """The typed values grouped by the step they apply at."""
    out: dict[int, list[TypedValue]] = {}
    for typed in values:
        out.setdefault(typed.step, []).append(typed)
    return out


def shape_problem(typed: TypedValue, sizes: tuple[int, ...]) -> str | None:
    """Why ``typed`` names no parameter of a network of layer ``sizes`` (inputs, hidden
    widths, outputs), or None."""
    if not 0 <= typed.layer < len(sizes) - 1:
        return f"layer {typed.layer} does not exist (layers 0..{len(sizes) - 2})"
    fan_in, fan_out = sizes[typed.layer], sizes[typed.layer + 1]
    if not typed.unit < fan_out:
        return f"layer {typed.layer} has {_count(fan_out, 'unit')}: no unit {typed.unit}"
    if typed.input is not None and not typed.input < fan_in:
        return f"layer {typed.layer} reads {_count(fan_in, 'input')}: no input {typed.input}"
    return None


def without_typed_values(config: Config) -> Config:
    """``config`` with no typed value: a change that starts the run again on a new
    network (a width, a feature, the data) leaves nothing for them to name."""
    if not config.model.typed_values:
        return config
    return dataclasses.replace(config, model=dataclasses.replace(config.model,
                                                                 typed_values=()))


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'s' * (n != 1)}"
