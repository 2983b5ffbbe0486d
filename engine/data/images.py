"""Small image datasets: pictures flattened to vectors, their shape in ``meta``.

With image inputs the first layer's weights are pictures too: each hidden unit's incoming
weights, reshaped to the image, show the pattern that unit looks for (the app can draw
them as tiles).
"""

from __future__ import annotations

import numpy as np

from nnterm.engine.data._checks import check_int
from nnterm.engine.data.noise import balanced_labels, flip_labels, jitter


def bars(
    n: int, rng: np.random.Generator, *, size: int = 8, noise: float = 0.0,
    label_flip: float = 0.0,
) -> tuple[np.ndarray, np.ndarray]:
    """Bars: a ``size`` x ``size`` image, dark (0) but for one bright (1) row, class 0,
    or one bright column, class 1, at a uniformly random position; ``noise`` adds
    N(0, noise^2) to every pixel. X is (n, size*size), row-major. A mirror either way
    keeps the class (a row stays a row, a column a column): every ``train.flips`` applies."""
    s = check_int("bars: size", size, 2)
    y = balanced_labels(n, 2, rng)
    where = rng.integers(0, s, size=n)
    images = np.zeros((n, s, s))
    rows, cols = np.flatnonzero(y == 0), np.flatnonzero(y == 1)
    images[rows, where[rows], :] = 1.0
    images[cols, :, where[cols]] = 1.0
    X = jitter(images.reshape(n, s * s), noise, rng)
    return X, flip_labels(y, label_flip, 2, rng)
