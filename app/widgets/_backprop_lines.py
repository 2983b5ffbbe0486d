"""The backprop view's text: the phases of a training step, the graph's nodes with what
is known of them at a phase, and each phase written out with its numbers.

Phases, for a network of L layers: forward through each layer (z = a_prev·W + b, a = f(z);
the output's head), the loss, backward through each layer from the top (dL/dz of the
output from the loss; then dL/da = Σ w·dL/dz above and dL/dz = dL/da·f'(z)), every
weight's gradient (dL/dw = a_prev·dL/dz), and the update. Values appear as the forward
pass reaches them, gradients as the backward pass does.
"""

from __future__ import annotations

from dataclasses import dataclass

from nnterm.app.widgets.axis_ticks import fmt_num
from nnterm.engine.live.snapshot import BackpropView, LayerStep

#: What each loss's head is called, and how its loss is written for one example.
HEADS = {"binary_cross_entropy": "sigmoid", "sigmoid_mse": "sigmoid",
         "cross_entropy": "softmax", "softmax_mse": "softmax", "mse": ""}
UNKNOWN = "·"


@dataclass(frozen=True)
class Phase:
    """One phase: ``kind`` (forward, loss, backward, weights, update), the layer it is
    about (forward and backward), its place in the step and its title."""

    kind: str
    layer: int
    index: int
    title: str


def phases(view: BackpropView) -> list[Phase]:
    """Every phase of the step, in order."""
    n = len(view.layers)
    kinds = ([("forward", i) for i in range(n)] + [("loss", -1)]
             + [("backward", i) for i in reversed(range(n))] + [("weights", -1), ("update", -1)])
    titles = {"loss": "the loss", "weights": "every weight's gradient",
              "update": f"the update ({view.optimizer}, lr {fmt_num(view.lr)})"}
    out = []
    for index, (kind, layer) in enumerate(kinds):
        title = titles.get(kind) or f"{kind} through {layer_name(view, layer)}"
        out.append(Phase(kind, layer, index, title))
    return out


def layer_name(view: BackpropView, layer: int) -> str:
    return "out" if layer == len(view.layers) - 1 else f"h{layer + 1}"


def _known(view: BackpropView, phase: Phase, layer: int) -> tuple[bool, bool]:
    """Whether layer ``layer``'s values, and its gradients, are reached at ``phase``."""
    n = len(view.layers)
    return phase.index >= layer, phase.index >= n + 1 + (n - 1 - layer)


def _num(x: float, known: bool) -> str:
    return fmt_num(float(x)) if known else UNKNOWN


def graph_lines(view: BackpropView, phase: Phase) -> list[tuple[str, bool]]:
    """The graph's nodes, a line a unit: (text, whether the phase is about it)."""
    inputs = "   ".join(f"{name} = {fmt_num(float(v))}"
                        for name, v in zip(view.input_names, view.layers[0].inputs,
                                           strict=True))
    head = HEADS.get(view.loss_name, "")
    columns = (f"{'node':<7}{'value':>11} │ {'∂L/∂z':>11}   {'value':>11} │ "
               f"{'∂L/∂a':>11}")
    lines = [(f"{'in':<7}{inputs}   (y = {fmt_num(view.target)})", phase.index == 0),
             (columns, False)]
    for i, layer in enumerate(view.layers):
        value, grad = _known(view, phase, i)
        out = layer.activation == "output"
        about = phase.layer == i and phase.kind in ("forward", "backward")
        for j in range(len(layer.z)):
            text = (f"{layer_name(view, i)}[{j}]".ljust(7)
                    + f"z {_num(layer.z[j], value):>9} │ ∂ {_num(layer.grad_z[j], grad):>9}")
            if out:
                text += f"   {'p' if head else 'ŷ'} {_num(layer.a[j], value):>9}"
            else:
                text += (f"   a {_num(layer.a[j], value):>9} │ "
                         f"∂ {_num(layer.grad_a[j], grad):>9}")
            lines.append((text, about))
    n = len(view.layers)
    lines.append((f"{'loss':<7}L {_num(view.loss, phase.index >= n):>9}",
                  phase.kind == "loss"))
    return lines


def phase_lines(view: BackpropView, phase: Phase) -> list[str]:
    """The phase written out: each formula with its numbers, a line a unit."""
    if phase.kind == "forward":
        return _forward(view, phase.layer)
    if phase.kind == "loss":
        return _loss(view)
    if phase.kind == "backward":
        return _backward(view, phase.layer)
    if phase.kind == "weights":
        return _weights(view)
    return _update(view)


def _input_name(view: BackpropView, layer: int, k: int) -> str:
    return view.input_names[k] if layer == 0 else f"a{layer}[{k}]"


def _sum(terms: list[tuple[float, float]], bias: float | None) -> str:
    """``0.82·0.5 − 1.31·(−0.2) + 0.05``: weights times inputs, then the bias."""
    out = ""
    for k, (w, a) in enumerate(terms):
        factor = f"{fmt_num(abs(w))}·{_paren(a)}"
        out += (("−" if w < 0 else "") + factor) if k == 0 else \
            f" {'−' if w < 0 else '+'} {factor}"
    if bias is not None:
        out += f" {'−' if bias < 0 else '+'} {fmt_num(abs(bias))}"
    return out


def _paren(x: float) -> str:
    return f"({fmt_num(x)})" if x < 0 else fmt_num(x)


