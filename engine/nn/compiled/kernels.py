"""A small network's step as compiled loops (Numba): a layer's forward work (``dense``),
its backward work (``backward_layer``) and the losses, each with NumPy's bits: the sums
and products in NumPy's and BLAS's order (``products``), everything else element-wise,
each operation rounded on its own as NumPy rounds it (no fused multiply-add: Numba leaves
contraction off unless asked). What NumPy computes with vectorised code of its own (tanh,
exp, log) is not here: ``plan`` calls NumPy for it between the kernels.

Importing this module imports Numba (about 0.1 s) and loads the compiled kernels from
Numba's cache, compiling them on the first use after an install (a few seconds).
"""

from __future__ import annotations

import numpy as np

from nnterm.engine.nn.compiled.layout import (
    B_AT,
    BELOW,
    DZ_AT,
    FAN_IN,
    FAN_OUT,
    INPUT_AT,
    W_AT,
    WITH_DA,
    WITH_DW,
    Z_AT,
    PassLayout,
)
from nnterm.engine.nn.compiled.products import (
    kernel,
    pairwise_sum,
    product,
    product_transposed,
    transposed_product,
)

#: What ``dense`` applies after z = a W + b (hidden layers), and what ``backward_layer``
#: multiplies dL/da of the layer below by. NUMPY: the activation is NumPy's own (tanh,
#: sigmoid), computed between the kernels. The output layer's, for its loss: HALF,
#: ``dense`` writes z / 2 (the sigmoid head takes tanh of it, in NumPy); SHIFT, z less
#: its row's largest entry (cross-entropy takes exp of it, in NumPy).
NUMPY, IDENTITY, RELU, LEAKY_RELU, TANH, SIGMOID, NO_LAYER_BELOW, HALF, SHIFT = range(9)


@kernel
def dense(a: np.ndarray, W: np.ndarray, b: np.ndarray, z: np.ndarray, act: int,
          slope: float, out: np.ndarray) -> None:
    """z = a W + b (the product, then ``add_bias``), then out = f(z) as ``add_bias``."""
    product(a, W, z)
    add_bias(z, b, act, slope, out)


@kernel
def add_bias(z: np.ndarray, b: np.ndarray, act: int, slope: float, out: np.ndarray) -> None:
    """z += b (to a W from the kernels or from BLAS), then out = f(z) for the
    activations written here: relu as np.maximum(z, 0.0) (NaN kept), leaky_relu as
    np.where(z > 0, z, slope z), z / 2 as 0.5 * z (HALF), or z - max of z's row as
    ``losses.cross_entropy`` shifts it (SHIFT). With ``act`` NUMPY or IDENTITY ``out``
    is left alone."""
    rows, cols = z.shape
    for i in range(rows):
        for j in range(cols):
            v = z[i, j] + b[j]
            z[i, j] = v
            if act == RELU:
                out[i, j] = v if (v > 0.0 or v != v) else 0.0
            elif act == LEAKY_RELU:
                out[i, j] = v if v > 0.0 else slope * v
            elif act == HALF:
                out[i, j] = 0.5 * v
        if act == SHIFT:
            top = z[i, 0]
            for j in range(1, cols):
                v = z[i, j]
                if v > top or v != v:
                    top = v
            for j in range(cols):
                out[i, j] = z[i, j] - top


@kernel
def backward_layer(a_in: np.ndarray, dz: np.ndarray, W: np.ndarray, dW: np.ndarray,
                   db: np.ndarray, da: np.ndarray, z_below: np.ndarray, a_below: np.ndarray,
                   below: int, slope: float, with_dW: bool, with_da: bool) -> None:
    """One layer of the backward pass, from dz = dL/dz of this layer:

    dW = a_in^T dz (when ``with_dW``; else the caller took it with NumPy), db = the sum
    of dz's rows; then, unless ``below`` is NO_LAYER_BELOW, da = dz W^T (when
    ``with_da``; else ``da`` holds it already) multiplied in place by f'(z_below) of the
    layer below, as ``activations`` writes each one: 1 - a^2 (tanh), a (1 - a)
    (sigmoid), z > 0 (relu), 1 or slope (leaky_relu), 1 (identity).
    """
    rows, fan_in = a_in.shape
    cols = dz.shape[1]
    if with_dW:
        transposed_product(a_in, dz, dW)
    if cols == 1:
        db[0] = pairwise_sum(dz.ravel(), 0, rows)
    else:
        for j in range(cols):
            db[j] = dz[0, j]
        for i in range(1, rows):
            for j in range(cols):
                db[j] += dz[i, j]
    if below == NO_LAYER_BELOW:
        return
    if with_da:
        product_transposed(dz, W, da)
    for i in range(rows):
        for k in range(fan_in):
            acc = da[i, k]
            if below == TANH:
                a = a_below[i, k]
                slope_here = 1.0 - a * a
            elif below == SIGMOID:
                a = a_below[i, k]
                slope_here = a * (1.0 - a)
            elif below == RELU:
                slope_here = 1.0 if z_below[i, k] > 0.0 else 0.0
            elif below == LEAKY_RELU:
                slope_here = 1.0 if z_below[i, k] > 0.0 else slope
            else:
                slope_here = 1.0
            da[i, k] = acc * slope_here


