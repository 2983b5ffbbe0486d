"""A multi-layer perceptron of dense layers, with the backward pass written out by hand.

Layer i computes z_i = a_{i-1} @ W_i + b_i, then (hidden layers only) a_i = f_i(z_i) and,
in training, inverted dropout a_i <- a_i * m_i / (1 - p_i) with m_i ~ Bernoulli(1 - p_i).
The last layer's z is the logits; the loss owns the output head (see ``losses``).

Backward, from dL/dz_L given by the loss:
    dW_i = a_{i-1}^T dz_i,   db_i = sum_rows dz_i,   da_{i-1} = dz_i W_i^T,
    dz_{i-1} = (da_{i-1} * m_{i-1} / (1 - p)) * f'(z_{i-1}).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from nnterm.engine.nn.activations import LEAKY_SLOPE, Activation, get_activation
from nnterm.engine.nn.compiled import compiled_pass
from nnterm.engine.nn.features import FeatureMap
from nnterm.engine.nn.flat import views_of
from nnterm.engine.nn.initializers import Init, as_init, init_layer
from nnterm.engine.nn.losses import get_loss
from nnterm.engine.nn.seeding import stream

# What a pass calls, bound once: each call of a step is on arrays of a few dozen numbers,
# where looking a name up costs as much as the arithmetic. Products of two matrices go
# through ``ndarray.dot``: the same BLAS call as ``@`` (the same bits: the exactness tests),
# at less than half the cost on small matrices (0.35 against 0.8 us for 10x8 by 8x8).
_matmul = np.ndarray.dot

#: What a pass may write into the arrays of the last pass that did so, instead of new
#: ones (``MLP.forward_backward``'s ``reuse``): nothing, all but the gradients, everything.
NOTHING, TRACE, EVERYTHING = "nothing", "trace", "everything"
_multiply = np.multiply
_sum = np.add.reduce  # x.sum(axis) without the method's Python wrapper


def _dense(a: np.ndarray, W: np.ndarray, b: np.ndarray) -> np.ndarray:
    """z = a W + b (the product first, then the bias added in place: the same bits as
    ``a @ W + b`` without a second array)."""
    z: np.ndarray = _matmul(a, W)
    z += b
    return z


@dataclass
class HiddenLayerTrace:
    """What one hidden layer computed on a batch: pre-activation z, output a (before
    dropout) and the scaled dropout mask (None when no dropout was applied)."""

    z: np.ndarray
    a: np.ndarray
    mask: np.ndarray | None


@dataclass
class Pass:
    """One forward and backward pass over a batch: the logits, every layer's input and
    the hidden traces (``trace``), the mean data loss, dL/dlogits and the gradients of
    (data loss + penalty), aligned with ``params``."""

    logits: np.ndarray
    inputs: list[np.ndarray]
    hidden: list[HiddenLayerTrace]
    loss: float
    dlogits: np.ndarray
    grads: list[np.ndarray]


def per_layer(value: Any, count: int, what: str = "a setting") -> list[Any]:
    """One value per layer: a single value broadcast to ``count`` layers, or a per-layer
    list or tuple (its length checked; ``what`` names the setting in the error). The
    Config keeps a setting single while every layer agrees; whoever reads it per layer
    (the network, the app's layer edits and layer table) reads it through this."""
    if isinstance(value, (list, tuple)):
        if len(value) != count:
            raise ValueError(
                f"{what} lists one value per layer: expected {count}, got {len(value)}"
            )
        return list(value)
    return [value] * count


class MLP:
    """Dense layers ``sizes[0] -> sizes[1] -> ... -> sizes[-1]``.

    ``activation`` and ``dropout`` are one value or a list with one per hidden layer;
    ``init`` is one scheme or a list with one per layer (see ``initializers``); ``frozen``
    names layers (0-based) that are never trained, as in a random-features model. ``seed``
    fixes the initial weights and the dropout masks, each from its own stream.
    ``features`` (names from ``features.FEATURES``) makes the network read those functions
    of a point of the plane instead of the point: ``sizes[0]`` is then their count, and
    every input it is given, (n, 2), goes through the ``FeatureMap`` first.
    """

    def __init__(
        self,
        sizes: Sequence[int],
        activation: str | Sequence[str] = "relu",
        init: str | dict[str, Any] | Init | Sequence[str | dict[str, Any] | Init] = "torch_default",
        dropout: float | Sequence[float] = 0.0,
        frozen: Sequence[int] = (),
        seed: int = 0,
        dtype: str = "float64",
        leaky_slope: float = LEAKY_SLOPE.default,
        features: Sequence[str] = (),
    ) -> None:
        if len(sizes) < 2 or any(int(s) < 1 for s in sizes):
            raise ValueError(f"sizes needs at least an input and an output width >= 1: {sizes}")
        self.sizes = [int(s) for s in sizes]
        self.feature_map = FeatureMap(features) if features else None
        if features and self.sizes[0] != len(features):
            raise ValueError(f"{len(features)} features make {len(features)} inputs, "
                             f"not {self.sizes[0]}")
        self.n_layers = len(self.sizes) - 1
        self.dtype = np.dtype(dtype)
        if self.dtype not in (np.float32, np.float64):
            raise ValueError(f"dtype must be float32 or float64, not {dtype}")
        self.leaky_slope = float(leaky_slope)
        self.activations: list[Activation] = [
            get_activation(a, self.leaky_slope)
            for a in per_layer(activation, self.n_layers - 1, "activation")
        ]
        self.dropout = [float(p) for p in per_layer(dropout, self.n_layers - 1, "dropout")]
        for p in self.dropout:
            if not 0.0 <= p < 1.0:
                raise ValueError(f"dropout must be in [0, 1), got {p}")
        self.inits = [as_init(s) for s in per_layer(init, self.n_layers, "init")]
        self.frozen = frozenset(int(i) for i in frozen)
        if any(not 0 <= i < self.n_layers for i in self.frozen):
            raise ValueError(f"frozen layers must be in 0..{self.n_layers - 1}: {sorted(frozen)}")
        #: the lowest layer that gets a gradient: backward stops there
        self._lowest_trainable = min(
            (i for i in range(self.n_layers) if i not in self.frozen), default=self.n_layers - 1)
        self.params: list[np.ndarray] = []
        #: How many passes the network's run plans (``Trainer`` says): ``compiled``
        #: loads its kernels for long runs only; None (a script's own loop): unknown.
        self.planned_passes: int | None = None
        #: ``compiled``'s plans, by batch size, loss and train: a count of passes taken
        #: before the plan is made, the plan, or None for NumPy's step
        self.step_plans: dict[tuple[Any, ...], Any] = {}
        self.reinitialize(seed)

    # ----------------------------------------------------------------- structure
    def reinitialize(self, seed: int | None = None) -> None:
        """Draw fresh weights from ``seed`` (default: the current seed), in place, and
        restart the dropout stream: the same seed always gives the same network."""
        if seed is not None:
            self.seed = int(seed)
        rng = stream(self.seed, "init")
        fresh: list[np.ndarray] = []
        for i in range(self.n_layers):
            fan_in, fan_out = self.sizes[i], self.sizes[i + 1]
            fresh.extend(init_layer(self.inits[i], fan_in, fan_out, rng, self.dtype))
        if len(self.params) != len(fresh):  # one flat buffer (``flat``) holds them all
            self._buffer = np.empty(sum(p.size for p in fresh), self.dtype)
            self.params = views_of(self._buffer, [p.shape for p in fresh])
        for old, new in zip(self.params, fresh, strict=True):
            old[...] = new  # keep the array objects: optimizers hold them
        self.dropout_rng = stream(self.seed, "dropout")
        self._frozen_grads = {
            i: (np.zeros_like(self.params[2 * i]), np.zeros_like(self.params[2 * i + 1]))
            for i in self.frozen
        }

    def __getstate__(self) -> dict[str, Any]:
        """A copy (pickle, deepcopy) starts without step plans: a plan holds nothing a
        copy could not make again, and unpickling one would load the compiled kernels
        into a process that never steps (the app, when its runs move back from the
        engine process)."""
        state = self.__dict__.copy()
        state["step_plans"] = {}
        return state

    def set_activation(self, name: str, layer: int | None = None) -> None:
        """Use activation ``name`` in hidden layer ``layer`` (all hidden layers if None)."""
        act = get_activation(name, self.leaky_slope)
        for i in self._hidden_layers(layer):
            self.activations[i] = act
        self.step_plans.clear()

    def set_dropout(self, p: float, layer: int | None = None) -> None:
        """Set the dropout probability of hidden layer ``layer`` (all if None)."""
        if not 0.0 <= p < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {p}")
        for i in self._hidden_layers(layer):
            self.dropout[i] = float(p)
        self.step_plans.clear()

    def _hidden_layers(self, layer: int | None) -> range:
        if layer is None:
            return range(self.n_layers - 1)
        if not 0 <= layer < self.n_layers - 1:
            raise ValueError(f"hidden layer index must be in 0..{self.n_layers - 2}, got {layer}")
        return range(layer, layer + 1)

    def set_parameter(self, layer: int, unit: int, row: int | None, value: float) -> None:
        """W_layer[row, unit] = value, or b_layer[unit] when ``row`` is None (in place:
        the optimizer keeps its state for it)."""
        if not 0 <= layer < self.n_layers:
            raise ValueError(f"layer must be in 0..{self.n_layers - 1}, got {layer}")
        fan_in, fan_out = self.sizes[layer], self.sizes[layer + 1]
        if not 0 <= unit < fan_out or (row is not None and not 0 <= row < fan_in):
            raise ValueError(f"layer {layer} is {fan_in}x{fan_out}: no parameter at "
                             f"({row}, {unit})")
        if not np.isfinite(value):
            raise ValueError(f"a parameter must be a finite number, not {value}")
        if row is None:
            self.params[2 * layer + 1][unit] = value
        else:
            self.params[2 * layer][row, unit] = value

    @property
    def weights(self) -> list[np.ndarray]:
        """W_1 .. W_L (views into ``params``)."""
        return self.params[0::2]

    @property
    def trainable_indices(self) -> list[int]:
        """Positions in ``params`` of the arrays an optimizer should update."""
        return [j for j in range(2 * self.n_layers) if j // 2 not in self.frozen]

    @property
    def n_params(self) -> int:
        return sum(p.size for p in self.params)

    def finite(self) -> bool:
        """Whether every parameter is a finite number: one check of the buffer they tile,
        or of each array in a copy (a copy's arrays are arrays of their own)."""
        if self.params[0].base is self._buffer:
            return bool(np.logical_and.reduce(np.isfinite(self._buffer)))
        return all(np.isfinite(p).all() for p in self.params)

    def get_state(self) -> list[np.ndarray]:
        """A copy of every parameter (for restore-best and comparisons)."""
        return [p.copy() for p in self.params]

    def set_state(self, state: Sequence[np.ndarray]) -> None:
        """Copy ``state`` (from ``get_state``) back into the parameters, in place."""
        for p, s in zip(self.params, state, strict=True):
            p[...] = s

    # ----------------------------------------------------------------- forward
    def forward(self, X: np.ndarray) -> np.ndarray:
        """Logits for ``X`` in eval mode (no dropout)."""
        return self.trace(X)[0]

    def trace(
        self, X: np.ndarray, train: bool = False
    ) -> tuple[np.ndarray, list[np.ndarray], list[HiddenLayerTrace]]:
        """Forward pass returning (logits, the input of every layer, the hidden traces).

        With ``train=True`` dropout masks are drawn from ``dropout_rng``. The first input
        is the features of ``X`` when the network has a feature map.
        """
        return self._trace_inputs(self.network_inputs(X), train)

    def network_inputs(self, X: np.ndarray) -> np.ndarray:
        """What the first layer reads for points ``X``: their features when the network
        has a feature map, in the network's dtype."""
        if self.feature_map is not None:
            X = self.feature_map.apply(X)
        return np.asarray(X, dtype=self.dtype)

    def _trace_inputs(
        self, a: np.ndarray, train: bool
    ) -> tuple[np.ndarray, list[np.ndarray], list[HiddenLayerTrace]]:
        """``trace`` of what the first layer reads (``network_inputs``)."""
        params = self.params
        inputs: list[np.ndarray] = []
        hidden: list[HiddenLayerTrace] = []
        last = self.n_layers - 1
        for i in range(last):
            inputs.append(a)
            z = _dense(a, params[2 * i], params[2 * i + 1])
            a = self.activations[i].forward(z)
            mask = None
            p = self.dropout[i]
            if train and p > 0.0:
                keep = self.dropout_rng.random(a.shape) >= p
                mask = keep.astype(self.dtype) * self.dtype.type(1.0 / (1.0 - p))
            hidden.append(HiddenLayerTrace(z, a, mask))
            if mask is not None:
                a = a * mask
        inputs.append(a)
        return _dense(a, params[2 * last], params[2 * last + 1]), inputs, hidden

    # ----------------------------------------------------------------- backward
    def backward(
        self, dlogits: np.ndarray, inputs: list[np.ndarray], hidden: list[HiddenLayerTrace]
    ) -> list[np.ndarray]:
        """Gradients of the loss w.r.t. every parameter, aligned with ``params``, given
        dL/dlogits and a trace from ``trace``: dW_i = a_{i-1}^T dz_i, db_i = sum_rows dz_i,
        with dz_i from ``deltas``. Frozen layers get (shared) zero arrays, and the chain
        stops at the lowest trainable layer: nothing below it needs a gradient."""
        grads: list[np.ndarray] = [None] * (2 * self.n_layers)  # type: ignore[list-item]
        lowest_trainable = self._lowest_trainable
        frozen = self.frozen
        for i, dz in self.deltas(dlogits, hidden, lowest=lowest_trainable):
            if i in frozen:
                grads[2 * i], grads[2 * i + 1] = self._frozen_grads[i]
            else:
                grads[2 * i] = _matmul(inputs[i].T, dz)
                grads[2 * i + 1] = _sum(dz, axis=0)
        for k in range(lowest_trainable):
            grads[2 * k], grads[2 * k + 1] = self._frozen_grads[k]
        return grads

    def deltas(
        self, dlogits: np.ndarray, hidden: list[HiddenLayerTrace], lowest: int = 0
    ) -> list[tuple[int, np.ndarray]]:
        """The chain rule, layer by layer from the top: (i, dL/dz_i) for i = L-1 down to
        ``lowest``, given dL/dlogits (= dL/dz_{L-1}) and the hidden traces of ``trace``:
        dz_{i-1} = (dz_i W_i^T * m_{i-1} / (1 - p)) * f'(z_{i-1})."""
        dz = dlogits
        chain = [(self.n_layers - 1, dz)]
        params = self.params
        for i in range(self.n_layers - 1, lowest, -1):
            da = _matmul(dz, params[2 * i].T)
            h = hidden[i - 1]
            if h.mask is not None:
                da *= h.mask
            dz = _multiply(da, self.activations[i - 1].derivative(h.z, h.a), out=da)
            chain.append((i - 1, dz))
        return chain

    def penalty(self, l1: float = 0.0, l2: float = 0.0) -> float:
        """Regularisation added to the data loss: l1 sum|W| + (l2/2) sum W^2 over the
        trainable weights (biases are not penalised)."""
        total = 0.0
        for i in range(self.n_layers):
            if i in self.frozen:
                continue
            w = self.params[2 * i]
            if l1:
                total += l1 * float(np.abs(w).sum())
            if l2:
                total += 0.5 * l2 * float((w * w).sum())
        return total

    def loss_and_grads(
        self,
        X: np.ndarray,
        y: np.ndarray,
        loss: str = "cross_entropy",
        train: bool = True,
        l1: float = 0.0,
        l2: float = 0.0,
    ) -> tuple[float, list[np.ndarray]]:
        """Mean data loss over the batch and the gradients of (data loss + penalty).

        The returned loss excludes the L1/L2 penalty (see ``penalty``) so that runs with
        different regularisation compare on the same scale. ``train`` applies dropout.
        """
        taken = self.forward_backward(X, y, loss, train, l1, l2, reuse=TRACE)
        return taken.loss, taken.grads

    def forward_backward(
        self,
        X: np.ndarray,
        y: np.ndarray,
        loss: str = "cross_entropy",
        train: bool = True,
        l1: float = 0.0,
        l2: float = 0.0,
        reuse: str = NOTHING,
    ) -> Pass:
        """``loss_and_grads``, with what the passes computed on the way (``Pass``): on
        compiled kernels where ``compiled`` covers the network, with the same bits.

        ``reuse``: what of this pass the caller is done with before it asks for the next
        pass, so that the compiled step may write it into the arrays of the last pass
        that did so instead of new ones: ``TRACE``, all but the gradients
        (``loss_and_grads``, which returns only them), or ``EVERYTHING`` (the trainer
        between two records)."""
        a = self.network_inputs(X)
        taken = (compiled_pass(self, a, y, loss, train, reuse)
                 or numpy_pass(self, a, y, loss, train))
        grads = taken.grads
        if l1 or l2:
            for i in range(self.n_layers):
                if i in self.frozen:
                    continue
                w = self.params[2 * i]
                extra = l2 * w if l2 else 0.0
                if l1:
                    extra = extra + l1 * np.sign(w)
                grads[2 * i] = grads[2 * i] + extra
        return taken


def numpy_pass(net: MLP, a: np.ndarray, y: np.ndarray, loss: str, train: bool) -> Pass:
    """The forward pass, the loss and the backward pass in NumPy, from what the first
    layer reads (``MLP.network_inputs``); the gradients are of the data loss alone."""
    logits, inputs, hidden = net._trace_inputs(a, train)
    value, dlogits = get_loss(loss).value_and_grad(logits, y)
    return Pass(logits, inputs, hidden, value, dlogits, net.backward(dlogits, inputs, hidden))
