"""Your own data: a CSV file as a Dataset (``make_dataset("csv", path=..., target=...)``).

The file: UTF-8 text (a byte-order mark is skipped), commas between fields, quotes as the
stdlib ``csv`` module reads them, a header row naming every column, then one row per
example; blank lines are skipped. The ``target`` column is what the network predicts,
every other column is a feature and must hold a finite number in every row.

Task, from the target column: whole numbers or text with at most ``MAX_CLASSES`` distinct
values, at most half as many as there are rows, are classes, numbered ``0..k-1`` in
sorted order (numbers by value, text alphabetically; the names are kept in
``meta["classes"]``); any other numbers are a regression target.

``classes`` (a list of labels) says it instead: the target is classes, those, numbered in
the list's order, each row's one of them (a small or lopsided table stays classes, a class
with no row keeps its number: a set of points drawn in the app is saved so).

Split: the rows are shuffled once with the dataset's seed; the first ``n_train`` rows of
that order train, the last ``n_val`` validate (so growing ``n_train`` never changes the
validation rows, and ``n_train + n_val`` must not exceed the rows; ``split_sizes`` gives
the preset format's defaults). ``split`` names a column that says it instead, ``train``
or ``val`` in each row: the rows keep the file's order, and ``n_train`` and ``n_val`` are
its counts (``meta["split"]``); that column is no feature.

Scale: each feature is standardised, ``x' = (x - mean) / std`` with the mean and std of
the *training* rows only (the validation rows are held out, their statistics must not leak
in); a constant feature is only centred. A regression target is standardised the same
way: the loss then reads in units of the target's variance (an MSE of 1 is as good as
predicting the mean, whatever the column's units), so the learning rates and the
underfitting diagnosis of the built-in lessons carry over to any table. ``meta`` keeps
``feature_mean``, ``feature_std``, ``target_mean`` and ``target_std`` to undo it.
``standardize: false`` keeps the file's units (points drawn on the plane load back where
they were drawn).
"""

from __future__ import annotations

import csv
import math
import os
import stat
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from nnterm.engine.data.dataset import CLASSIFICATION, REGRESSION, Dataset

#: Refused before reading: a teaching MLP trains on a table, not on a data lake.
MAX_TABLE_BYTES = 64 * 2**20
#: A target with more distinct values than this (or than half the rows) is no class label.
MAX_CLASSES = 20
#: The values of a ``split`` column.
TRAIN, VAL = "train", "val"

_CSV_ALLOWED = "a CSV file with a header row, then one row of numbers (and the target) " \
               "per example"


class TableError(ValueError):
    """Bad CSV data; ``param`` is the dataset parameter to blame (``path`` for the file
    and its contents, ``target`` for the choice of column), ``allowed`` what would do."""

    def __init__(self, message: str, *, param: str = "path", allowed: str = _CSV_ALLOWED):
        super().__init__(message)
        self.param, self.allowed = param, allowed


@dataclass(frozen=True, eq=False)
class Table:
    """A CSV file's examples as read: ``X`` float64 ``(rows, features)`` in the file's
    units; ``y`` int64 class indices ``(rows,)`` with ``classes`` their names, or float64
    values ``(rows,)`` with ``classes`` None (regression)."""

    path: str
    features: tuple[str, ...]
    target: str
    X: np.ndarray
    y: np.ndarray
    classes: tuple[str, ...] | None
    #: with a ``split`` column: each row trains (True) or validates (False)
    trains: np.ndarray | None = None

    @property
    def rows(self) -> int:
        return len(self.y)


