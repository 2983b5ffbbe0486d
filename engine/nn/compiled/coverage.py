"""Which networks and batches the compiled step covers at all, decided without loading
it (no Numba, no NumPy import here): float64, no dropout in the step, no frozen layer,
activations and a loss that ``kernels`` writes, every width at most ``MAX_WIDTH`` and
at most ``MAX_ROWS`` rows. Up to those sizes the kernels' vector blocks (``blocks``) beat
BLAS's products (256x256 by 256x256: 0.49 ms against 0.57; 1024x64 by 64x64: 0.12 against
0.15); beyond them BLAS's cache blocking wins, and a product summed over more rows than
BLAS sums in one block (dW = a^T dz of a batch of some hundreds) has an order of its
own, which ``plan`` finds and leaves to BLAS."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

    from nnterm.engine.nn.network import MLP

MAX_WIDTH = 256
MAX_ROWS = 1024
#: The activations and losses ``kernels`` writes (the others stay NumPy's).
ACTIVATIONS = ("identity", "relu", "leaky_relu", "tanh", "sigmoid")
LOSSES = ("sigmoid_mse", "mse", "cross_entropy")


def qualifies(net: MLP, X: np.ndarray, loss: str, train: bool) -> bool:
    """Whether ``net`` may step this batch on the kernels at all."""
    return (net.dtype.name == "float64" and X.dtype.name == "float64" and X.ndim == 2
            and 0 < X.shape[0] <= MAX_ROWS and max(net.sizes) <= MAX_WIDTH
            and not net.frozen and not (train and any(p > 0 for p in net.dropout))
            and loss in LOSSES and all(a.name in ACTIVATIONS for a in net.activations))
