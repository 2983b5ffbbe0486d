"""Perturbations: Gaussian jitter of inputs and label flips, always from a Generator passed in."""

from __future__ import annotations

import numpy as np

from nnterm.engine.data._checks import check_std


def add_input_noise(X: np.ndarray, std: float, rng: np.random.Generator) -> np.ndarray:
    """``X + eps`` with ``eps ~ N(0, std^2)`` elementwise (input-noise augmentation).

    Returns ``X`` itself (no copy, no draw) when ``std == 0``. A float32 ``X`` stays float32.
    """
    if std == 0:
        return X
    check_std("input noise", std)
    dtype = X.dtype if X.dtype in (np.float32, np.float64) else np.float64
    eps = rng.standard_normal(X.shape, dtype=dtype)
    eps *= std
    return X + eps


def jitter(X: np.ndarray, std: float, rng: np.random.Generator) -> np.ndarray:
    """``X + N(0, std^2)`` in place on a fresh float64 array (``noise`` of the 2-D sets)."""
    if std > 0.0:
        X += std * rng.standard_normal(X.shape)
    return X


def flip_labels(
    y: np.ndarray, fraction: float, n_classes: int, rng: np.random.Generator
) -> np.ndarray:
    """Flip exactly ``round(fraction * n)`` labels, chosen at random, to another class.

    Each chosen label ``c`` becomes ``(c + u) mod n_classes`` with ``u`` uniform in
    ``1..n_classes-1``: always a different class, uniformly among the others. In place.
    """
    k = int(round(fraction * len(y)))
    if k == 0 or n_classes < 2:
        return y
    idx = rng.choice(len(y), size=k, replace=False)
    y[idx] = (y[idx] + rng.integers(1, n_classes, size=k)) % n_classes
    return y


def balanced_labels(n: int, n_classes: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` int64 labels, ``n // n_classes`` (or one more) of each class, in random order."""
    return rng.permutation(np.arange(n, dtype=np.int64) % n_classes)
