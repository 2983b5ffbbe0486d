"""Arrays laid out as consecutive slices of one flat buffer.

A network's parameters live in one buffer, so an optimizer that updates all of them at
once does it with one ufunc call (``p -= update`` on the whole buffer) instead of one per
array: on the tiny nets of a first course a step costs the number of NumPy calls, not the
arithmetic, and element-wise arithmetic gives the same bits whichever way it is sliced.
"""

from __future__ import annotations

import operator
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


class Tiles(list[np.ndarray]):
    """Consecutive views of one flat ``buffer``, in order, as a list (a pass's gradients,
    ``compiled.plan``): whoever wants them as one flat array (an optimizer) takes the
    buffer (``tiled_buffer``) instead of concatenating them, for as long as the list still
    holds the views it was made with (a penalty added to one replaces that entry)."""

    __slots__ = ("buffer", "views")

    def __init__(self, buffer: np.ndarray, views: list[np.ndarray]) -> None:
        super().__init__(views)
        self.buffer = buffer
        self.views = views

    def __reduce__(self) -> tuple[type[list[np.ndarray]], tuple[list[np.ndarray]]]:
        """A copy (pickle, deepcopy) is a plain list: its arrays come apart from the
        buffer, which would no longer be theirs."""
        return list, (list(self),)


def tiled_buffer(arrays: Sequence[np.ndarray]) -> np.ndarray | None:
    """The buffer ``arrays`` tile when they are ``Tiles`` still holding their views, else
    None (a plain list is never looked into: ``shared_buffer`` costs microseconds)."""
    if (type(arrays) is not Tiles or len(arrays) != len(arrays.views)
            or not all(map(operator.is_, arrays, arrays.views))):
        return None
    return arrays.buffer
