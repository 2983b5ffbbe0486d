"""The loss landscape of a two-weight model, and the path each run takes across it.

When every run of a lesson is a linear read-out of two inputs (``y = w1 x1 + w2 x2 + b``,
squared error), its loss over the (w1, w2) plane is a quadratic bowl whose shape is the
lesson: the optimizers lesson's long narrow valley. ``PathRecorder`` keeps every run's
(w1, w2) after each step (bounded: halved by striding when full); ``build_landscape``
evaluates the loss on a grid over the plane, bands it (a contour map) and packs the
paths for the panel.

With the bias at its best value for each w, ``b*(w) = mean(y) - mean(x) . w``, the loss is
    L(w) = w^T C w - 2 w^T c + v,   C = cov(x),  c = cov(x, y),  v = var(y),
exactly the valley the weights move in, whatever the bias is doing.
"""

from __future__ import annotations

from itertools import chain

import numpy as np
from numpy.typing import NDArray

from nnterm.engine.live.snapshot import Landscape
from nnterm.engine.training.trainer import Trainer

#: Points kept per path before it is thinned by half.
PATH_CAPACITY = 2000
LANDSCAPE_RESOLUTION = 48
#: Margin around the optimum and the paths, as a share of their span.
MARGIN = 0.15
#: Path points whose excess loss is over this many times the worst start's are off the map.
KEEP = 4.0
#: Bands per decade of excess loss (two: a factor of ~3.2 per band).
BANDS_PER_DECADE = 2
#: A path sent to the panel keeps a point only where it moved to another cell of a grid
#: this fine over the map (a braille dot of a full-screen panel is coarser).
PATH_GRID = 512


def bands(excess: np.ndarray) -> np.ndarray:
    """Band index (0 = the bottom of the bowl) of each cell: ``BANDS_PER_DECADE`` bands per
    decade of excess loss, counted from the grid's least: the contour map's levels."""
    floor = max(float(excess.min()), 1e-12)
    with np.errstate(divide="ignore", invalid="ignore"):
        level = np.log10(np.maximum(excess, floor) / floor) * BANDS_PER_DECADE
    band: NDArray[np.int64] = np.nan_to_num(level, nan=0.0).astype(np.int64)
    return band


def two_weights(trainer: Trainer) -> bool:
    """True for a linear read-out of two inputs to one output under squared error."""
    net = trainer.net
    return (net.n_layers == 1 and net.sizes[0] == 2 and net.sizes[-1] == 1
            and trainer.loss.name == "mse")


class PathRecorder:
    """Every run's (w1, w2) after each of its steps, from step 0 (a run that went back,
    by a reset or a reseed, starts a new path). ``record`` is called after every step and
    every command; a step already recorded is not recorded again."""

    def __init__(self) -> None:
        self._paths: dict[str, list[tuple[float, float]]] = {}
        self._strides: dict[str, int] = {}
        self._last_step: dict[str, int] = {}
        self._plain: dict[str, object] = {}  # run -> its network, if that has no plane

    def record(self, trainer: Trainer) -> None:
        if self._plain.get(trainer.run_name) is trainer.net:
            return  # known not to be a two-weight model (checked once per network)
        if not two_weights(trainer):
            self._plain[trainer.run_name] = trainer.net
            return
        name, step = trainer.run_name, trainer.step_count
        last = self._last_step.get(name)
        if last is None or step < last:
            self._paths[name], self._strides[name] = [], 1
        elif step == last:
            return  # seen already (a command between steps)
        self._last_step[name] = step
        if step % self._strides[name]:
            return
        w = trainer.net.params[0]
        path = self._paths[name]
        path.append((float(w[0, 0]), float(w[1, 0])))
        if len(path) >= PATH_CAPACITY:
            del path[1::2]
            self._strides[name] *= 2

    def copy(self, name: str, new_name: str) -> None:
        """The path of a duplicated run starts as its original's."""
        if name in self._paths:
            self._paths[new_name] = list(self._paths[name])
            self._strides[new_name] = self._strides[name]
            self._last_step[new_name] = self._last_step[name]

    def forget(self, name: str) -> None:
        for store in (self._paths, self._strides, self._last_step, self._plain):
            store.pop(name, None)

    def path(self, name: str) -> np.ndarray:
        """(n, 2) points of run ``name`` (empty if it has none)."""
        path = self._paths.get(name, [])
        return np.fromiter(chain.from_iterable(path), np.float64, 2 * len(path)).reshape(-1, 2)


