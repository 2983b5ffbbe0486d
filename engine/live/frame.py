"""A frame of a live lesson: the selected run in detail and every run in brief.

``build_frame(runs)`` is what the run loop publishes: ``snapshot_build.build_snapshot`` of
the selected run, given a ``RunView`` of every run (its curves, numbers, small boundary,
per-layer profiles and what it changes from the base run), the loss levels the lesson
names, and what fits the data: the loss landscape (two-weight models), the fitted curves
(one-input regression), the predicted surface (two-input regression) or sample images;
``text_samples`` draws the text the models write (next-token data), which the run loop
draws only every few seconds and passes in.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import numpy as np

from nnterm.engine.data.names import bigram_probs, sample_names
from nnterm.engine.live.backprop_view import build_backprop_view
from nnterm.engine.live.landscape import build_landscape
from nnterm.engine.live.network_view import build_network_view
from nnterm.engine.live.plane import BOUNDARY_RESOLUTION, boundary_grid, plane_grid, spread
from nnterm.engine.live.run_set import RunSet
from nnterm.engine.live.snapshot import FitCurve, ImageSamples, RunView, Snapshot, Surface
from nnterm.engine.live.snapshot_build import (
    SERIES_POINTS,
    BoundaryOf,
    build_snapshot,
    describe_init,
    history_views,
    with_point,
)
from nnterm.engine.nn.initializers import Init
from nnterm.engine.nn.losses import Loss, chance_loss
from nnterm.engine.nn.network import MLP
from nnterm.engine.training.causes import folded
from nnterm.engine.training.config import OptimizerConfig, config_diff
from nnterm.engine.training.telemetry import StepRecord
from nnterm.engine.training.trainer import Trainer

#: The side of each run's small boundary (the side-by-side view of every run).
SMALL_BOUNDARY_RESOLUTION = 40
#: Points of a one-input regression's fitted curves.
CURVE_POINTS = 120


def build_frame(
    runs: RunSet,
    *,
    steps_per_second: float = 0.0,
    message: str = "",
    current: bool = False,
    samples: tuple[tuple[str, tuple[str, ...]], ...] = (),
    claims: tuple[bool | None, ...] = (),
    commands_taken: int = 0,
    network_point: int | None = None,
    explain: bool = False,
    series_points: int = SERIES_POINTS,
    boundary_of: BoundaryOf = boundary_grid,
    measured: Mapping[str, StepRecord | None] | None = None,
) -> Snapshot:
    """A Snapshot of the selected run in detail, with a RunView of every run.

    ``current``: measure every run's losses at the step it is at, so the numbers, the
    curves' last point and the boundary all belong to that step (for a slow pace; at full
    speed the latest logged record is close enough and costs nothing). ``samples`` (the
    text the models last wrote), ``claims`` and ``commands_taken`` are carried as given.
    ``network_point``: the selected run's network view with that training example (None:
    none); ``explain``: the selected run's last step explained (``backprop_view``);
    ``boundary_of``: what draws each decision boundary (``plane.HeldBoundaries`` keeps
    them between snapshots); ``measured``: with ``current``, the runs' ``current_records``
    if they were measured already."""
    now: Mapping[str, StepRecord | None] = dict.fromkeys(runs.names)
    if current:
        now = measured if measured is not None else current_records(runs)
    views = tuple(_run_view(runs, t, now[t.run_name], series_points, boundary_of)
                  for t in runs.trainers)
    landscape = build_landscape(list(runs.trainers), runs.paths,
                                {name: runs.colour(name) for name in runs.names})
    flat = landscape is None  # a loss landscape is drawn instead of what fits the data
    return build_snapshot(
        runs[runs.selected], steps_per_second=steps_per_second, message=message,
        series_points=series_points, now=now[runs.selected], runs=views,
        boundary_of=boundary_of,
        references=(*reference_levels(runs.base), *runs.baselines.items()),
        samples=samples, landscape=landscape,
        fit=fit_curve(runs) if flat else None,
        surface=surface(runs[runs.selected]) if flat else None,
        images=image_samples(runs) if flat else None,
        claims=claims, commands_taken=commands_taken,
        network=None if network_point is None else build_network_view(
            runs[runs.selected], network_point),
        explaining=explain,
        backprop=build_backprop_view(runs[runs.selected]) if explain else None)


#: How many validation images the image panel shows.
IMAGE_SAMPLES = 8


def image_samples(runs: RunSet, count: int = IMAGE_SAMPLES) -> ImageSamples | None:
    """For image classification, ``count`` validation images spread over the split (so
    ordered data shows every class), their labels and each run's predicted class."""
    data = runs.base.dataset
    shape = data.meta.get("image_shape")
    if shape is None or not runs.base.loss.classification:
        return None
    keep = spread(data.n_val, count)
    X = data.X_val[keep]
    guesses = []
    for t in runs.trainers:
        with np.errstate(all="ignore"):
            guess = t.loss.predict(t.net.forward(X.astype(t.net.dtype)))
        guesses.append((t.run_name, runs.colour(t.run_name), guess.astype(np.int64)))
    return ImageSamples(images=X.reshape(len(keep), *shape).astype(np.float64),
                        labels=data.y_val[keep].astype(np.int64).reshape(-1),
                        guesses=tuple(guesses))


