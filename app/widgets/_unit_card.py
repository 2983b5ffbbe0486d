"""The network view's card: the selected unit's formula with the live numbers of one
training example, and its gradients, as lines of text.

For unit j of a layer, with inputs a_i (the features of the example, or the previous
layer's outputs) and the example chosen with ``e``::

    z = 0.82·x1 − 1.31·x2 + 0.05 = −0.77
    a = tanh(z) = −0.65 · dead 0% · saturated 3%
    ∂L/∂z = 0.013 = ∂L/∂b · ∂L/∂w: x1 0.004, x2 −0.011

Every number is the engine's (``live.network_view``); the card only writes them down.
Terms come largest |w·a| first, as many as the width holds; the sum is always the whole.
"""

from __future__ import annotations

import numpy as np

from nnterm.app.widgets.axis_ticks import fmt_num
from nnterm.engine.live.snapshot import NetworkView, UnitLayer
from nnterm.engine.nn.features import FEATURES

#: The output layer's head, by loss (``nn.losses``): what turns its z into the prediction.
HEADS = {"cross_entropy": "softmax", "softmax_mse": "softmax", "binary_cross_entropy": "sigmoid",
         "sigmoid_mse": "sigmoid", "mse": ""}


def unit_name(view: NetworkView, column: int, unit: int) -> str:
    """What the card and the tiles call a unit: a feature's name (the inputs' column
    offers every feature, ``FEATURES``), ``h1[3]`` for unit 3 of the first hidden layer,
    ``out[0]`` for an output."""
    if column == 0:
        return FEATURES[unit]
    if column == len(view.layers):
        return f"out[{unit}]"
    return f"h{column}[{unit}]"


def card_lines(view: NetworkView, column: int, position: int, loss: str, width: int
               ) -> list[str]:
    """The card of the unit at ``position`` (in its column's order; for the inputs, the
    feature's index in ``FEATURES``) of ``column`` (0: the inputs, then one per layer) of a
    network trained with ``loss``, each line at most ``width`` long."""
    where = (f"example #{view.point} at ({view.point_xy[0]:.2f}, {view.point_xy[1]:.2f}), "
             f"{view.point_label}")
    if column == 0:
        name = FEATURES[position]
        read = name in view.input_names
        lines = [f"{name} · {where}",
                 f"{name} = {fmt_num(float(view.feature_values[position]))} at this example",
                 "an input: read by the network (enter: switch it off)" if read else
                 "an input the network does not read (enter: switch it on)"]
        return [_cut(line, width) for line in lines]
    layer = view.layers[column - 1]
    unit = layer.units[position]
    names, values = _inputs(view, column)
    weights, grads = layer.weights[:, position], layer.grad_weights[:, position]
    order = np.argsort(-np.abs(weights * values), kind="stable")
    head = f"{unit_name(view, column, unit)} ({layer.activation}) · {where}"
    terms = [_term(float(weights[i]), f"·{names[i]}", first=k == 0)
             for k, i in enumerate(order)]
    z = f" {_term(float(layer.bias[position]), '', first=False)} = " \
        f"{fmt_num(float(layer.z[position]))}"
    a_line = _output_line(layer, position, loss) if column == len(view.layers) else (
        f"a = {layer.activation}(z) = {fmt_num(float(layer.a[position]))} · "
        f"dead {layer.dead[position]:.0%} · saturated {layer.saturated[position]:.0%}")
    g = (f"∂L/∂z = {fmt_num(float(layer.grad_z[position]))} = ∂L/∂b · ∂L/∂w:")
    grad_terms = [f"{names[i]} {fmt_num(float(grads[i]))}" for i in order]
    return [_cut(head, width), _sum_line("z = ", terms, z, width, joiner=" "),
            _cut(a_line, width), _sum_line(g + " ", grad_terms, "", width, joiner=", ")]


def _inputs(view: NetworkView, column: int) -> tuple[list[str], np.ndarray]:
    """The names and the example's values of what ``column``'s units read, by index."""
    if column == 1:
        return list(view.input_names), view.point_inputs
    below = view.layers[column - 2]
    by_index = np.argsort(below.units)
    return ([unit_name(view, column - 1, u) for u in range(len(below.units))],
            below.a[by_index])


def _output_line(layer: UnitLayer, position: int, loss: str) -> str:
    """The prediction the output unit makes: a probability through the loss's head, or
    z itself for regression."""
    head = HEADS.get(loss, "")
    value = fmt_num(float(layer.a[position]))
    if not head:
        return f"prediction = z = {value}"
    index = f"[{layer.units[position]}]" if head == "softmax" else ""
    return f"p = {head}(z){index} = {value}"


def _term(x: float, what: str, *, first: bool) -> str:
    """``x`` times ``what`` as a term of a sum: ``0.82·x1``, ``− 1.31·x2``, ``+ 0.05``."""
    if first:
        return f"{fmt_num(x)}{what}"
    return f"{'−' if x < 0 else '+'} {fmt_num(abs(x))}{what}"


def _sum_line(start: str, terms: list[str], end: str, width: int, joiner: str = " + ") -> str:
    """``start`` with as many ``terms`` as fit before ``end``; the rest said as a count."""
    for shown in range(len(terms), 0, -1):
        rest = len(terms) - shown
        more = f"{joiner}… {rest} more" if rest else ""
        line = start + joiner.join(terms[:shown]) + more + end
        if len(line) <= width:
            return line
    return _cut(f"{start}… {len(terms)} terms{end}", width)


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[:max(0, width - 1)] + "…"
