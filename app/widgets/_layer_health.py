"""The health rows under the architecture table: per layer its gradient norm, its
update/weight ratio, the spread of its output, and its dead and saturated units.

A deep net does not list every layer: the rows would push the lesson off the side column
(a 20-layer net's are more than a 120x40 screen has). It shows a sample that still tells
the story over depth, which is what the lessons ask about (the first layer's gradient
against the last's, the spread shrinking layer by layer): the first two layers, a few
evenly spaced between, the last hidden layer and the output, and the selected layer, whose
numbers an edit changes.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence

from rich.text import Text

from nnterm.app.widgets._common import NO_NUMBER, fmt_power_of_ten

#: One layer's health: gradient norm, update/weight ratio, output spread (std), dead
#: fraction (NaN for a layer that is not ReLU) and saturated fraction.
Health = tuple[float, float, float, float, float]

#: How many layers' rows a net shows (the selected layer may add one): all of them up to
#: this many, i.e. up to 6 hidden layers and the output.
HEALTH_ROWS = 7


def health_sample(n_layers: int, selected: int, keep: int = HEALTH_ROWS) -> list[int]:
    """The layers (0-based, the output last) whose rows show, in order: every one if there
    are at most ``keep``; else the first two (where gradients vanish), ``keep - 4`` evenly
    spaced between them and the last hidden layer, that layer and the output (where the
    signal ends up), and the ``selected`` one."""
    if n_layers <= keep:
        return list(range(n_layers))
    last_hidden, between = n_layers - 2, keep - 4
    middle = {1 + round(j * (last_hidden - 1) / (between + 1)) for j in range(1, between + 1)}
    return sorted({0, 1, *middle, last_hidden, n_layers - 1, selected})


def draw_health(t: Text, health: Sequence[Health], shown: Sequence[int], room: int) -> None:
    """Append the rows of the layers ``shown`` (``health_sample``) to ``t``: gradient norm,
    update/weight ratio (``2e-4``, as the lessons speak of it: about 1e-3 is healthy), the
    spread (std) of the output, dead (ReLU) and saturated units; ``NO_NUMBER`` where there
    is none (no update yet, zero weights, "dead" of a layer that is not ReLU). A line under
    them says how many layers are left out and where to see them, wrapped to ``room``
    (0: unknown) rather than cut."""
    n_hidden = len(health) - 1
    head = f"{'':<4}{'‖grad‖':>8} {'u/w':>5} {'act sd':>6} {'dead':>5} {'sat':>5}"
    t.append(f"\n\n  {head}", "dim")
    for i in shown:
        grad, ratio, spread, dead, sat = health[i]
        kind = f"L{i + 1}" if i < n_hidden else "out"
        norm = "0" if grad == 0 else _num(grad, ".1e")  # (a dead layer's: not 0.0e+00)
        t.append(f"\n  {kind:<4}{norm:>8} {fmt_power_of_ten(ratio):>5} "
                 f"{_spread(spread):>6} {_num(dead, '.0%'):>5} {_num(sat, '.0%'):>5}",
                 "bold red" if dead >= 0.5 else "")
    left_out = len(health) - len(shown)
    if left_out:
        note = f"⋯ {left_out} more: ↑↓ shows each, k plots all"
        lines = textwrap.wrap(note, room - 2, subsequent_indent="  ") if room > 2 else [note]
        t.append("".join(f"\n  {line}" for line in lines), "dim")


def _num(x: float, spec: str) -> str:
    return NO_NUMBER if not math.isfinite(x) else format(x, spec)


def _spread(x: float) -> str:
    """An output spread in the column's 6 cells: ``0.85``, ``1.3e+03``; an exploded one
    to one digit (``5e+146``, where ``.2g`` gives 8 cells and shifts the row)."""
    return _num(x, ".2g" if not math.isfinite(x) or abs(x) < 1e100 else ".0e")
