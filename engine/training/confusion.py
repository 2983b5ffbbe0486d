"""The confusion matrix of a classifier on a labelled set.

``counts[i, j]`` is how many examples of class ``i`` the model predicted as class ``j``:
the diagonal holds the right answers, row ``i`` over its sum is class ``i``'s accuracy
(its recall), and the largest number off the diagonal names the pair of classes the model
mixes up most. Runs with two classes have their accuracy; from three on, the matrix says
which classes are the hard ones.
"""

from __future__ import annotations

import numpy as np

#: Classes from which a run's confusion matrix is kept.
MIN_CLASSES = 3


def confusion_matrix(predicted: np.ndarray, labels: np.ndarray, n_classes: int) -> np.ndarray:
    """counts[true, predicted] over the examples, as an ``n_classes`` square of int64."""
    pairs = labels.astype(np.int64) * n_classes + predicted.astype(np.int64)
    return np.bincount(pairs, minlength=n_classes * n_classes).reshape(n_classes, n_classes)


def class_accuracy(counts: np.ndarray) -> np.ndarray:
    """Each class's share of its examples predicted right (NaN for a class with none)."""
    totals = counts.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(totals > 0, np.diag(counts) / totals, np.nan)
