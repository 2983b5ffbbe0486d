"""Which parts of a network's step run on the compiled kernels, checked against NumPy.

A plan is made once per network, batch size and loss (``make_plan``):

1. ``coverage.qualifies`` (before Numba is loaded): the network and batch are of the
   kinds the kernels write.
2. Each product of the step is computed by the kernels and by ``ndarray.dot`` on
   random matrices of its shapes and layout, ``CHECK_DRAWS`` times; one whose bits
   differ on this machine stays a NumPy call (OpenBLAS picks its kernels by CPU and
   shape: a product with one column is a matrix-vector product, summed four ways at
   once, an odd width or a long sum is split its own way, and no machine promises FMA),
   written into the pass's buffers between two calls of the backward kernel.
3. The first batch is stepped both ways; the plan is kept only if the two passes agree
   in every array and the loss, bit for bit. Otherwise the network steps with NumPy.

A pass (``StepPlan.run``) makes about ten calls on a 2-8-8-1 net: each layer's forward
kernel and NumPy's tanh, the loss, and one call for the whole backward pass
(``kernels.backward_layers``, on the flat buffers of ``layout``).
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from nnterm.engine.nn.compiled import kernels, products
from nnterm.engine.nn.compiled.layout import PassLayout, WorkArrays
from nnterm.engine.nn.flat import Tiles, shared_buffer
from nnterm.engine.nn.network import (
    EVERYTHING,
    MLP,
    NOTHING,
    HiddenLayerTrace,
    Pass,
    numpy_pass,
)

CHECK_DRAWS = 3

#: How each activation runs: its code in ``dense`` and in ``backward_layer``.
FORWARD_CODE = {"identity": kernels.IDENTITY, "relu": kernels.RELU,
                "leaky_relu": kernels.LEAKY_RELU, "tanh": kernels.NUMPY,
                "sigmoid": kernels.NUMPY}
DERIVATIVE_CODE = {"identity": kernels.IDENTITY, "relu": kernels.RELU,
                   "leaky_relu": kernels.LEAKY_RELU, "tanh": kernels.TANH,
                   "sigmoid": kernels.SIGMOID}

_matmul = np.ndarray.dot


@dataclass(frozen=True)
class LayerPlan:
    """One layer's products, each on the kernels (True) or NumPy's ``dot`` (False):
    z = a W, dW = a^T dz and da = dz W^T (the last unused on the first layer)."""

    forward: bool
    weights_grad: bool
    chain: bool


def _orders_known(rows: int, fan_in: int, fan_out: int) -> list[bool]:
    """Whether ``products`` writes BLAS's order for a layer's a W, a^T dz and dz W^T at
    all. NumPy hands a product with one column or one row to BLAS's matrix-vector
    routines, whose orders the kernels know for one column (of b, or of b^T for dz W^T)
    summed over a multiple of four terms only: the shorter tails, and an output of one
    row, are summed otherwise, some draws of numbers hiding it (a few random checks could
    let such a product through, and a pass of the run would then differ; the kernels
    would also read past the arrays). Those stay BLAS's, unchecked."""
    return [rows > 1 and (fan_out != 1 or fan_in % 4 == 0),  # a W: w one column
            fan_in > 1 and (fan_out != 1 or fan_in % 4 == 0),  # a^T dz: dz one column
            rows > 1 and (fan_in != 1 or fan_out % 4 == 0)]  # dz W^T: W one row


def _same_products(a: np.ndarray, W: np.ndarray, dz: np.ndarray,
                   asked: list[bool]) -> list[bool]:
    """Whether the kernels compute a W, a^T dz and dz W^T with ``ndarray.dot``'s bits
    (each product ``asked`` about; False for the others, not computed)."""
    cases: list[tuple[Callable[..., None], np.ndarray, np.ndarray, np.ndarray]] = [
        (products.product, a, W, _matmul(a, W)),
        (products.transposed_product, a, dz, _matmul(a.T, dz)),
        (products.product_transposed, dz, W, _matmul(dz, W.T))]
    same = []
    for (kernel, x, y, reference), ask in zip(cases, asked, strict=True):
        out = np.empty_like(reference)
        if ask:
            kernel(x, y, out)
        same.append(ask and bool(np.array_equal(out, reference)))
    return same


def _layer_plan(rows: int, fan_in: int, fan_out: int, rng: np.random.Generator) -> LayerPlan:
    """Check the three products of a layer whose orders the kernels know on random draws
    in the step's layouts: a (rows, fan_in), W (fan_in, fan_out) and dz (rows, fan_out)
    C-contiguous, and the transposes views of them, as ``network`` multiplies them."""
    agree = _orders_known(rows, fan_in, fan_out)
    for _ in range(CHECK_DRAWS if any(agree) else 0):
        a = rng.standard_normal((rows, fan_in))
        W = rng.standard_normal((fan_in, fan_out))
        dz = rng.standard_normal((rows, fan_out))
        agree = _same_products(a, W, dz, agree)
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