def _regression_inputs(trainer: Trainer) -> int:
    """The input width of a one-output regression run (0 for anything else)."""
    data = trainer.dataset
    return data.input_dim if not trainer.loss.classification and data.output_dim == 1 else 0


def fit_curve(runs: RunSet, points: int = CURVE_POINTS) -> FitCurve | None:
    """For one-input regression, every run's prediction on ``points`` x values spanning
    the training inputs (and a tenth beyond each end)."""
    if any(_regression_inputs(t) != 1 for t in runs.trainers):
        return None
    data = runs.base.dataset
    lo, hi = float(data.X_train.min()), float(data.X_train.max())
    pad = 0.1 * max(hi - lo, 1e-9)
    x = np.linspace(lo - pad, hi + pad, points)
    curves = []
    for t in runs.trainers:
        with np.errstate(all="ignore"):
            y = t.net.forward(x.reshape(-1, 1).astype(t.net.dtype))[:, 0].astype(np.float64)
        curves.append((t.run_name, runs.colour(t.run_name), y))
    keep = spread(data.n_train)
    return FitCurve(x=x, curves=tuple(curves), train_x=data.X_train[keep, 0].copy(),
                    train_y=data.y_train.reshape(data.n_train, -1)[keep, 0].copy())


def surface(trainer: Trainer, resolution: int = BOUNDARY_RESOLUTION) -> Surface | None:
    """For two-input regression, the prediction on a grid over the training inputs."""
    if _regression_inputs(trainer) != 2:
        return None
    data = trainer.dataset
    lo, hi = data.X_train.min(axis=0), data.X_train.max(axis=0)
    pad = 0.05 * np.maximum(hi - lo, 1e-9)
    x0, x1, y0, y1 = lo[0] - pad[0], hi[0] + pad[0], lo[1] - pad[1], hi[1] + pad[1]
    grid = plane_grid((x0, x1, y0, y1), resolution, trainer.net.dtype)
    with np.errstate(all="ignore"):
        values = trainer.net.forward(grid)[:, 0].astype(np.float64)
    keep = spread(data.n_train)
    return Surface(extent=(float(x0), float(x1), float(y0), float(y1)),
                   values=values.reshape(resolution, resolution),
                   train_points=data.X_train[keep].copy(),
                   train_targets=data.y_train.reshape(data.n_train, -1)[keep, 0].copy())


#: How many names each model writes for the samples panel.
SAMPLE_COUNT = 6


def text_samples(runs: RunSet, seed: int) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Names written by every run's model, then by the bigram baseline, then real names
    from the validation split: (label, names) rows, all drawn with ``seed``; none for data
    that is not next-token text."""
    base = runs.base.dataset
    if base.name != "names":
        return ()
    context = base.meta["context"]
    rows = []
    for trainer in runs.trainers:
        def model(X: np.ndarray, net: MLP = trainer.net, loss: Loss = trainer.loss
                  ) -> np.ndarray:
            return loss.head(net.forward(X.astype(net.dtype, copy=False)))

        rng = np.random.default_rng(seed)
        rows.append((trainer.run_name, sample_names(model, context, rng, SAMPLE_COUNT)))
    rng = np.random.default_rng(seed)
    rows.append(("bigram", sample_names(bigram_probs(base), context, rng, SAMPLE_COUNT)))
    real = base.meta["val_names"]
    picks = np.random.default_rng(seed).choice(len(real), SAMPLE_COUNT, replace=False)
    rows.append(("real", tuple(real[i] for i in picks)))
    return tuple(rows)


def reference_levels(trainer: Trainer) -> tuple[tuple[str, float], ...]:
    """The loss of knowing nothing (``losses.chance_loss``), for the loss plot: "chance"
    for classification, "mean" for regression (the variance of the val targets)."""
    loss, data = trainer.loss, trainer.dataset
    if not loss.classification:
        return (("mean", chance_loss(loss.name, 0, data.y_val)),) if len(data.y_val) else ()
    label = "chance" if loss.name.endswith("_mse") else f"chance ln {data.n_classes}"
    return ((label, chance_loss(loss.name, data.n_classes, data.y_val)),)


def current_records(runs: RunSet) -> dict[str, StepRecord | None]:
    """Each run's ``current_record``, by name."""
    return {t.run_name: current_record(t) for t in runs.trainers}


