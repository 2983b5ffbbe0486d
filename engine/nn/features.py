"""Input features: fixed functions of a point (x1, x2) of the plane that a network reads
instead of the point itself, as TensorFlow Playground offers them.

    x1, x2          the coordinates
    x1^2, x2^2      their squares (a circle is x1^2 + x2^2 = r^2: one line in these)
    x1x2            their product (its sign is XOR's label: one line in it)
    sin_x1, sin_x2  sin of each coordinate

A linear model over the right features draws a curved boundary on the plane: the
features do what a hidden layer would otherwise have to learn (course section 1).
``FeatureMap(names).apply(X)`` maps points of shape (n, 2) to (n, len(names)), in the
order named; nothing is learned in it, so no gradient flows through it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

#: Each feature as a function of the two coordinate columns.
FEATURE_FUNCTIONS: dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    "x1": lambda x1, x2: x1,
    "x2": lambda x1, x2: x2,
    "x1^2": lambda x1, x2: x1 * x1,
    "x2^2": lambda x1, x2: x2 * x2,
    "x1x2": lambda x1, x2: x1 * x2,
    "sin_x1": lambda x1, x2: np.sin(x1),
    "sin_x2": lambda x1, x2: np.sin(x2),
}
#: The feature names, in TensorFlow Playground's order.
FEATURES = tuple(FEATURE_FUNCTIONS)


class FeatureMap:
    """The features ``names`` of points of the plane, computed in float64."""

    def __init__(self, names: Sequence[str]) -> None:
        unknown = [n for n in names if n not in FEATURE_FUNCTIONS]
        if unknown:
            raise ValueError(f"unknown feature {unknown[0]!r}; choose from: {', '.join(FEATURES)}")
        if len(set(names)) != len(names):
            raise ValueError(f"a feature is named twice: {', '.join(names)}")
        if not names:
            raise ValueError("no features: name at least one")
        self.names = tuple(names)

    def apply(self, X: np.ndarray) -> np.ndarray:
        """The features of points ``X`` (n, 2), as columns (n, len(names))."""
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 2 or X.shape[1] != 2:
            raise ValueError(f"features are functions of a point of the plane: "
                             f"inputs of shape (n, 2), not {X.shape}")
        x1, x2 = X[:, 0], X[:, 1]
        return np.stack([FEATURE_FUNCTIONS[n](x1, x2) for n in self.names], axis=1)