@kernel
def backward_layers(X: np.ndarray, params: np.ndarray, grads: np.ndarray, work: np.ndarray,
                    table: np.ndarray, top: int, bottom: int, slope: float) -> None:
    """The backward pass from layer ``top`` down to ``bottom``, each layer's
    ``backward_layer`` on the places ``layout`` gives it: dW and db into ``grads`` (laid
    out as ``params``), its da into dL/dz of the layer below in ``work``. dL/dz of
    ``top`` is in ``work`` already; so is any product BLAS took (WITH_DW, WITH_DA 0)."""
    rows = X.shape[0]
    for i in range(top, bottom - 1, -1):
        row = table[i]
        fan_in, fan_out = row[FAN_IN], row[FAN_OUT]
        w_at, b_at, dz_at = row[W_AT], row[B_AT], row[DZ_AT]
        W = params[w_at:b_at].reshape((fan_in, fan_out))
        dW = grads[w_at:b_at].reshape((fan_in, fan_out))
        db = grads[b_at:b_at + fan_out]
        dz = work[dz_at:dz_at + rows * fan_out].reshape((rows, fan_out))
        if i == 0:
            backward_layer(X, dz, W, dW, db, dz, dz, dz, NO_LAYER_BELOW, slope,
                           row[WITH_DW] != 0, False)
            return
        input_at, below = row[INPUT_AT], table[i - 1]
        a_in = work[input_at:input_at + rows * fan_in].reshape((rows, fan_in))
        da_at, z_at = below[DZ_AT], below[Z_AT]
        da = work[da_at:da_at + rows * fan_in].reshape((rows, fan_in))
        z_below = work[z_at:z_at + rows * fan_in].reshape((rows, fan_in))
        backward_layer(a_in, dz, W, dW, db, da, z_below, a_in, row[BELOW], slope,
                       row[WITH_DW] != 0, row[WITH_DA] != 0)


@kernel
def sigmoid_mse(t: np.ndarray, y: np.ndarray, squares: np.ndarray, grad: np.ndarray) -> float:
    """``losses.sigmoid_mse`` after NumPy's tanh: given t = tanh(z / 2), s = (1 + t) / 2
    as ``activations.sigmoid`` takes it, d = s - y; returns the sum of d^2 (pairwise; the
    caller divides by n) and writes grad = (2/n) d s (1 - s), left to right."""
    n = t.shape[0]
    scale = 2.0 / n
    for i in range(n):
        s = 0.5 * (1.0 + t[i, 0])
        d = s - float(y[i])
        squares[i] = d * d
        grad[i, 0] = ((scale * d) * s) * (1.0 - s)
    return pairwise_sum(squares, 0, n)


@kernel
def mse(z: np.ndarray, y: np.ndarray, squares: np.ndarray, grad: np.ndarray) -> float:
    """``losses.mse``: d = z - y; returns the sum of d^2 over all N K entries (pairwise;
    the caller divides by N K) and writes grad = (2 / (N K)) d."""
    rows, cols = z.shape
    size = rows * cols
    scale = 2.0 / size
    for i in range(rows):
        for j in range(cols):
            d = z[i, j] - y[i, j]
            squares[i * cols + j] = d * d
            grad[i, j] = scale * d
    return pairwise_sum(squares, 0, size)


@kernel
def row_sums(e: np.ndarray, totals: np.ndarray) -> None:
    """totals = the sum of each row of e (pairwise, as ``np.add.reduce(e, axis=1)``)."""
    rows, cols = e.shape
    flat = e.ravel()  # (a view of each row, e[i], costs more than summing two numbers)
    for i in range(rows):
        totals[i] = pairwise_sum(flat, i * cols, cols)


@kernel
def cross_entropy(shifted: np.ndarray, e: np.ndarray, totals: np.ndarray,
                  log_totals: np.ndarray, y: np.ndarray, losses: np.ndarray,
                  grad: np.ndarray) -> float:
    """``losses.cross_entropy`` after NumPy's exp and log: the loss of row i is
    log(total_i) - shifted[i, y_i]; returns their sum (pairwise; the caller divides by n)
    and writes grad = (e / total - onehot(y)) / n, each step rounded as NumPy's."""
    rows, cols = e.shape
    for i in range(rows):
        label = y[i]
        losses[i] = log_totals[i] - shifted[i, label]
        for j in range(cols):
            g = e[i, j] / totals[i]
            if j == label:
                g -= 1.0
            grad[i, j] = g / rows
    return pairwise_sum(losses, 0, rows)


def warm_up() -> None:
    """Compile (or load from Numba's cache) every kernel for the types a step passes it:
    float64 C-contiguous arrays, int64 labels."""
    rows, width = 4, 8
    a, W = np.ones((rows, width)), np.ones((width, width))
    z, b, v = np.empty((rows, width)), np.zeros(width), np.empty(rows * width)
    one = np.empty((rows, 1))
    labels = np.zeros(rows, np.int64)
    dense(a, W, b, z, RELU, 0.0, z)
    add_bias(z, b, RELU, 0.0, z)
    layout = PassLayout((width, width, width), rows, [True], [NO_LAYER_BELOW, TANH],
                        [True, True], [True, True])
    backward_layers(a, np.ones(layout.grad_size), np.empty(layout.grad_size),
                    np.zeros(layout.work_size), layout.table, 1, 0, 0.0)
    # the plan checks each product on its own, called from Python
    product(a, W, z)
    transposed_product(a, z, np.empty((width, width)))
    product_transposed(a, W, z)
    sigmoid_mse(one, labels, v, np.empty((rows, 1)))
    mse(z, z, v, np.empty((rows, width)))
    row_sums(z, np.empty(rows))
    cross_entropy(z, z, np.ones(rows), np.zeros(rows), labels, np.empty(rows), z)