def _by_blas(layers: list[LayerPlan], i: int) -> tuple[bool, bool]:
    """Whether layer i's dW = a^T dz and its da = dz W^T are BLAS's (the first layer
    takes no da)."""
    return not layers[i].weights_grad, i > 0 and not layers[i].chain


def _backward_steps(layers: list[LayerPlan]) -> list[tuple[int, int, bool, bool]]:
    """The backward pass as calls of ``kernels.backward_layers``, from the top layer
    down: (top, bottom, dW by BLAS, da by BLAS), the last two for layer ``top``, whose
    BLAS products are taken just before the call (they need its dL/dz, which the call
    before writes). A layer with a BLAS product starts a call; a network whose products
    are all on the kernels makes one."""
    steps = []
    top = len(layers) - 1
    for i in range(top - 1, -1, -1):
        if any(_by_blas(layers, i)):
            steps.append((top, i + 1, *_by_blas(layers, top)))
            top = i
    steps.append((top, 0, *_by_blas(layers, top)))
    return steps


class _Trace:
    """A pass's work arrays (``layout.WorkArrays``) as the forward pass walks them, a
    hidden layer a step: (index, product on the kernels, activation code, tanh, W, b,
    z, a); and as a ``Pass`` hands them out (its batch, loss and gradients set by each
    pass). Made once for the arrays a plan keeps, and for each pass into new ones."""

    def __init__(self, plan: StepPlan, params: list[np.ndarray], work: WorkArrays) -> None:
        self.work = work
        self.steps = [(i, on_kernels, code, tanh, params[2 * i], params[2 * i + 1],
                       work.z[i], work.a[i])
                      for i, on_kernels, code, tanh in plan.forward_steps]
        hidden = [HiddenLayerTrace(z, a, None) for z, a in zip(work.z, work.a, strict=True)]
        self.taken = Pass(work.logits, [work.logits, *work.a], hidden, 0.0, work.dz[-1], [])


