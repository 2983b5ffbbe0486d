"""Data drawn by hand: a 2-D classification Dataset with examples added and removed, as
the app's drawing on the decision boundary asks (TensorFlow Playground lets you pick a
data set; here you draw your own).

An edited Dataset is a new one (a Dataset is frozen): its arrays are the old ones with the
examples added at the end of the training set, or left out; its ``sampler`` is None (the
points are no longer a draw of the old distribution) and ``meta["drawn"]`` counts the
training examples ``(added, removed)`` since it was built (``drawn_counts``), so a reset
that keeps the data keeps the count. ``meta["frame"]`` keeps the corners of the data's
bounding box before the first edit: a picture of the plane stays framed where it was
drawn on, whatever is erased or added inside it (``drawing_frame``, ``live.plane``).

``drawn_table`` writes a drawn set as CSV text and ``drawn_params`` are the ``csv``
dataset's parameters that read it back to the very same points (``table``).
"""

from __future__ import annotations

import csv
import dataclasses
import io
from typing import Any

import numpy as np

from nnterm.engine.data.dataset import Dataset
from nnterm.engine.data.table import TRAIN, VAL

#: Where the counts of drawn points live in a Dataset's ``meta``.
DRAWN = "drawn"
#: Where the corners of the data's box before the first edit live in ``meta``.
FRAME = "frame"


def drawn_counts(data: Dataset) -> tuple[int, int] | None:
    """``(added, removed)`` training examples since ``data`` was built; None if it was
    never edited."""
    counts = data.meta.get(DRAWN)
    return None if counts is None else (int(counts[0]), int(counts[1]))


def drawing_frame(data: Dataset) -> np.ndarray | None:
    """The corners (2, 2) of the box ``data`` had before points were drawn on it
    (``meta["frame"]``); None if it was never edited."""
    frame = data.meta.get(FRAME)
    return None if frame is None else np.asarray(frame)


def check_drawable(data: Dataset) -> None:
    """ValueError unless points can be drawn on ``data``: 2-D classification."""
    if data.input_dim != 2 or not data.is_classification:
        kind = "classification" if data.is_classification else "regression"
        raise ValueError(f"points are drawn on the plane of 2-D classification data; "
                         f"{data.name} is {kind} with {data.input_dim} inputs")


def with_point(data: Dataset, x1: float, x2: float, label: int) -> Dataset:
    """``data`` with a training example of class ``label`` at ``(x1, x2)`` at the end of
    its training set."""
    check_drawable(data)
    if isinstance(label, bool) or not isinstance(label, int | np.integer) \
            or not 0 <= label < data.n_classes:
        raise ValueError(f"class {label!r} is not one of the data's: 0..{data.n_classes - 1}")
    point = np.array([[x1, x2]], dtype=data.X_train.dtype)
    if not np.isfinite(point).all():
        raise ValueError(f"a point needs finite coordinates, got ({x1}, {x2})")
    X = np.concatenate([data.X_train, point])
    y = np.concatenate([data.y_train, np.array([label], dtype=data.y_train.dtype)])
    return _edited(data, X, y, data.X_val, data.y_val, added=1, removed=0)


def without_points(data: Dataset, box: tuple[float, float, float, float] | None,
                   validation: bool = False) -> Dataset:
    """``data`` without its training examples inside ``box`` (x1 from, to, x2 from, to;
    edges included; None: every one), and without the validation examples there too if
    ``validation``."""
    check_drawable(data)
    keep_train = ~_inside(data.X_train, box)
    keep_val = ~_inside(data.X_val, box) if validation else np.ones(data.n_val, dtype=bool)
    removed = int((~keep_train).sum())
    return _edited(data, data.X_train[keep_train], data.y_train[keep_train],
                   data.X_val[keep_val], data.y_val[keep_val], added=0, removed=removed)


def _inside(X: np.ndarray, box: tuple[float, float, float, float] | None) -> np.ndarray:
    """Which rows of ``X`` (n, 2) lie in ``box`` (all of them for None)."""
    if box is None:
        return np.ones(len(X), dtype=bool)
    x0, x1, y0, y1 = box
    inside: np.ndarray = ((X[:, 0] >= x0) & (X[:, 0] <= x1) & (X[:, 1] >= y0)
                          & (X[:, 1] <= y1))
    return inside


def _edited(data: Dataset, X_train: np.ndarray, y_train: np.ndarray, X_val: np.ndarray,
            y_val: np.ndarray, *, added: int, removed: int) -> Dataset:
    before = drawn_counts(data) or (0, 0)
    frame = data.meta.get(FRAME)
    if frame is None:
        every = np.concatenate([data.X_train, data.X_val])
        frame = np.array([every.min(axis=0), every.max(axis=0)])
    meta = {**data.meta, DRAWN: (before[0] + added, before[1] + removed), FRAME: frame}
    return dataclasses.replace(data, X_train=X_train, y_train=y_train, X_val=X_val,
                               y_val=y_val, meta=meta, sampler=None)


#: The columns of a drawn set saved as CSV (``drawn_table``): a point, its class, its part.
DRAWN_COLUMNS = ("x1", "x2", "class", "split")


def drawn_table(train: tuple[np.ndarray, np.ndarray], val: tuple[np.ndarray, np.ndarray],
                class_names: tuple[str, ...]) -> str:
    """The points ``train`` and ``val`` (each (points (n, 2), class indices (n,))) as CSV
    text with the columns ``DRAWN_COLUMNS``: each class by its name, each coordinate as
    the shortest text that reads back to the same float (``repr``), so that
    ``drawn_params`` loads back the very points."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(DRAWN_COLUMNS)
    for part, (points, labels) in ((TRAIN, train), (VAL, val)):
        for (x1, x2), k in zip(points.tolist(), labels.tolist(), strict=True):
            writer.writerow((repr(float(x1)), repr(float(x2)), class_names[int(k)], part))
    return out.getvalue()


def drawn_params(path: str, class_names: tuple[str, ...]) -> dict[str, Any]:
    """The ``csv`` dataset's parameters that read a ``drawn_table`` at ``path`` back to
    the same points: its rows in order, split by their column, in the plane's units, each
    class with its number even if no point is left of it."""
    return {"path": path, "target": DRAWN_COLUMNS[2], "split": DRAWN_COLUMNS[3],
            "standardize": False, "classes": list(class_names)}
