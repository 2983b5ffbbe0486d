"""Building a Snapshot: the one place one is made. ``build_snapshot`` measures the selected
run in detail (its curves, layers and boundary) and takes what ``frame`` measured about
the whole lesson (every run in brief, the text the models write, the landscape, fitted
curves, images) and what the run loop knows (claims, commands taken) as they are.

``build_snapshot`` runs in the engine (process) up to ``pace.FPS`` times a second
(and at once after a key), so everything here is vectorised NumPy over bounded inputs:
at most ``BoundedHistory.capacity`` records, a resolution x resolution grid, weight
matrices pooled with one ``reduceat`` per axis.
Measured (one core, float64): about 1 ms for a 2-16-16-2 net with a full history and
its 40x40 boundary, and about 2 ms for a 784-256-256-10 net (no boundary).
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np

from nnterm.engine.live.plane import BOUNDARY_RESOLUTION, boundary_grid, drawn_data
from nnterm.engine.live.snapshot import (
    BackpropView,
    Boundary,
    Confusion,
    FitCurve,
    ImageSamples,
    Landscape,
    LayerView,
    NetworkView,
    RunView,
    Series,
    Snapshot,
    Surface,
)
from nnterm.engine.nn.initializers import Init
from nnterm.engine.nn.network import MLP
from nnterm.engine.training.causes import folded
from nnterm.engine.training.telemetry import HIST_BINS, PERCENTILES, BoundedHistory, StepRecord
from nnterm.engine.training.trainer import Trainer

#: What draws a run's decision boundary at a resolution (``plane.boundary_grid``).
BoundaryOf = Callable[[Trainer, int], Boundary | None]

#: Default sizes of what a snapshot carries (about a plot's width, a panel's cells).
SERIES_POINTS = 120
HEATMAP_MAX = 48


def build_snapshot(
    trainer: Trainer,
    *,
    steps_per_second: float = 0.0,
    message: str = "",
    series_points: int = SERIES_POINTS,
    heatmap_max: int = HEATMAP_MAX,
    boundary_resolution: int = BOUNDARY_RESOLUTION,
    boundary_of: BoundaryOf = boundary_grid,
    now: StepRecord | None = None,
    runs: tuple[RunView, ...] = (),
    references: tuple[tuple[str, float], ...] = (),
    samples: tuple[tuple[str, tuple[str, ...]], ...] = (),
    landscape: Landscape | None = None,
    fit: FitCurve | None = None,
    surface: Surface | None = None,
    images: ImageSamples | None = None,
    claims: tuple[bool | None, ...] = (),
    commands_taken: int = 0,
    network: NetworkView | None = None,
    explaining: bool = False,
    backprop: BackpropView | None = None,
) -> Snapshot:
    """A Snapshot of ``trainer`` now, with the lesson's parts as given (``Snapshot`` says
    what each is). Every array is a fresh copy, so the trainer may go on stepping while
    another thread (or process) draws the snapshot. ``now``: the losses at the current
    step (see ``build_frame``), drawn as the curves' last point; ``boundary_of``: what
    draws the decision boundary (``plane.HeldBoundaries`` keeps one between snapshots)."""
    series, bands, latest = history_views(trainer, series_points)
    assert bands is not None, "history_views gives the bands with_bands"
    if now is not None:
        series, latest = with_point(series, now), now
    net, config = trainer.net, trainer.config
    b = config.train.batch_size
    return Snapshot(
        run=trainer.run_name,
        config=config,
        step=trainer.step_count,
        epoch=float(trainer.epoch),
        status=trainer.status,
        paused=bool(trainer.paused),
        stop_reason=trainer.stop_reason,
        steps_per_second=float(steps_per_second),
        lr=float(trainer.lr),
        batch_size=b if 0 < b < trainer.dataset.n_train else trainer.dataset.n_train,
        n_params=net.n_params,
        train_loss=latest.train_loss,
        val_loss=latest.val_loss,
        train_acc=latest.train_acc,
        val_acc=latest.val_acc,
        series=series,
        layers=_layers(net, latest, bands, heatmap_max, trainer.dataset.meta.get("image_shape")),
        boundary=boundary_of(trainer, boundary_resolution),
        diagnoses=tuple((d.name, d.step, d.message) for d in trainer.diagnoses),
        findings=folded(trainer.diagnoses),
        fit_diagnosis=trainer.fit_diagnosis,
        message=message,
        runs=runs,
        references=references,
        samples=samples,
        landscape=landscape,
        fit=fit,
        surface=surface,
        images=images,
        claims=claims,
        commands_taken=commands_taken,
        network=network,
        explaining=explaining,
        backprop=backprop,
        confusion=confusion_view(trainer),
        drawn=drawn_data(trainer),
    )


def confusion_view(trainer: Trainer) -> Confusion | None:
    """The run's validation confusion matrix at its last record, with the classes' names
    (a table's own, the characters of next-token data, else their numbers); None for
    regression and for two classes."""
    if trainer.val_confusion is None:
        return None
    step, counts = trainer.val_confusion
    meta = trainer.dataset.meta
    names = meta.get("classes") or meta.get("vocab") or range(len(counts))
    return Confusion(counts.copy(), tuple(str(n) for n in names), step)


def with_point(series: Series, record: StepRecord) -> Series:
    """``series`` with ``record``'s losses appended as its last point."""
    def grow(column: np.ndarray, value: float | None) -> np.ndarray:
        return np.append(column, np.nan if value is None else value)

    return Series(np.append(series.steps, record.step), grow(series.train_loss, record.train_loss),
                  grow(series.val_loss, record.val_loss),
                  None if series.train_acc is None else grow(series.train_acc, record.train_acc),
                  None if series.val_acc is None else grow(series.val_acc, record.val_acc))


# ---------------------------------------------------------------------------- history
@dataclass
class _HistoryViews:
    """What a snapshot draws from a history, kept until the history gains a record."""

    records: list[StepRecord]  # the history's list object when computed (it is replaced on halving)
    count: int
    latest: StepRecord
    key: tuple[int, bool, int]
    series: Series
    bands: tuple[tuple[np.ndarray, np.ndarray], ...] | None  # None until asked for


#: Per history: its series and gradient bands. They change only every ``log_every`` steps
#: while snapshots come several times a second, and extracting columns from ~2,000
#: records is the costliest part of a snapshot (~1.5 ms), so they are reused until a
#: record arrives.
_VIEWS: weakref.WeakKeyDictionary[BoundedHistory, _HistoryViews] = weakref.WeakKeyDictionary()


def _with_latest(history: BoundedHistory) -> list[StepRecord]:
    records = list(history.records)
    if history.latest is not None and (not records or records[-1] is not history.latest):
        records.append(history.latest)
    return records


def _frozen(arrays: Iterable[object]) -> None:
    for a in arrays:
        if isinstance(a, np.ndarray):
            a.flags.writeable = False  # shared by successive snapshots


def history_views(
    trainer: Trainer, max_points: int, with_bands: bool = True
) -> tuple[Series, tuple[tuple[np.ndarray, np.ndarray], ...] | None, StepRecord]:
    """The trainer's curves, gradient bands (only ``with_bands``: the selected run's
    panels need them, a run's view in the table and the plot does not) and latest record,
    computed once per new record."""
    history = trainer.history
    key = (max_points, trainer.loss.classification, trainer.net.n_layers)
    views = _VIEWS.get(history)
    if not (views is not None and views.records is history.records
            and views.count == len(history.records) and views.latest is history.latest
            and views.key == key):
        series = _series(history, trainer.loss.classification, max_points)
        _frozen(vars(series).values())
        latest = history.latest
        assert latest is not None, "a trainer logs its step 0 as it is made"
        views = _HistoryViews(history.records, len(history.records), latest, key,
                              series, None)
        _VIEWS[history] = views
    if with_bands and views.bands is None:
        views.bands = _bands(_with_latest(history), trainer.net.n_layers, max_points)
        _frozen(a for pair in views.bands for a in pair)
    return views.series, views.bands, views.latest


# ---------------------------------------------------------------------------- series
def minmax_downsample(
    steps: np.ndarray, columns: list[np.ndarray], max_points: int
) -> tuple[np.ndarray, list[np.ndarray]]:
    """Shorten a shared x axis and its columns to at most ``max_points`` points so that a
    plot of the result looks like a plot of the whole.

    The first and the last point are kept exactly. The points between are split into
    ``(max_points - 2) // 2`` consecutive buckets; each bucket becomes two points, at the
    bucket's first and last step, carrying each column's minimum and maximum over the
    bucket in the order they occurred. So every spike (a loss blow-up at one logged step)
    and every dip stays visible at its true height, which averaging or striding would hide
    or miss. Different columns may take their extremes at different steps of a bucket;
    they are drawn at the bucket's edges, an error of less than one bucket (under a
    character cell at plot width). NaN (missing values) is skipped; an all-NaN bucket
    gives NaN. Columns with fewer than ``max_points`` points come back as copies.
    """
    n = len(steps)
    if n <= max_points:
        return steps.copy(), [c.copy() for c in columns]
    n_buckets = (max_points - 2) // 2
    if n_buckets < 1:  # too few points for buckets: keep evenly spaced ones
        keep = np.unique(np.linspace(0, n - 1, max(max_points, 1)).round().astype(np.int64))
        return steps[keep], [c[keep] for c in columns]
    edges = np.linspace(1, n - 1, n_buckets + 1).round().astype(np.int64)
    starts, lengths = edges[:-1], np.diff(edges)  # every bucket has >= 2 points
    width = int(lengths.max())
    idx = starts[:, None] + np.minimum(np.arange(width)[None, :], lengths[:, None] - 1)
    rows = np.arange(n_buckets)

    def interleave(a: np.ndarray, b: np.ndarray, first: np.generic, last: np.generic
                   ) -> np.ndarray:
        out = np.empty(2 * n_buckets + 2, dtype=np.result_type(a, b, first, last))
        out[0], out[1:-1:2], out[2:-1:2], out[-1] = first, a, b, last
        return out

    new_steps = interleave(steps[starts], steps[starts + lengths - 1], steps[0], steps[-1])
    new_columns = []
    for c in columns:
        v = c[idx]
        missing = np.isnan(v)
        i_min = np.where(missing, np.inf, v).argmin(axis=1)
        i_max = np.where(missing, -np.inf, v).argmax(axis=1)
        v_min, v_max = v[rows, i_min], v[rows, i_max]
        min_first = i_min <= i_max
        new_columns.append(interleave(np.where(min_first, v_min, v_max),
                                      np.where(min_first, v_max, v_min), c[0], c[-1]))
    return new_steps, new_columns


_COLUMNS = ("train_loss", "val_loss", "train_acc", "val_acc")


class _HistoryColumns:
    """A history's steps and metric columns as growing lists, extended by the records
    that arrived since the last look (reading all ~2,000 records of every run again at
    every new record cost ~1 ms per run and frame, 5% of a fast lesson's speed). Read
    afresh only when the history halves (it then holds a new list object)."""

    def __init__(self) -> None:
        self.records: list[StepRecord] | None = None
        self.count = 0
        self.values: dict[str, list[float]] = {}

    def arrays(self, history: BoundedHistory) -> tuple[np.ndarray, list[np.ndarray]]:
        records = history.records
        if records is not self.records:
            self.records, self.count = records, 0
            self.values = {name: [] for name in ("step", *_COLUMNS)}
        for name, column in self.values.items():
            column.extend(_value(r, name) for r in records[self.count:])
        self.count = len(records)
        latest = history.latest
        extra = ([latest] if latest is not None and (not records or records[-1] is not latest)
                 else [])
        steps = self.values["step"] + [r.step for r in extra]
        columns = [np.array(self.values[n] + [_value(r, n) for r in extra],
                            dtype=np.float64) for n in _COLUMNS]
        return np.array(steps, dtype=np.int64), columns


def _value(record: StepRecord, name: str) -> float:
    value = getattr(record, name)
    return np.nan if value is None else value


def _series(history: BoundedHistory, classification: bool, max_points: int) -> Series:
    columns = _COLUMN_CACHE.get(history)
    if columns is None:
        columns = _COLUMN_CACHE[history] = _HistoryColumns()
    steps, cols = columns.arrays(history)
    if not classification:
        cols = cols[:2]
    steps, cols = minmax_downsample(steps, cols, max_points)
    accs = (cols[2], cols[3]) if classification else (None, None)
    return Series(steps, cols[0], cols[1], *accs)


_COLUMN_CACHE: weakref.WeakKeyDictionary[BoundedHistory, _HistoryColumns] = \
    weakref.WeakKeyDictionary()


# ---------------------------------------------------------------------------- layers
def pool_blocks(w: np.ndarray, max_side: int) -> tuple[np.ndarray, bool]:
    """``w`` as float64 with each side longer than ``max_side`` shrunk to ``max_side`` by
    averaging consecutive blocks (block sizes differ by at most one). Returns a fresh
    array and whether it was pooled."""
    out = np.array(w, dtype=np.float64)
    pooled = False
    for axis in (0, 1):
        n = out.shape[axis]
        if n > max_side:
            edges = np.linspace(0, n, max_side + 1).round().astype(np.int64)
            sizes = np.diff(edges).astype(np.float64)
            out = np.add.reduceat(out, edges[:-1], axis=axis)
            out /= sizes[:, None] if axis == 0 else sizes[None, :]
            pooled = True
    return out, pooled


def describe_init(init: Init) -> str:
    extra = {"normal": f" std={init.std:g}", "uniform": f" limit={init.limit:g}",
             "constant": f" {init.value:g}"}.get(init.scheme, "")
    if init.gain != 1.0:
        extra += f" gain={init.gain:g}"
    if init.bias is not None:
        extra += f" bias={init.bias:g}"
    return init.scheme + extra


def _bands(
    records: list[StepRecord], n_layers: int, max_points: int
) -> tuple[tuple[np.ndarray, np.ndarray], ...]:
    """Per layer, the gradient's percentiles (t, len(PERCENTILES)) and their steps (t,),
    over at most ``max_points`` evenly spaced records (the first and the last among them):
    the history is bounded already, this thins it to about a panel's width."""
    usable = [r for r in records if len(r.grad_percentiles) == n_layers]
    keep: np.ndarray | list[int]
    keep = np.unique(np.linspace(0, len(usable) - 1, min(len(usable), max_points))
                     .round().astype(np.int64)) if usable else []
    chosen = [usable[i] for i in keep]
    steps = np.array([r.step for r in chosen], dtype=np.int64)
    if not chosen:
        return tuple((np.empty((0, len(PERCENTILES))), steps) for _ in range(n_layers))
    return tuple((np.stack([r.grad_percentiles[i] for r in chosen]), steps)
                 for i in range(n_layers))


#: At most this many first-layer units are drawn as image tiles.
MAX_TILES = 16


def first_layer_tiles(weights: np.ndarray, image_shape: tuple[int, int] | None
                      ) -> np.ndarray | None:
    """For image inputs, the incoming weights of the first ``MAX_TILES`` units of the first
    layer, each reshaped to the image: (units, height, width). None for other inputs."""
    if image_shape is None or weights.shape[0] != image_shape[0] * image_shape[1]:
        return None
    units = min(weights.shape[1], MAX_TILES)
    return np.ascontiguousarray(weights[:, :units].T).reshape(units, *image_shape)


def _layers(
    net: MLP,
    latest: StepRecord,
    bands: tuple[tuple[np.ndarray, np.ndarray], ...],
    heatmap_max: int,
    image_shape: tuple[int, int] | None = None,
) -> tuple[LayerView, ...]:
    nan = float("nan")
    views = []
    for i in range(net.n_layers):
        hidden = i < net.n_layers - 1
        weights, pooled = pool_blocks(net.params[2 * i], heatmap_max)
        views.append(LayerView(
            index=i,
            fan_in=net.sizes[i],
            fan_out=net.sizes[i + 1],
            activation=net.activations[i].name if hidden else "output",
            init=describe_init(net.inits[i]),
            dropout=net.dropout[i] if hidden else 0.0,
            frozen=i in net.frozen,
            weights=weights,
            pooled=pooled,
            grad_norm=_at(latest.grad_norm, i),
            update_ratio=_at(latest.update_ratio, i),
            grad_hist=_hist_at(latest.grad_hist, i),
            weight_hist=_hist_at(latest.weight_hist, i),
            grad_band=bands[i][0],
            band_steps=bands[i][1],
            dead_frac=_at(latest.dead_frac, i) if hidden else nan,
            saturation=_at(latest.saturation, i) if hidden else nan,
            act_std=_at(latest.act_std, i) if hidden else nan,
            tiles=first_layer_tiles(net.params[0], image_shape) if i == 0 else None,
        ))
    return tuple(views)


def _at(values: tuple[float, ...], i: int) -> float:
    return float(values[i]) if i < len(values) else float("nan")


def _hist_at(hists: tuple[np.ndarray, ...], i: int) -> np.ndarray:
    return hists[i] if i < len(hists) else np.zeros(HIST_BINS, dtype=np.int64)


# ---------------------------------------------------------------------------- boundary
