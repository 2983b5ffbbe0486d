"""The input plane of 2-D data: the square every picture of it is drawn over
(``plane_extent``: the data's bounding box, squared, with a margin), a grid of points over
it (``plane_grid``), the decision boundary on that grid with the data on it
(``boundary_grid``), and which points are drawn (``spread``)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from nnterm.engine.data import Dataset, drawing_frame, drawn_counts
from nnterm.engine.live.snapshot import Boundary, DrawnData
from nnterm.engine.training.trainer import Trainer

#: The boundary grid's side: two pixels per terminal cell (half blocks) fill a panel of
#: up to 80 x 40 cells without stretching a pixel over several.
BOUNDARY_RESOLUTION = 80
#: At most this many training (and validation) points go into a Boundary.
BOUNDARY_POINTS = 400


def boundary_grid(trainer: Trainer, resolution: int) -> Boundary | None:
    """The predicted class and its probability on a resolution x resolution grid over the
    plane (cell centres, row 0 at the top), for 2-D classification only, over
    ``plane_extent``: what the model does where the data is, not far out where any
    model splits the plane in two flat halves."""
    data, loss = trainer.dataset, trainer.loss
    if data.input_dim != 2 or not loss.classification:
        return None
    x0, x1, y0, y1 = plane_extent(data)
    grid = plane_grid((x0, x1, y0, y1), resolution, trainer.net.dtype)
    with np.errstate(all="ignore"):
        logits = trainer.net.forward(grid)
        classes = loss.predict(logits)
        probs = loss.head(logits)
        if logits.shape[1] == 1:  # one sigmoid output: P(class 1)
            confidence = np.where(classes == 1, probs[:, 0], 1.0 - probs[:, 0])
        else:
            confidence = probs[np.arange(len(probs)), classes]
    shape = (resolution, resolution)
    train_idx, val_idx = spread(data.n_train), spread(data.n_val)
    return Boundary(
        extent=(x0, x1, y0, y1),
        classes=classes.astype(np.int64).reshape(shape),
        confidence=confidence.astype(np.float64).reshape(shape),
        train_points=data.X_train[train_idx],
        train_labels=data.y_train[train_idx],
        val_points=data.X_val[val_idx],
        val_labels=data.y_val[val_idx],
        class_names=data.meta.get("classes"),
        n_classes=data.n_classes,
    )


class Interrupted(Exception):
    """Pictures being drawn anew were given up for something more urgent (a command)."""


class HeldBoundaries:
    """``boundary_grid`` that draws a run's grid anew only when ``renew`` is set, and
    otherwise gives the one it drew last (for the same run and resolution).

    The run loop sets ``renew`` for a snapshot after a command that changes the pictures
    (``pictures.keeps_pictures``: after another, for the snapshot after it), when the runs
    stop, and every ``run_loop.PICTURE_SECONDS`` while they train: the grids were most of
    what a snapshot cost (activations: 22 of 27 ms, five runs' grids and the selected
    run's), at eight snapshots a second, for a picture panel that redraws once a second.

    Grids drawn anew replace the held ones only once every grid of the snapshot is
    drawn (``renewed``): ``interrupt``, asked before each, may end the renewal halfway
    (``Interrupted`` raised), and the held grids stay as they were, all of one step."""

    def __init__(self, interrupt: Callable[[], bool] = lambda: False) -> None:
        self.renew = True
        self.interrupt = interrupt
        self._held: dict[tuple[str, int], Boundary | None] = {}
        self._fresh: dict[tuple[str, int], Boundary | None] = {}

    def __call__(self, trainer: Trainer, resolution: int) -> Boundary | None:
        key = (trainer.run_name, resolution)
        grids = self._fresh if self.renew else self._held
        if key not in grids:
            if self.renew and self.interrupt():
                raise Interrupted
            grids[key] = boundary_grid(trainer, resolution)
        return grids[key]

    def start_renewing(self, renew: bool) -> None:
        """Whether the next snapshot's grids are drawn anew (all of them)."""
        self.renew = renew
        self._fresh = {}

    def renewed(self) -> None:
        """The snapshot is built: its grids drawn anew are the ones held (a removed
        run's are forgotten)."""
        if self.renew:
            self._held, self._fresh = self._fresh, {}


def drawn_data(trainer: Trainer) -> DrawnData | None:
    """The run's data whole, if points were drawn on it (``data.drawing``); else None."""
    data = trainer.dataset
    counts = drawn_counts(data)
    if counts is None:
        return None
    names = data.meta.get("classes") or tuple(f"class {k}" for k in range(data.n_classes))
    return DrawnData(added=counts[0], removed=counts[1],
                     train_points=data.X_train.copy(), train_labels=data.y_train.copy(),
                     val_points=data.X_val.copy(), val_labels=data.y_val.copy(),
                     class_names=tuple(names))


def plane_grid(extent: tuple[float, float, float, float], resolution: int, dtype: np.dtype
               ) -> np.ndarray:
    """The cell centres of a resolution x resolution grid over ``extent`` (x0, x1, y0, y1),
    row by row from the top (y1) as a picture is drawn: (resolution^2, 2) points."""
    x0, x1, y0, y1 = extent
    cells = (np.arange(resolution) + 0.5) / resolution
    grid = np.empty((resolution, resolution, 2), dtype=dtype)
    grid[..., 0] = (x0 + cells * (x1 - x0))[None, :]
    grid[..., 1] = (y1 - cells * (y1 - y0))[:, None]
    return grid.reshape(-1, 2)


#: The margin around the data's bounding box, as a share of its larger side.
MARGIN = 0.1


def plane_extent(data: Dataset) -> tuple[float, float, float, float]:
    """The square a picture of ``data``'s plane shows: ``data_extent`` of its examples,
    or, once points were drawn on it, the square it showed before, as long as every
    point lies in it (a point drawn or erased inside the picture does not move it)."""
    points = np.concatenate([data.X_train, data.X_val])
    frame = drawing_frame(data)
    if frame is None:
        return data_extent(points)
    before = data_extent(frame)
    x0, x1, y0, y1 = before
    inside = ((points[:, 0] >= x0) & (points[:, 0] <= x1) & (points[:, 1] >= y0)
              & (points[:, 1] <= y1)).all()
    return before if inside else data_extent(np.concatenate([points, frame]))


def data_extent(points: np.ndarray) -> tuple[float, float, float, float]:
    """A square (x0, x1, y0, y1) around ``points`` (n, 2): the bounding box's centre, its
    larger side plus MARGIN on each end (square so that a circle is drawn round)."""
    lo, hi = points.min(axis=0), points.max(axis=0)
    half = 0.5 * max(float((hi - lo).max()), 1e-9) * (1 + 2 * MARGIN)
    cx, cy = (float(v) for v in 0.5 * (lo + hi))
    return cx - half, cx + half, cy - half, cy + half


def spread(n: int, cap: int = BOUNDARY_POINTS) -> np.ndarray:
    """A fixed subset of 0..n-1: all of them, or ``cap`` evenly spaced (so ordered data
    keeps every class)."""
    if n <= cap:
        return np.arange(n)
    return np.linspace(0, n - 1, cap).round().astype(np.int64)