class StepPlan:
    """The step of one network on batches of one size with one loss (see the module doc).
    What does not depend on the batch is worked out here, once: each layer's products,
    activation codes and places (``layout``), and the loss's scratch arrays (which never
    leave it)."""

    def __init__(self, net: MLP, rows: int, loss: str, param_buffer: np.ndarray) -> None:
        rng = np.random.default_rng(0)
        sizes = net.sizes
        self.loss = loss
        self.layers = [_layer_plan(rows, sizes[i], sizes[i + 1], rng)
                       for i in range(net.n_layers)]
        self.forward_codes = [FORWARD_CODE[a.name] for a in net.activations]
        below = [kernels.NO_LAYER_BELOW] + [DERIVATIVE_CODE[a.name] for a in net.activations]
        self.layout = PassLayout(sizes, rows, [c != kernels.IDENTITY for c in self.forward_codes],
                                 below, [p.weights_grad for p in self.layers],
                                 [p.chain for p in self.layers])
        #: each hidden layer's index, whether its product is on the kernels, its
        #: activation's code in ``dense`` (``add_bias``) and whether it is tanh
        self.forward_steps = [(i, self.layers[i].forward, self.forward_codes[i],
                               net.activations[i].name == "tanh")
                              for i in range(net.n_layers - 1)]
        self.backward_steps = _backward_steps(self.layers)
        #: the parameters as they tile one buffer (``flat``), which the backward kernel
        #: reads: a network whose arrays were swapped for others steps with NumPy
        self.params_seen = tuple(net.params)
        self.param_buffer = param_buffer
        outputs = sizes[-1]
        # what the last layer's kernel writes besides the logits, for the loss: z / 2
        # (sigmoid_mse takes tanh of it), z less its row's largest (cross-entropy)
        self.head_code = {"sigmoid_mse": kernels.HALF, "mse": kernels.NUMPY,
                          "cross_entropy": kernels.SHIFT}[loss]
        self.head_out = np.empty((rows, outputs))
        self.squares = np.empty(rows * outputs)
        self.exp = np.empty((rows, outputs))
        self.totals = np.empty(rows)
        self.log_totals = np.empty(rows)
        self.row_losses = np.empty(rows)
        #: the work and gradient buffers passes reuse, made by the first that does
        self.kept: _Trace | None = None
        self.kept_grads: tuple[np.ndarray, list[np.ndarray]] | None = None

    def run(self, net: MLP, X: np.ndarray, y: np.ndarray, reuse: str = NOTHING) -> Pass | None:
        """The forward pass, the loss and the backward pass of ``net`` on (X, y), as
        ``network.numpy_pass`` takes them, or None (NumPy's pass then) when the network's
        parameters no longer tile the buffer the plan was made for or X is not
        C-contiguous (its products are checked in that layout). Into new arrays, or where
        ``reuse`` says (``network.TRACE``: all but the gradients and the loss, in a new
        ``Pass``; ``EVERYTHING``, the same ``Pass`` too) into the plan's own, the same
        ones every time (for a caller done with them before it asks for the next pass:
        no allocation). One method of local names: on a 2-8-8-1 net the Python between
        the kernels is a sizeable part of the step."""
        params, slope, layout = net.params, net.leaky_slope, self.layout
        if not all(map(operator.is_, params, self.params_seen)) or not X.flags.c_contiguous:
            return None
        if reuse == NOTHING:
            trace = _Trace(self, params, layout.new_work())
        else:
            trace = self.kept = self.kept or _Trace(self, params, layout.new_work())
        if reuse == EVERYTHING:
            grad_buffer, views = self.kept_grads = self.kept_grads or layout.new_grads()
        else:
            grad_buffer, views = layout.new_grads()
        grads = Tiles(grad_buffer, views)  # the caller's list: a penalty replaces entries
        work, dense, add_bias = trace.work, kernels.dense, kernels.add_bias
        # forward: z = a W + b, a = f(z)
        a = X
        for i, on_kernels, code, tanh, W, b, z, out in trace.steps:
            if on_kernels:
                dense(a, W, b, z, code, slope, out)
            else:
                _matmul(a, W, z)
                add_bias(z, b, code, slope, out)
            if tanh:
                np.tanh(z, out=out)
            elif code == kernels.NUMPY:
                np.copyto(out, net.activations[i].forward(z))
            a = out
        last = net.n_layers - 1
        logits = work.logits
        if self.layers[last].forward:
            dense(a, params[2 * last], params[2 * last + 1], logits, self.head_code, slope,
                  self.head_out)
        else:
            _matmul(a, params[2 * last], logits)
            add_bias(logits, params[2 * last + 1], self.head_code, slope, self.head_out)
        dz = work.dz
        value = self._loss(logits, y, dz[last])
        # backward: dW = a^T dz, db = the sum of dz's rows, dz below = dz W^T f'
        backward_layers, inputs, buffer = kernels.backward_layers, trace.taken.inputs, work.buffer
        inputs[0] = X
        for top, bottom, dW_by_blas, da_by_blas in self.backward_steps:
            if dW_by_blas:
                _matmul(inputs[top].T, dz[top], grads[2 * top])
            if da_by_blas:
                _matmul(dz[top], params[2 * top].T, dz[top - 1])
            backward_layers(X, self.param_buffer, grad_buffer, buffer, layout.table, top,
                            bottom, slope)
        taken = trace.taken
        if reuse != EVERYTHING:  # a caller may keep this pass's gradients and loss
            return Pass(taken.logits, inputs, taken.hidden, value, taken.dlogits, grads)
        taken.loss, taken.grads = value, grads
        return taken

    def _loss(self, z: np.ndarray, y: np.ndarray, grad: np.ndarray) -> float:
        """The mean loss of ``losses``' function for ``self.loss``; dL/dz into ``grad``."""
        rows: int = z.shape[0]
        if self.loss == "sigmoid_mse":
            t = np.tanh(self.head_out, out=self.head_out)  # the kernel wrote z / 2 there
            total = kernels.sigmoid_mse(t, y.reshape(rows), self.squares, grad)
            return total / rows
        if self.loss == "mse":
            total = kernels.mse(z, y.reshape(z.shape), self.squares, grad)
            return total / z.size
        shifted, e = self.head_out, self.exp  # the kernel wrote z - row max there
        np.exp(shifted, out=e)
        kernels.row_sums(e, self.totals)
        total = kernels.cross_entropy(shifted, e, self.totals,
                                      np.log(self.totals, out=self.log_totals), y,
                                      self.row_losses, grad)
        return total / rows


def make_plan(net: MLP, X: np.ndarray, y: np.ndarray, loss: str) -> StepPlan | None:
    """A plan for ``net`` on batches like ``X`` with ``loss``, or None when none of its
    products runs on the kernels (a linear model of two inputs and one output: measured
    9% slower on them) or its first step on the kernels is not NumPy's, bit for bit."""
    param_buffer = shared_buffer(net.params)
    if param_buffer is None:  # parameters of the caller's own, not the network's buffer
        return None
    plan = StepPlan(net, X.shape[0], loss, param_buffer)
    if not any(layer.forward or layer.weights_grad or (i > 0 and layer.chain)
               for i, layer in enumerate(plan.layers)):
        return None  # every product BLAS's: the calls around them cost more than they save
    taken = plan.run(net, X, y)
    if taken is None or not _same_pass(taken, numpy_pass(net, X, y, loss, train=False)):
        return None
    return plan