def _forward(view: BackpropView, i: int) -> list[str]:
    layer = view.layers[i]
    name = layer_name(view, i)
    lines = []
    for j in range(len(layer.z)):
        terms = [(float(layer.weights[k, j]), float(layer.inputs[k]))
                 for k in range(len(layer.inputs))]
        lines.append(f"z = {_sum(terms, float(layer.bias[j]))} = {fmt_num(float(layer.z[j]))}"
                     f"   ({name}[{j}])")
        lines.append(_activation_line(view, layer, j))
    return lines


def _activation_line(view: BackpropView, layer: LayerStep, j: int) -> str:
    z, a = fmt_num(float(layer.z[j])), fmt_num(float(layer.a[j]))
    if layer.activation != "output":
        return f"  a = {layer.activation}({z}) = {a}"
    head = HEADS.get(view.loss_name, "")
    if head == "softmax":
        return f"  p[{j}] = softmax(z)[{j}] = {a}"
    return f"  p = sigmoid({z}) = {a}" if head else f"  ŷ = z = {a}"


def _loss(view: BackpropView) -> list[str]:
    out = view.layers[-1]
    y, loss = view.target, fmt_num(view.loss)
    if view.loss_name == "binary_cross_entropy":
        p = float(out.a[0])
        right = p if y == 1 else 1 - p
        return [f"L = −[y·ln p + (1 − y)·ln(1 − p)] with y = {fmt_num(y)}",
                f"  = −ln {fmt_num(right)} = {loss}"]
    if view.loss_name == "cross_entropy":
        k = int(y)
        return [f"L = −ln p[y] with y = {k}", f"  = −ln {fmt_num(float(out.a[k]))} = {loss}"]
    return [f"L = {view.loss_name}(prediction, y = {fmt_num(y)}) = {loss}"]


def _backward(view: BackpropView, i: int) -> list[str]:
    layer = view.layers[i]
    name = layer_name(view, i)
    if layer.activation == "output":
        if view.loss_name in ("binary_cross_entropy", "cross_entropy"):
            lines = ["∂L/∂z = p − y: the loss's gradient through its head"]
            for j in range(len(layer.z)):
                y = (1.0 if int(view.target) == j else 0.0) if len(layer.z) > 1 else view.target
                lines.append(f"  ∂L/∂z[{j}] = {fmt_num(float(layer.a[j]))} − {fmt_num(y)} = "
                             f"{fmt_num(float(layer.grad_z[j]))}")
            return lines
        return [f"  ∂L/∂z[{j}] = {fmt_num(float(layer.grad_z[j]))} (the loss's gradient)"
                for j in range(len(layer.z))]
    above = view.layers[i + 1]
    lines = []
    for j in range(len(layer.z)):
        terms = [(float(layer_w), float(g)) for layer_w, g in
                 zip(above.weights[j], above.grad_z, strict=True)]
        lines.append(f"∂L/∂a = Σ w·∂L/∂z above = {_sum(terms, None)} = "
                     f"{fmt_num(float(layer.grad_a[j]))}   ({name}[{j}])")
        lines.append(f"  ∂L/∂z = ∂L/∂a · {layer.activation}'(z) = "
                     f"{_paren(float(layer.grad_a[j]))} · {fmt_num(float(layer.slope[j]))} = "
                     f"{fmt_num(float(layer.grad_z[j]))}")
    return lines


def _weights(view: BackpropView) -> list[str]:
    lines = ["∂L/∂w = a_prev · ∂L/∂z, ∂L/∂b = ∂L/∂z"
             + (f" (summed over the batch of {view.batch})" if view.batch > 1 else "")]
    for i, layer in enumerate(view.layers):
        for j in range(len(layer.z)):
            terms = [f"w[{_input_name(view, i, k)}→{layer_name(view, i)}[{j}]] "
                     f"{_paren(float(layer.inputs[k]))}·{_paren(float(layer.grad_z[j]))} = "
                     f"{fmt_num(float(layer.grad_weights[k, j]))}"
                     for k in range(len(layer.inputs))]
            terms.append(f"b {fmt_num(float(layer.grad_bias[j]))}")
            lines.append("  " + "   ".join(terms))
    return lines


def _update(view: BackpropView) -> list[str]:
    sgd = view.optimizer == "sgd"
    lines = [f"w ← w − lr·∂L/∂w, lr = {fmt_num(view.lr)}" if sgd
             else f"w: before → after ({view.optimizer}'s update)"]
    for i, layer in enumerate(view.layers):
        for j in range(len(layer.z)):
            pairs = [(f"w[{_input_name(view, i, k)}→{layer_name(view, i)}[{j}]]",
                      float(layer.weights[k, j]), float(layer.grad_weights[k, j]),
                      float(layer.new_weights[k, j])) for k in range(len(layer.inputs))]
            pairs.append(("b", float(layer.bias[j]), float(layer.grad_bias[j]),
                          float(layer.new_bias[j])))
            if sgd:
                terms = [f"{n} {fmt_num(old)} − {fmt_num(view.lr)}·{_paren(g)} = {fmt_num(new)}"
                         for n, old, g, new in pairs]
            else:
                terms = [f"{n} {fmt_num(old)} → {fmt_num(new)}" for n, old, _, new in pairs]
            lines.append("  " + "   ".join(terms))
    return lines
