"""Closed-form fit of a linear read-out, for random-features models.

Given features F (n x p) and targets Y (n x k), minimise ||F W - Y||^2 + ridge ||W||^2:

* ridge = 0: the minimum-norm least-squares solution W = pinv(F) Y (``np.linalg.lstsq``),
  which interpolates the training data once p >= n: the double-descent peak sits at p = n;
* ridge > 0: W = (F^T F + ridge I)^-1 F^T Y, computed as F^T (F F^T + ridge I)^-1 Y when
  p > n (the same matrix, from the smaller system).
"""

from __future__ import annotations

import numpy as np


def fit_readout(features: np.ndarray, targets: np.ndarray, ridge: float = 0.0) -> np.ndarray:
    """The read-out weights W (p x k) for ``features`` (n x p) and ``targets`` (n x k)."""
    n, p = features.shape
    if ridge < 0:
        raise ValueError(f"ridge must be >= 0, got {ridge}")
    if ridge == 0:
        weights: np.ndarray = np.linalg.lstsq(features, targets, rcond=None)[0]
        return weights
    if p <= n:
        gram = features.T @ features + ridge * np.eye(p)
        return np.linalg.solve(gram, features.T @ targets)
    kernel = features @ features.T + ridge * np.eye(n)
    return features.T @ np.linalg.solve(kernel, targets)
