"""The Dataset type: train and validation arrays plus what a model needs to know about them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

CLASSIFICATION = "classification"
REGRESSION = "regression"

#: ``sampler(n, rng) -> (X, y)``: n fresh examples from the dataset's distribution.
Sampler = Callable[[int, np.random.Generator], tuple[np.ndarray, np.ndarray]]


@dataclass(frozen=True, eq=False)
class Dataset:
    """A train/validation split of one task.

    ``X_*`` are float64 of shape ``(n, input_dim)``. For classification ``y_*`` are int64
    class indices of shape ``(n,)`` in ``0..n_classes-1`` and ``output_dim == n_classes``
    (the loss decides between one sigmoid output and a softmax); for regression ``y_*`` are
    float64 of shape ``(n, output_dim)`` and ``n_classes == 0``.

    ``sampler(n, rng)`` draws ``n`` fresh examples from the same distribution as the
    training set (same target function, same noise), for training on a fresh batch every
    step; it is ``None`` for finite data sets such as ``names``. Samplers are picklable.
    ``meta`` holds dataset-specific extras (the vocabulary, a test split, a table's class
    names, the resolved parameters).
    """

    X_train: np.ndarray
    y_train: np.ndarray
    X_val: np.ndarray
    y_val: np.ndarray
    task: str
    n_classes: int
    input_dim: int
    output_dim: int
    name: str
    meta: dict[str, Any] = field(default_factory=dict)
    sampler: Sampler | None = None

    @property
    def n_train(self) -> int:
        return len(self.X_train)

    @property
    def n_val(self) -> int:
        return len(self.X_val)

    @property
    def is_classification(self) -> bool:
        return self.task == CLASSIFICATION