def thin(path: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """``path`` (n, 2) without the points that stay in the cell of a ``PATH_GRID`` grid
    over ``lo``..``hi`` that the point before them is in (the first and the last kept):
    a run crawling along the valley floor takes thousands of steps the panel draws as
    one dot, and the panel joins the points it is given with lines."""
    if len(path) <= 2:
        return path
    with np.errstate(all="ignore"):
        cell = np.floor((path - lo) / (hi - lo) * PATH_GRID)
    keep = np.ones(len(path), dtype=bool)
    keep[1:-1] = (cell[1:-1] != cell[:-2]).any(axis=1)
    return path[keep]


def build_landscape(trainers: list[Trainer], paths: PathRecorder, colours: dict[str, int],
                    resolution: int = LANDSCAPE_RESOLUTION) -> Landscape | None:
    """The loss over the plane around the optimum of the first run's data and the paths
    (their points that did not blow up), with every run's path; None unless every run has
    two weights."""
    if not trainers or not all(two_weights(t) for t in trainers):
        return None
    data = trainers[0].dataset
    X, y = data.X_train, data.y_train.reshape(len(data.y_train), -1)[:, 0]
    Xc, yc = X - X.mean(axis=0), y - y.mean()
    C, c, v = Xc.T @ Xc / len(X), Xc.T @ yc / len(X), float(yc @ yc / len(X))
    optimum = np.linalg.lstsq(C, c, rcond=None)[0]
    floor = v - c @ optimum  # the least loss a line can reach

    def excess(W: np.ndarray) -> np.ndarray:
        """Loss above the floor at points W (..., 2)."""
        with np.errstate(all="ignore"):
            loss: np.ndarray = np.einsum("...i,ij,...j->...", W, C, W) - 2 * W @ c + v - floor
        return loss

    routes = tuple((t.run_name, colours[t.run_name], paths.path(t.run_name)) for t in trainers)
    # the map covers the optimum and the points no worse than KEEP x the worst start: a
    # run that blows up leaves it (and shows as » on its edge)
    points = np.concatenate([optimum[None, :], *(p for _, _, p in routes if len(p))])
    starts = [p[0] for _, _, p in routes if len(p)]
    worst_start = max((float(excess(s)) for s in starts), default=0.0)
    with np.errstate(invalid="ignore"):
        near = np.isfinite(points).all(axis=1) & (excess(points) <= KEEP * worst_start + 1e-12)
    corners = points[near | (np.arange(len(points)) == 0)]
    lo, hi = corners.min(axis=0), corners.max(axis=0)
    span = np.maximum(hi - lo, 1e-3 * max(1.0, float(np.abs(corners).max())))
    lo, hi = lo - MARGIN * span, hi + MARGIN * span
    cells = (np.arange(resolution) + 0.5) / resolution
    w1 = lo[0] + cells * (hi[0] - lo[0])
    w2 = hi[1] - cells * (hi[1] - lo[1])  # row 0 at the top
    W = np.stack(np.meshgrid(w1, w2), axis=-1)  # (rows, cols, 2)
    return Landscape(
        extent=(float(lo[0]), float(hi[0]), float(lo[1]), float(hi[1])),
        bands=bands(np.maximum(excess(W), 0.0)),
        optimum=(float(optimum[0]), float(optimum[1])),
        paths=tuple((name, colour, thin(path, lo, hi)) for name, colour, path in routes),
    )
