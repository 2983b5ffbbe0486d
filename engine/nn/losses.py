"""Losses on raw output-layer values (logits), each with its gradient and output head.

Every loss is a mean over the batch and returns ``(loss, dloss/dlogits)``. The output
head (softmax, sigmoid, identity) belongs to the loss, as in ``torch.nn.CrossEntropyLoss``
and ``BCEWithLogitsLoss``: the network always emits logits.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from nnterm.engine.nn.activations import sigmoid
from nnterm.engine.nn.reductions import mean_of


def log_softmax(z: np.ndarray) -> np.ndarray:
    """log softmax(z)_k = z_k - logsumexp(z), with the max subtracted first so that
    logits like [1000, 0, -1000] stay finite."""
    shifted = z - z.max(axis=1, keepdims=True)
    log_p: np.ndarray = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return log_p


def softmax(z: np.ndarray) -> np.ndarray:
    """softmax(z)_k = exp(z_k - max z) / sum_j exp(z_j - max z)."""
    e = np.exp(z - z.max(axis=1, keepdims=True))
    p: np.ndarray = e / e.sum(axis=1, keepdims=True)
    return p


def cross_entropy(z: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """Softmax cross-entropy with integer labels.

    L = -(1/N) sum_i log softmax(z_i)_{y_i};  dL/dz = (softmax(z) - onehot(y)) / N.
    """
    n = z.shape[0]
    rows = np.arange(n)
    shifted = z - np.maximum.reduce(z, axis=1, keepdims=True)  # z.max(...), unwrapped
    exp = np.exp(shifted)
    total = np.add.reduce(exp, axis=1)  # exp.sum(axis=1), unwrapped
    loss = mean_of(np.log(total) - shifted[rows, y])  # -log softmax_y = logsumexp - z_y
    grad = exp / total[:, None]
    grad[rows, y] -= 1.0
    grad /= n
    return loss, grad


def binary_cross_entropy(z: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """Binary cross-entropy with logits, one output, labels 0/1 (torch BCEWithLogitsLoss).

    L = (1/N) sum_i max(z,0) - z y + log(1 + e^-|z|)  (stable form of -y log s - (1-y) log(1-s));
    dL/dz = (sigma(z) - y) / N.
    """
    n = z.shape[0]
    t = y.reshape(n, 1).astype(z.dtype)
    loss = mean_of(np.maximum(z, 0.0) - z * t + np.log1p(np.exp(-np.abs(z))))
    grad = (sigmoid(z) - t) / n
    return loss, grad


def mse(z: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """Mean squared error over all N*K elements (torch MSELoss, reduction='mean').

    L = (1/(N K)) sum (z - y)^2;  dL/dz = 2 (z - y) / (N K).
    """
    diff = z - y.reshape(z.shape)
    return mean_of(diff * diff), (2.0 / diff.size) * diff


def sigmoid_mse(z: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """Squared error of a sigmoid output against labels 0/1, one output: classification
    trained like regression (the contrast to ``binary_cross_entropy``).

    L = (1/N) sum_i (sigma(z_i) - y_i)^2;  dL/dz = 2 (sigma(z) - y) sigma(z) (1 - sigma(z)) / N.
    The factor sigma (1 - sigma) vanishes when the output saturates: a confidently wrong
    example (z = -10, y = 1) gets a gradient of about -9e-5 here against -1 under
    cross-entropy, so it stays wrong.
    """
    n = z.shape[0]
    t = y.reshape(n, 1).astype(z.dtype)
    s = sigmoid(z)
    diff = s - t
    return mean_of(diff * diff), (2.0 / n) * diff * s * (1.0 - s)


def softmax_mse(z: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """Squared error of the softmax probabilities against one-hot labels, K outputs: the
    K-class contrast to ``cross_entropy``.

    L = (1/N) sum_i ||p_i - onehot(y_i)||^2 with p = softmax(z);
    dL/dz = (2/N) J^T (p - y), J = diag(p) - p p^T, that is (2/N) p * (d - p.d) with
    d = p - y. J vanishes when p is saturated (one probability near 1): a confidently
    wrong example gets almost no gradient, where cross-entropy gives it p - y.
    """
    n = z.shape[0]
    p = softmax(z)
    d = p.copy()
    d[np.arange(n), y] -= 1.0
    loss = (d * d).sum() / n
    return float(loss), (2.0 / n) * p * (d - (p * d).sum(axis=1, keepdims=True))


@dataclass(frozen=True)
class Loss:
    """A loss: its value-and-gradient function, the output head, and the task it serves."""

    name: str
    value_and_grad: Callable[[np.ndarray, np.ndarray], tuple[float, np.ndarray]]
    head: Callable[[np.ndarray], np.ndarray]
    classification: bool

    def output_dim(self, n_classes: int, target_dim: int) -> int:
        """Width of the output layer: one logit for binary cross-entropy and sigmoid MSE,
        k for softmax, the target's width for regression."""
        if self.name in ("binary_cross_entropy", "sigmoid_mse"):
            return 1
        return n_classes if self.classification else target_dim

    def predict(self, z: np.ndarray) -> np.ndarray:
        """Predicted class per row (classification) or the regression output."""
        if not self.classification:
            return z
        if z.shape[1] == 1:
            return (z[:, 0] > 0).astype(np.int64)
        labels: np.ndarray = z.argmax(axis=1)
        return labels

    def __reduce__(self) -> tuple[object, ...]:
        """Pickled by name (``mse``'s head is a lambda), as ``Activation`` is."""
        return get_loss, (self.name,)


LOSSES = {
    "cross_entropy": Loss("cross_entropy", cross_entropy, softmax, classification=True),
    "binary_cross_entropy": Loss(
        "binary_cross_entropy", binary_cross_entropy, sigmoid, classification=True
    ),
    "mse": Loss("mse", mse, lambda z: z, classification=False),
    "sigmoid_mse": Loss("sigmoid_mse", sigmoid_mse, sigmoid, classification=True),
    "softmax_mse": Loss("softmax_mse", softmax_mse, softmax, classification=True),
}


def get_loss(name: str) -> Loss:
    """Return the loss called ``name`` (``cross_entropy``, ``binary_cross_entropy``, ``mse``,
    ``sigmoid_mse``, ``softmax_mse``)."""
    try:
        return LOSSES[name]
    except KeyError:
        raise ValueError(f"unknown loss {name!r}; allowed: {', '.join(LOSSES)}") from None


def chance_loss(name: str, n_classes: int, targets: np.ndarray) -> float:
    """The loss of a model that knows nothing but the task: a uniform guess over K classes
    costs ln K under cross-entropy (ln 2 for one sigmoid output, and (1/2)^2 = 0.25 under
    sigmoid MSE, (K - 1)/K under softmax MSE); for regression, predicting the mean of
    ``targets`` costs their variance (averaged over the outputs, as ``mse`` averages)."""
    if name == "cross_entropy":
        return float(np.log(n_classes))
    if name == "binary_cross_entropy":
        return float(np.log(2.0))
    if name == "sigmoid_mse":
        return 0.25
    if name == "softmax_mse":
        return (n_classes - 1) / n_classes
    return float(np.var(targets.reshape(len(targets), -1), axis=0).mean())
