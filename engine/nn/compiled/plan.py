"""Which parts of a network's step run on the compiled kernels, checked against NumPy.

A plan is made once per network, batch size and loss (``make_plan``):

1. ``coverage.qualifies`` (before Numba is loaded): the network and batch are of the
   kinds the kernels write.
2. Each product of the step is computed by the kernels and by ``ndarray.dot`` on
   random matrices of its shapes and layout, ``CHECK_DRAWS`` times; one whose bits
   differ on this machine stays a NumPy call (OpenBLAS picks its kernels by CPU and
   shape: a product with one column is a matrix-vector product, summed four ways at
   once, and no machine promises FMA).
3. The first batch is stepped both ways; the plan is kept only if the two passes agree
   in every array and the loss, bit for bit. Otherwise the network steps with NumPy.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from nnterm.engine.nn.compiled import kernels, products
from nnterm.engine.nn.flat import views_of
from nnterm.engine.nn.network import (
    EVERYTHING,
    MLP,
    NOTHING,
    HiddenLayerTrace,
    Pass,
    numpy_pass,
)

CHECK_DRAWS = 3
#: Multiply-adds up to which a product runs on the kernels: beyond it BLAS's
#: register-blocked kernels are faster (32x32 by 32x32: 1.9 us against 4.3), and NumPy's
#: ``dot`` computes it, unchecked (it is NumPy's own step).
KERNEL_PRODUCT = 4096

#: How each activation runs: its code in ``dense`` and in ``backward_layer``.
FORWARD_CODE = {"identity": kernels.IDENTITY, "relu": kernels.RELU,
                "leaky_relu": kernels.LEAKY_RELU, "tanh": kernels.NUMPY,
                "sigmoid": kernels.NUMPY}
DERIVATIVE_CODE = {"identity": kernels.IDENTITY, "relu": kernels.RELU,
                   "leaky_relu": kernels.LEAKY_RELU, "tanh": kernels.TANH,
                   "sigmoid": kernels.SIGMOID}

#: The activations ``dense`` writes into an array of their own (identity's a is z).
OWN_OUTPUT = frozenset((kernels.RELU, kernels.LEAKY_RELU))

_matmul = np.ndarray.dot


@dataclass(frozen=True)
class LayerPlan:
    """One layer's products, each on the kernels (True) or NumPy's ``dot`` (False):
    z = a W, dW = a^T dz and da = dz W^T (the last unused on the first layer)."""

    forward: bool
    weights_grad: bool
    chain: bool


def _same_products(a: np.ndarray, W: np.ndarray, dz: np.ndarray) -> list[bool]:
    """Whether the kernels compute a W, a^T dz and dz W^T with ``ndarray.dot``'s bits."""
    cases: list[tuple[Callable[..., None], np.ndarray, np.ndarray, np.ndarray]] = [
        (products.product, a, W, _matmul(a, W)),
        (products.transposed_product, a, dz, _matmul(a.T, dz)),
        (products.product_transposed, dz, W, _matmul(dz, W.T))]
    same = []
    for kernel, x, y, reference in cases:
        out = np.empty_like(reference)
        kernel(x, y, out)
        same.append(bool(np.array_equal(out, reference)))
    return same


def _layer_plan(rows: int, fan_in: int, fan_out: int, rng: np.random.Generator) -> LayerPlan:
    """Check the three products of a layer on random draws in the step's layouts: a (rows,
    fan_in), W (fan_in, fan_out) and dz (rows, fan_out) C-contiguous, and the transposes
    views of them, as ``network`` multiplies them."""
    small = rows * fan_in * fan_out <= KERNEL_PRODUCT
    agree = [small, small, small]
    for _ in range(CHECK_DRAWS if small else 0):
        a = rng.standard_normal((rows, fan_in))
        W = rng.standard_normal((fan_in, fan_out))
        dz = rng.standard_normal((rows, fan_out))
        agree = [was and now for was, now in zip(agree, _same_products(a, W, dz), strict=True)]
    return LayerPlan(*agree)


def _same_pass(one: Pass, other: Pass) -> bool:
    """Every array and the loss of two passes equal, bit for bit (NaN where NaN)."""
    arrays = [(one.logits, other.logits), (one.dlogits, other.dlogits)]
    arrays += zip(one.inputs, other.inputs, strict=True)
    arrays += zip(one.grads, other.grads, strict=True)
    for h, k in zip(one.hidden, other.hidden, strict=True):
        arrays += [(h.z, k.z), (h.a, k.a)]
    same_loss = one.loss == other.loss or (one.loss != one.loss and other.loss != other.loss)
    return same_loss and all(a.shape == b.shape and a.dtype == b.dtype
                             and np.array_equal(a, b, equal_nan=True) for a, b in arrays)


