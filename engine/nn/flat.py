"""Arrays laid out as consecutive slices of one flat buffer.

A network's parameters live in one buffer, so an optimizer that updates all of them at
once does it with one ufunc call (``p -= update`` on the whole buffer) instead of one per
array: on the tiny nets of a first course a step costs the number of NumPy calls, not the
arithmetic, and element-wise arithmetic gives the same bits whichever way it is sliced.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def views_of(flat: np.ndarray, shapes: Sequence[tuple[int, ...]]) -> list[np.ndarray]:
    """One view of the 1-D ``flat`` per shape, consecutive and in order."""
    views, start = [], 0
    for shape in shapes:
        size = int(np.prod(shape, dtype=np.int64))
        views.append(flat[start : start + size].reshape(shape))
        start += size
    return views


def shared_buffer(arrays: Sequence[np.ndarray]) -> np.ndarray | None:
    """The 1-D view that ``arrays`` tile exactly, each C-contiguous and right after the one
    before in one buffer; None when they do not (separate arrays, a gap, another order)."""
    if not arrays:
        return None
    base = arrays[0].base
    if not isinstance(base, np.ndarray) or base.ndim != 1 or not base.flags.c_contiguous:
        return None
    itemsize = base.itemsize
    start = (arrays[0].ctypes.data - base.ctypes.data) // itemsize
    stop = start
    for a in arrays:
        if (a.base is not base or not a.flags.c_contiguous or a.dtype != base.dtype
                or a.ctypes.data != base.ctypes.data + stop * itemsize):
            return None
        stop += a.size
    return base[start:stop]