def current_record(trainer: Trainer) -> StepRecord | None:
    """The latest record, its losses re-measured at the current step (None when the
    latest record is of this step already)."""
    latest = trainer.history.latest
    if latest is None or latest.step == trainer.step_count:
        return None
    train_loss, val_loss, train_acc, val_acc = trainer.current_losses()
    return replace(latest, step=trainer.step_count, train_loss=train_loss, val_loss=val_loss,
                   train_acc=train_acc, val_acc=val_acc)


def _run_view(runs: RunSet, trainer: Trainer, now: StepRecord | None,
              series_points: int, boundary_of: BoundaryOf) -> RunView:
    series, _, latest = history_views(trainer, series_points, with_bands=False)
    if now is not None:
        series, latest = with_point(series, now), now
    changes = config_diff(runs.base.config, trainer.config) if trainer is not runs.base else {}
    return RunView(
        name=trainer.run_name,
        colour=runs.colour(trainer.run_name),
        config=trainer.config,
        changes=describe_changes(changes, untold=_UNTOLD),
        step=trainer.step_count,
        status=trainer.status,
        paused=bool(trainer.paused),
        train_loss=latest.train_loss,
        val_loss=latest.val_loss,
        train_acc=latest.train_acc,
        val_acc=latest.val_acc,
        diagnoses=tuple(d.name for d in trainer.diagnoses),
        findings=folded(trainer.diagnoses),
        series=series,
        boundary=boundary_of(trainer, SMALL_BOUNDARY_RESOLUTION),
        act_std=tuple(float(x) for x in latest.act_std),
        grad_norm=tuple(float(x) for x in latest.grad_norm),
    )


#: Settings that every run of a lesson may differ in without it being the lesson's point.
_UNTOLD = ("train.steps", "train.log_every")


def describe_changes(changes: Mapping[str, Any], untold: tuple[str, ...] = ()) -> str:
    """``lr 0.3, activation relu, batch full``: settings by their last name, in a few
    words (the paths in ``untold`` left out). A switch of optimizer resets the options
    the new one does not read to their defaults; those resets are not news, and are
    left out too."""
    switched = "train.optimizer.name" in changes
    parts = []
    for path, value in changes.items():
        if path in untold or (switched and _optimizer_default(path, value)):
            continue
        if path == "train.batch_size" and value == 0:
            parts.append("batch full")
        else:
            parts.append(f"{_setting_name(path)} {_format(value)}")
    return ", ".join(parts)


def _optimizer_default(path: str, value: Any) -> bool:
    """``path`` is an option of the optimizer (not its name) set to its default."""
    prefix = "train.optimizer."
    option = path.removeprefix(prefix)
    return (path.startswith(prefix) and option != "name"
            and getattr(OptimizerConfig(), option, object()) == value)


def _setting_name(path: str) -> str:
    """The last meaningful part of a dotted path: ``lr``, ``optimizer`` (for ``.name``)."""
    parts = path.split(".")
    return parts[-2] if parts[-1] == "name" and len(parts) > 1 else parts[-1]


def _format(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, Init):
        return describe_init(value)
    if isinstance(value, tuple | list):  # a run of 3 or more equal values said once
        runs = [(v, len(list(same))) for v, same in itertools.groupby(value)]
        return "[" + ", ".join(f"{_format(v)} ×{n}" if n >= 3 else ", ".join([_format(v)] * n)
                               for v, n in runs) + "]"
    if dataclasses.is_dataclass(value):  # a sub-config switched on: its own settings
        fields = [f"{f.name} {_format(getattr(value, f.name))}" for f in dataclasses.fields(value)
                  if getattr(value, f.name) != f.default]
        return "(" + ", ".join(fields) + ")" if fields else "on"
    return str(value)