class KeptArrays:
    """The arrays a pass writes, kept by its plan and written again at every pass that
    reuses them (``StepPlan.run``'s ``reuse``): each hidden layer's z and a, the logits,
    dL/dlogits, and the gradients as consecutive views of one buffer (in ``params``'
    order: an optimizer gathers them with one copy, ``optimizers.base``)."""

    def __init__(self, net: MLP, rows: int, forward_codes: list[int]) -> None:
        sizes = net.sizes
        hidden_shapes = [(rows, width) for width in sizes[1:-1]]
        self.z = [np.empty(shape) for shape in hidden_shapes]
        self.a = [np.empty(shape) if code != kernels.IDENTITY else z
                  for shape, code, z in zip(hidden_shapes, forward_codes, self.z, strict=True)]
        self.logits = np.empty((rows, sizes[-1]))
        self.dlogits = np.empty((rows, sizes[-1]))
        shapes = [shape for i in range(net.n_layers)
                  for shape in ((sizes[i], sizes[i + 1]), (sizes[i + 1],))]
        self.grads = views_of(np.empty(sum(math.prod(shape) for shape in shapes)), shapes)


class StepPlan:
    """The step of one network on batches of one size with one loss (see the module doc).
    What does not depend on the batch is worked out here, once: each layer's products,
    activation codes and shapes, and the loss's scratch arrays (which never leave it)."""

    def __init__(self, net: MLP, rows: int, loss: str) -> None:
        rng = np.random.default_rng(0)
        sizes = net.sizes
        self.loss = loss
        self.layers = [_layer_plan(rows, sizes[i], sizes[i + 1], rng)
                       for i in range(net.n_layers)]
        self.forward_codes = [FORWARD_CODE[a.name] for a in net.activations]
        derivative_codes = [DERIVATIVE_CODE[a.name] for a in net.activations]
        self.z_shapes = [(rows, width) for width in sizes[1:]]
        #: each layer from the top: its index, whether its dW and its dz W^T are on the
        #: kernels, and the derivative code of the layer below it
        self.backward_steps = [
            (i, self.layers[i].weights_grad, self.layers[i].chain,
             derivative_codes[i - 1] if i else kernels.NO_LAYER_BELOW)
            for i in range(net.n_layers - 1, -1, -1)]
        #: each hidden layer's index, whether its product is on the kernels, its
        #: activation's code in ``dense`` and the shape of its z
        self.forward_steps = [(i, self.layers[i].forward, self.forward_codes[i],
                               self.z_shapes[i]) for i in range(net.n_layers - 1)]
        # dL/dz of each hidden layer: the chain's scratch (a pass keeps only dL/dlogits)
        self.chain = tuple(np.empty((rows, width)) for width in sizes[1:-1])
        outputs = sizes[-1]
        # sigmoid_mse takes tanh(z / 2): the last layer's kernel writes z / 2 here
        self.head_code = kernels.HALF if loss == "sigmoid_mse" else kernels.NUMPY
        self.half = np.empty((rows, outputs))
        self.squares = np.empty(rows * outputs)
        self.shifted = np.empty((rows, outputs))
        self.exp = np.empty((rows, outputs))
        self.totals = np.empty(rows)
        self.log_totals = np.empty(rows)
        self.row_losses = np.empty(rows)
        #: tanh, written into a kept array where a pass reuses them (sigmoid: NumPy's
        #: expression, into new arrays)
        self.tanh_layers = [a.name == "tanh" for a in net.activations]
        self.kept: KeptArrays | None = None  # made by the first pass that reuses them

    def run(self, net: MLP, X: np.ndarray, y: np.ndarray, reuse: str = NOTHING) -> Pass:
        """The forward pass, the loss and the backward pass of ``net`` on (X, y), as
        ``network.numpy_pass`` takes them: into new arrays, or where ``reuse`` says
        (``network.TRACE``: all but the gradients; ``EVERYTHING``) into the plan's own
        (``KeptArrays``), the same ones every time (for a caller done with them before
        it asks for the next pass: no allocation). One method of local names: on a
        2-8-8-1 net the Python between the kernels is a sizeable part of the step."""
        params, slope, layers = net.params, net.leaky_slope, self.layers
        empty, dense, backward_layer = np.empty, kernels.dense, kernels.backward_layer
        last = net.n_layers - 1
        kept, kept_grads = None, None
        if reuse != NOTHING:
            kept = self.kept = self.kept or KeptArrays(net, X.shape[0], self.forward_codes)
            kept_grads = kept.grads if reuse == EVERYTHING else None
        # forward: z = a W + b, a = f(z)
        a = X
        inputs: list[np.ndarray] = []
        hidden: list[HiddenLayerTrace] = []
        for i, on_kernels, code, shape in self.forward_steps:
            inputs.append(a)
            W, b = params[2 * i], params[2 * i + 1]
            if on_kernels:
                if kept:
                    z = kept.z[i]
                    out = kept.a[i] if code in OWN_OUTPUT else z
                else:
                    z = empty(shape)
                    out = empty(shape) if code in OWN_OUTPUT else z
                dense(a, W, b, z, code, slope, out)
                if code != kernels.NUMPY:
                    a = out
                elif kept and self.tanh_layers[i]:
                    a = np.tanh(z, out=kept.a[i])
                else:
                    a = net.activations[i].forward(z)
            else:
                z = _matmul(a, W)
                z += b
                a = net.activations[i].forward(z)
            hidden.append(HiddenLayerTrace(z, a, None))
        inputs.append(a)
        if layers[last].forward:
            logits = kept.logits if kept else empty(self.z_shapes[last])
            dense(a, params[2 * last], params[2 * last + 1], logits, self.head_code, slope,
                  self.half)
        else:
            logits = _matmul(a, params[2 * last])
            logits += params[2 * last + 1]
            if self.head_code == kernels.HALF:
                np.multiply(0.5, logits, out=self.half)
        value, dz = self._loss(logits, y, kept.dlogits if kept else empty(logits.shape))
        dlogits = dz
        # backward: dW = a^T dz, db = the sum of dz's rows, dz below = dz W^T f'
        grads: list[np.ndarray] = list(kept_grads) if kept_grads else [dz] * (2 * net.n_layers)
        for i, weights_grad, chain, below in self.backward_steps:
            W, a_in = params[2 * i], inputs[i]
            if not weights_grad:
                dW = _matmul(a_in.T, dz)
            else:
                dW = kept_grads[2 * i] if kept_grads else empty(W.shape)
            db = kept_grads[2 * i + 1] if kept_grads else empty(W.shape[1])
            grads[2 * i] = dW
            grads[2 * i + 1] = db
            if i == 0:
                backward_layer(a_in, dz, W, dW, db, dz, dz, dz, below, slope, weights_grad,
                               False)
                break
            trace = hidden[i - 1]
            da = self.chain[i - 1] if chain else _matmul(dz, W.T)
            backward_layer(a_in, dz, W, dW, db, da, trace.z, trace.a, below, slope,
                           weights_grad, chain)
            dz = da
        return Pass(logits, inputs, hidden, value, dlogits, grads)

    def _loss(self, z: np.ndarray, y: np.ndarray, grad: np.ndarray) -> tuple[float, np.ndarray]:
        """The mean loss of ``losses``' function for ``self.loss``, and dL/dz in ``grad``."""
        rows = z.shape[0]
        if self.loss == "sigmoid_mse":
            t = np.tanh(self.half, out=self.half)  # the kernel wrote z / 2 there
            total = kernels.sigmoid_mse(t, y.reshape(rows), self.squares, grad)
            return total / rows, grad
        if self.loss == "mse":
            total = kernels.mse(z, y.reshape(z.shape), self.squares, grad)
            return total / z.size, grad
        shifted, e = self.shifted, self.exp
        kernels.shift_by_row_max(z, shifted)
        np.exp(shifted, out=e)
        kernels.row_sums(e, self.totals)
        total = kernels.cross_entropy(shifted, e, self.totals,
                                      np.log(self.totals, out=self.log_totals), y,
                                      self.row_losses, grad)
        return total / rows, grad


def make_plan(net: MLP, X: np.ndarray, y: np.ndarray, loss: str) -> StepPlan | None:
    """A plan for ``net`` on batches like ``X`` with ``loss``, or None when its first step
    on the kernels is not NumPy's, bit for bit."""
    plan = StepPlan(net, X.shape[0], loss)
    if not _same_pass(plan.run(net, X, y), numpy_pass(net, X, y, loss, train=False)):
        return None
    return plan