def split_sizes(rows: int, n_train: int | None = None, n_val: int | None = None
                ) -> tuple[int, int]:
    """``(n_train, n_val)`` for a table of ``rows`` rows: an omitted ``n_val`` is a fifth
    of the rows (rounded down, at least 1), an omitted ``n_train`` the rows left over.
    ValueError if they do not fit."""
    said = {"n_train": "", "n_val": ""}
    if n_val is None:
        n_val, said["n_val"] = max(1, rows // 5), " (a fifth of the rows)"
    if n_train is None:
        n_train, said["n_train"] = rows - n_val, " (the rows left)"
    if n_train < 1 or n_train + n_val > rows:
        raise ValueError(f"n_train {n_train}{said['n_train']} and n_val {n_val}"
                         f"{said['n_val']} do not fit in its {rows} rows")
    return n_train, n_val


def split_allowed(rows: int) -> str:
    """What ``split_sizes`` accepts for a table of ``rows`` rows."""
    return f"n_train >= 1 and n_train + n_val <= {rows}"


def table_dataset(rng: np.random.Generator, *, n_train: int, n_val: int, path: object = None,
                  target: object = None, split: object = None, standardize: object = True,
                  classes: object = None) -> Dataset:
    """The Dataset of CSV file ``path`` predicting column ``target``, split and
    standardised as the module docstring says (``rng`` shuffles the rows; with a
    ``split`` column it says which rows train, and ``n_train`` and ``n_val`` are not read)."""
    if not isinstance(standardize, bool):
        raise TableError(f"standardize {standardize!r} is not true or false",
                         param="standardize", allowed="true (the default) or false")
    table = read_table(path, target, split, classes)
    if table.trains is not None:
        train, val = np.flatnonzero(table.trains), np.flatnonzero(~table.trains)
    else:
        n_train, n_val = split_sizes(table.rows, n_train, n_val)
        order = rng.permutation(table.rows)
        train, val = order[:n_train], order[table.rows - n_val:]
    mean, std = _mean_std(table.X[train])
    if not standardize:
        mean, std = np.zeros_like(mean), np.ones_like(std)
    X_train, X_val = (table.X[train] - mean) / std, (table.X[val] - mean) / std
    meta = {"rows": table.rows, "features": table.features, "target": table.target,
            "classes": table.classes, "feature_mean": mean, "feature_std": std,
            "split": None if table.trains is None else (len(train), len(val))}
    if table.classes is not None:
        k = len(table.classes)
        return Dataset(X_train, table.y[train], X_val, table.y[val], CLASSIFICATION, k,
                       len(table.features), k, "csv", meta)
    y_mean, y_std = _mean_std(table.y[train])
    meta.update(target_mean=float(y_mean), target_std=float(y_std))
    y_train = ((table.y[train] - y_mean) / y_std)[:, None]
    y_val = ((table.y[val] - y_mean) / y_std)[:, None]
    return Dataset(X_train, y_train, X_val, y_val, REGRESSION, 0, len(table.features), 1,
                   "csv", meta)


def _mean_std(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Column means and standard deviations; a std of 0 (a constant) counts as 1."""
    mean, std = values.mean(axis=0), values.std(axis=0)
    return mean, np.where(std > 0, std, 1.0)


# ---------------------------------------------------------------------------- reading
def read_table(path: object, target: object, split: object = None,
               classes: object = None) -> Table:
    """The examples of CSV file ``path`` with ``target`` the column to predict (``split``:
    the column saying which rows train; ``classes``: the target's labels, in order); every
    problem raises TableError naming the line and column."""
    if not isinstance(path, str | os.PathLike) or not str(path).strip():
        raise TableError(f"path {path!r} does not name a file", allowed="the path of a "
                         "CSV file, relative to the preset's folder")
    if not isinstance(target, str) or not target.strip():
        raise TableError(f"target {target!r} does not name a column", param="target",
                         allowed="the name of a column in the header")
    if split is not None and (not isinstance(split, str) or not split.strip()):
        raise TableError(f"split {split!r} does not name a column", param="split",
                         allowed="the name of a column of train and val, or null")
    labels = _class_labels(classes)
    path = os.fspath(path)
    header, rows = _read_rows(path)
    columns = _check_header(header, path)
    for param, column in (("target", target), ("split", split)):
        if column is not None and column not in columns:
            raise TableError(f"{path} has no column {column!r}", param=param,
                             allowed=f"a column of its header: {', '.join(map(repr, columns))}")
    if split == target:
        raise TableError(f"{path}: the column {target!r} cannot be the target and the split",
                         param="split", allowed="another column, or null")
    if len(columns) == 1 + (split is not None):
        raise TableError(f"{path}: the target {target!r} is its only column: no features")
    if len(rows) < 2:
        raise TableError(f"{path} has {len(rows)} data row{'s' * (len(rows) != 1)}; it "
                         f"needs 2 or more (one to train, one to validate)")
    for line, fields in rows:
        if len(fields) != len(columns):
            raise TableError(f"{path}:{line}: {len(fields)} fields, but the header names "
                             f"{len(columns)} columns")
    t = columns.index(target)
    s = columns.index(split) if split is not None else -1
    features = tuple(c for i, c in enumerate(columns) if i not in (t, s))
    X = np.array([[_number(f, line, columns[i], path) for i, f in enumerate(fields)
                   if i not in (t, s)]
                  for line, fields in rows], dtype=np.float64).reshape(len(rows), -1)
    cells = [(line, fields[t].strip()) for line, fields in rows]
    y, names = (_targets(cells, target, path) if labels is None
                else _listed_classes(cells, labels, target, path))
    trains = None if split is None else _split([(line, fields[s]) for line, fields in rows],
                                               split, path)
    return Table(path, features, target, X, y, names, trains)


def _class_labels(classes: object) -> tuple[str, ...] | None:
    """The ``classes`` parameter as texts (None: the target decides): 2 or more distinct
    labels, at most ``MAX_CLASSES``."""
    if classes is None:
        return None
    allowed = f"a list of 2 to {MAX_CLASSES} distinct labels, or null"
    if not isinstance(classes, list | tuple) or not all(
            isinstance(c, str | int | float) and not isinstance(c, bool) for c in classes):
        raise TableError(f"classes {classes!r} is not a list of labels", param="classes",
                         allowed=allowed)
    labels = tuple(str(c).strip() for c in classes)
    if not 2 <= len(labels) <= MAX_CLASSES or len(set(labels)) != len(labels) \
            or not all(labels):
        raise TableError(f"classes {list(classes)!r}: not 2 to {MAX_CLASSES} distinct "
                         f"labels", param="classes", allowed=allowed)
    return labels


def _listed_classes(cells: list[tuple[int, str]], labels: tuple[str, ...], target: str,
                    path: str) -> tuple[np.ndarray, tuple[str, ...]]:
    """The target column as indices into ``labels`` (a number matches its value: 1 is
    1.0); TableError at the first row whose label is not listed."""
    index = {label: k for k, label in enumerate(labels)}
    by_value = {float(label): k for k, label in enumerate(labels) if _is_number(label)}
    out = []
    for line, text in cells:
        k = index.get(text)
        if k is None and _is_number(text):
            k = by_value.get(float(text))
        if k is None:
            raise TableError(f"{path}:{line}: the target {target!r} is {text!r}, not one of "
                             f"the classes", allowed=f"one of {', '.join(labels)}")
        out.append(k)
    return np.array(out, dtype=np.int64), labels


def _split(cells: list[tuple[int, str]], split: str, path: str) -> np.ndarray:
    """Which rows train (True) and validate (False), from the ``split`` column; at least
    one of each."""
    trains = []
    for line, text in cells:
        word = text.strip().lower()
        if word not in (TRAIN, VAL):
            raise TableError(f"{path}:{line}: column {split!r} is {text.strip()!r}",
                             allowed=f"{TRAIN} or {VAL} in every row of the split column")
        trains.append(word == TRAIN)
    marks = np.array(trains, dtype=bool)
    if marks.all() or not marks.any():
        missing = VAL if marks.all() else TRAIN
        raise TableError(f"{path}: no row of column {split!r} is {missing}",
                         allowed=f"at least one {TRAIN} row and one {VAL} row")
    return marks


def _read_rows(path: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The header and the ``(line, fields)`` of every other non-blank row."""
    try:
        info = os.stat(path)
        if stat.S_ISDIR(info.st_mode):
            raise TableError(f"{path} is a folder, not a CSV file")
        if not stat.S_ISREG(info.st_mode):
            raise TableError(f"{path} is not a regular file")
        if info.st_size > MAX_TABLE_BYTES:
            raise TableError(f"{path} is {info.st_size:,} bytes: too big",
                             allowed=f"a CSV file of at most {MAX_TABLE_BYTES:,} bytes")
        header, rows = None, []
        with open(path, newline="", encoding="utf-8-sig") as file:
            reader = csv.reader(file, strict=True)
            for fields in reader:
                if not any(f.strip() for f in fields):
                    continue
                if header is None:
                    header = fields
                else:
                    rows.append((reader.line_num, fields))
    except FileNotFoundError:
        raise TableError(f"{path}: no such file") from None
    except UnicodeDecodeError as err:
        raise TableError(f"{path} is not UTF-8 text (byte {err.object[err.start]:#04x})",
                         allowed="a UTF-8 CSV file") from None
    except csv.Error as err:
        raise TableError(f"{path}:{reader.line_num}: not CSV: {err}") from None
    except OSError as err:
        raise TableError(f"{path}: cannot read it: {err.strerror or err}") from None
    if header is None:
        raise TableError(f"{path} is empty: no header row",
                         allowed="a header row naming the columns, then the data rows")
    return header, rows


def _check_header(header: list[str], path: str) -> list[str]:
    """The column names: each named once, and names, not numbers (a file without a header
    would lose its first example and name columns after it)."""
    columns = [c.strip() for c in header]
    for i, column in enumerate(columns):
        if not column:
            raise TableError(f"{path}:1: column {i + 1} has no name in the header")
        if column in columns[:i]:
            raise TableError(f"{path}:1: column {column!r} is named twice in the header")
    if all(_is_number(c) for c in columns):
        raise TableError(f"{path}:1: the first row holds numbers, not column names: the "
                         f"header row is missing",
                         allowed="a header row naming the columns, then the data rows")
    return columns


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _number(text: str, line: int, column: str, path: str) -> float:
    """A feature cell as a finite float."""
    try:
        value = float(text)
    except ValueError:
        what = "blank" if not text.strip() else f"{text!r}, not a number"
        raise TableError(f"{path}:{line}: column {column!r} is {what}",
                         allowed="a finite number in every feature cell") from None
    if not math.isfinite(value):
        raise TableError(f"{path}:{line}: column {column!r} is {text.strip()!r}, not a "
                         f"finite number", allowed="a finite number in every feature cell")
    return value


def _targets(cells: list[tuple[int, str]], target: str, path: str
             ) -> tuple[np.ndarray, tuple[str, ...] | None]:
    """The target column as class indices and class names, or as float values and None
    (the rule is in the module docstring)."""
    missing = [line for line, text in cells if not text or text.lower() == "nan"]
    if len(missing) == len(cells):
        raise TableError(f"{path}: the target column {target!r} is empty (blank or NaN in "
                         f"every row)", param="target",
                         allowed="a column with a label or value in every row")
    if missing:
        raise TableError(f"{path}:{missing[0]}: the target {target!r} is blank or NaN",
                         allowed="a label or value in every row")
    texts = [text for _, text in cells]
    numbers = [float(t) for t in texts] if all(map(_is_number, texts)) else None
    # the floats when every text is a number, else the texts (mypy cannot tie the two)
    distinct: list[Any] = sorted(set(numbers if numbers is not None else texts))
    if len(distinct) == 1:
        raise TableError(f"{path}: the target {target!r} is {texts[0]!r} in every row: "
                         f"nothing to learn", param="target",
                         allowed="a column with 2 or more classes or values")
    few = len(distinct) <= MAX_CLASSES and 2 * len(distinct) <= len(cells)
    if numbers is None:
        if not few:
            raise TableError(f"{path}: the target {target!r} has {len(distinct)} different "
                             f"texts in {len(cells)} rows: too many to be classes",
                             param="target", allowed=f"at most {MAX_CLASSES} classes, at "
                             "most half as many as rows; or numbers, for regression")
        return _classes(texts, distinct), tuple(distinct)
    values = np.array(numbers)
    if not np.isfinite(values).all():
        line = cells[int(np.argmin(np.isfinite(values)))][0]
        raise TableError(f"{path}:{line}: the target {target!r} is not a finite number",
                         allowed="a finite number or a class label in every row")
    if few and all(v.is_integer() for v in distinct):
        return _classes(numbers, distinct), tuple(str(int(v)) for v in distinct)
    return values, None


def _classes(values: Sequence[Hashable], distinct: Sequence[Hashable]) -> NDArray[np.int64]:
    """Each value's index among the sorted ``distinct`` values, as int64."""
    index = {v: i for i, v in enumerate(distinct)}
    return np.array([index[v] for v in values], dtype=np.int64)
