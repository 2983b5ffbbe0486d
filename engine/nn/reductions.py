"""NumPy's mean, standard deviation and quantiles without their Python wrappers.

``x.mean()`` and ``x.std()`` go through ``numpy._core._methods``, and ``np.quantile``
through some twenty Python calls, which cost more than the arithmetic on the arrays of a
small net (1-20 us against well under one). These make the same ufunc calls in the same
order, so they give the same bits (``tests/test_step_exactness.py`` compares them with
NumPy's).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

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


def std_rows(x: np.ndarray) -> np.ndarray:
    """x.std(axis=1) of a 2-D float array, by NumPy's own steps: each row's sum over its
    count (an ``np.intp``, as NumPy divides by), the squared deviations summed and divided
    the same way, then the root."""
    count = np.intp(x.shape[1])
    means = np.add.reduce(x, axis=1, keepdims=True)
    np.true_divide(means, count, out=means, casting="unsafe")
    centred = np.subtract(x, means)
    np.square(centred, out=centred)
    variances: np.ndarray = np.add.reduce(centred, axis=1)
    np.true_divide(variances, count, out=variances, casting="unsafe")
    np.sqrt(variances, out=variances)
    return variances


def frobenius(x: np.ndarray) -> float:
    """float(np.linalg.norm(x)) of a real float array, by NumPy's own steps: the root of
    the dot product of x's entries with themselves, in x's type."""
    entries = x.ravel(order="K")
    return float(np.sqrt(entries.dot(entries)))


def share(mask: np.ndarray) -> float:
    """float(mask.mean()) of a boolean array: the count of True over the size (exact)."""
    return np.count_nonzero(mask) / mask.size


def quantiles_of(samples: Sequence[np.ndarray], q: np.ndarray) -> np.ndarray:
    """``np.quantile(s, q)`` (its default, linear method) of each 1-D array of ``samples``,
    in float64, one row per array; all NaN for an array holding a NaN.

    NumPy reads q at the virtual position v = (n - 1) q of the sorted array, between the
    order statistics a = x[floor v] and b = x[floor v + 1] (both the last one where v
    reaches it), and interpolates with the weight g = v - floor v as a + (b - a) g, or as
    b - (b - a)(1 - g) where g >= 0.5. Here every array is sorted and laid end to end, so
    that all of them are read and interpolated at once. (NumPy partitions instead of
    sorting: where -0.0 and 0.0 tie, a zero may come out with the other sign.)"""
    ordered = np.concatenate([np.sort(s) for s in samples], dtype=np.float64)
    below, above, weight, upper_half, lasts = _reading_positions(
        tuple(s.size for s in samples), tuple(q.tolist()))
    low, high = ordered.take(below), ordered.take(above)
    step = np.subtract(high, low)
    result: np.ndarray = np.add(low, step * weight)
    np.subtract(high, step * (1 - weight), out=result, where=upper_half)
    holds_nan = np.isnan(ordered.take(lasts))  # a NaN sorts last
    result[holds_nan] = np.nan
    return result


@lru_cache(maxsize=64)
def _reading_positions(sizes: tuple[int, ...], q: tuple[float, ...]) -> tuple[np.ndarray, ...]:
    """Where ``quantiles_of`` reads arrays of ``sizes`` laid end to end, sorted: the rows'
    positions below and above each virtual position, its weight, where the weight is at
    least one half, and each array's last position. NumPy marks a virtual position at or
    past the last (n - 1) as -1, the last entry, for both neighbours, and takes the weight
    from that -1: v + 1."""
    fractions = np.array(q)
    below, above, weights, lasts = [], [], [], []
    start = 0
    for n in sizes:
        virtual = (n - 1) * fractions
        previous = np.floor(virtual)
        at_end = virtual >= n - 1
        previous[at_end] = -1
        weights.append(virtual - previous)
        following = previous + 1
        following[at_end] = -1
        last = start + n - 1
        below.append(np.where(at_end, last, start + previous).astype(np.intp))
        above.append(np.where(at_end, last, start + following).astype(np.intp))
        lasts.append(last)
        start += n
    weight = np.array(weights)
    return (np.array(below), np.array(above), weight, weight >= 0.5,
            np.array(lasts, dtype=np.intp))
