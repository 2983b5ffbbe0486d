"""Which networks and batches the compiled step covers at all, decided without loading
it (no Numba, no NumPy import here): float64, no dropout in the step, no frozen layer,
activations and a loss that ``kernels`` writes, every width at most ``MAX_WIDTH`` and
at most ``MAX_ROWS`` rows. Beyond those sizes BLAS's blocked products are faster than
plain loops, and sum a long product in blocks of their own."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

    from nnterm.engine.nn.network import MLP

MAX_WIDTH = 64
MAX_ROWS = 256
#: The activations and losses ``kernels`` writes (the others stay NumPy's).
ACTIVATIONS = ("identity", "relu", "leaky_relu", "tanh", "sigmoid")
LOSSES = ("sigmoid_mse", "mse", "cross_entropy")


def qualifies(net: MLP, X: np.ndarray, loss: str, train: bool) -> bool:
    """Whether ``net`` may step this batch on the kernels at all."""
    return (net.dtype.name == "float64" and X.dtype.name == "float64" and X.ndim == 2
            and 0 < X.shape[0] <= MAX_ROWS and max(net.sizes) <= MAX_WIDTH
            and not net.frozen and not (train and any(p > 0 for p in net.dropout))
            and loss in LOSSES and all(a.name in ACTIVATIONS for a in net.activations))
