"""NumPy's mean and standard deviation without their Python wrappers.

``x.mean()`` and ``x.std()`` go through ``numpy._core._methods``, whose Python code costs
more than the arithmetic on the arrays of a small net (1-10 us against well under one).
These make the same ufunc calls in the same order, so they give the same bits
(``tests/test_step_exactness.py`` compares them with NumPy's).
"""

from __future__ import annotations

import numpy as np


def mean_of(x: np.ndarray) -> float:
    """float(x.mean()) of a float array: the sum by ``np.add.reduce``, divided by the
    count in float64, rounded to the array's type."""
    total = np.add.reduce(x, axis=None)
    return float(total.dtype.type(float(total) / x.size))


def std_of(x: np.ndarray) -> float:
    """float(x.std()) of a float array: sqrt(sum((x - mean)^2) / n), the mean as
    ``mean_of`` takes it, each quotient and the root rounded to the array's type."""
    n = x.size
    centred = x - np.add.reduce(x, axis=None, keepdims=True) / n
    np.multiply(centred, centred, out=centred)
    total = np.add.reduce(centred, axis=None)
    variance = total.dtype.type(float(total) / n)
    return float(np.sqrt(variance))


def share(mask: np.ndarray) -> float:
    """float(mask.mean()) of a boolean array: the count of True over the size (exact)."""
    return np.count_nonzero(mask) / mask.size
