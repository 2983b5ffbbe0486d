"""A sweep's summary curve: one metric of each finished point against a swept setting.

``summarize(preset, results)`` turns the RunResults finished so far into lines ready to
plot, one per run (``base``, ``ridge``) and, for a two-setting grid, per value of the
second setting (the points of a paired sweep make one line); with ``view.sweep_fit``
each line carries its power law ``y = coefficient * x ** exponent``, fitted by least
squares on log-log axes, and its R².
The preset's ``view`` chooses the axes (see ``Preset.View``): ``sweep_x`` is a swept
setting or ``n_params`` (a list value such as ``[50]`` counts as the product of its
entries: a width for one hidden layer; against ``n_params`` the first swept setting
varies along a line), ``sweep_y`` a StepRecord metric of the final
record, ``sweep_log`` which axes are logarithmic, ``sweep_mark`` a setting whose value is
marked on the x axis (``data.n_train``: the interpolation threshold p = n).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from nnterm.engine.experiments.experiment import RunResult
from nnterm.engine.preset_format.claims_schema import N_PARAMS
from nnterm.engine.preset_format.preset import Preset
from nnterm.engine.preset_format.values import format_value, normalize
from nnterm.engine.training.config import get_path


@dataclass(frozen=True)
class PowerLaw:
    """``y = coefficient * x ** exponent``; ``r2``: the share of the variance of log y
    that the straight line on log-log axes explains (1 is a perfect line)."""

    exponent: float
    coefficient: float
    r2: float


@dataclass(frozen=True)
class SweepLine:
    """One run's finished points (for a two-setting sweep, at one value of the second
    setting), sorted by x; NaN y values (a diverged point) are kept out of ``ys`` and
    counted in ``missing``."""

    label: str
    run: str
    xs: tuple[float, ...]
    ys: tuple[float, ...]
    missing: int = 0
    fit: PowerLaw | None = None


@dataclass(frozen=True)
class SweepSummary:
    x_label: str
    y_label: str
    log_x: bool
    log_y: bool
    lines: tuple[SweepLine, ...]
    mark: tuple[str, float] | None = None  # (label, x) of a vertical line


def point_x(x: str, point: Mapping[str, Any], n_params: int) -> float:
    """The x value of a point: its parameter count, or the swept setting's value (a list
    counts as the product of its entries). ValueError if it is not a number."""
    if x == N_PARAMS:
        return float(n_params)
    if x not in point:
        raise ValueError(f"{x} is not swept (swept: {', '.join(point)}; or {N_PARAMS})")
    value = normalize(point[x])
    if isinstance(value, tuple):
        if not value or not all(isinstance(v, (int, float)) for v in value):
            raise ValueError(f"{x} = {format_value(value)} is not a list of numbers")
        return float(math.prod(value))
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{x} = {format_value(value)} is not a number")
    return float(value)


def power_law(xs: Iterable[float], ys: Iterable[float]) -> PowerLaw:
    """Least-squares line through (log x, log y). Every value must be positive and finite
    and x must take at least two values (ValueError otherwise)."""
    with np.errstate(divide="ignore", invalid="ignore"):  # checked just below
        lx, ly = np.log(np.asarray(list(xs), float)), np.log(np.asarray(list(ys), float))
    if len(lx) != len(ly) or not (np.isfinite(lx).all() and np.isfinite(ly).all()):
        raise ValueError("a power law needs positive finite values")
    dx = lx - lx.mean()
    if not np.any(dx):
        raise ValueError("a power law needs at least two values of x")
    slope = float(np.dot(dx, ly - ly.mean()) / np.dot(dx, dx))
    intercept = float(ly.mean() - slope * lx.mean())
    residual = ly - (intercept + slope * lx)
    spread = float(np.dot(ly - ly.mean(), ly - ly.mean()))
    r2 = 1.0 - float(np.dot(residual, residual)) / spread if spread > 0 else 1.0
    return PowerLaw(exponent=slope, coefficient=math.exp(intercept), r2=r2)


def sweep_x(preset: Preset) -> str:
    """The x axis: the preset's ``view.sweep_x``, else its first swept setting."""
    if preset.view.sweep_x is not None:
        return preset.view.sweep_x
    return next(iter(preset.sweep.params)) if preset.sweep is not None else N_PARAMS


def summarize(preset: Preset, results: Iterable[RunResult]) -> SweepSummary:
    """The summary curve of the ``results`` finished so far (in any order)."""
    view = preset.view
    x = sweep_x(preset)
    sweep = preset.sweep
    swept = [] if sweep is None or sweep.paired else list(sweep.params)
    along = x if x != N_PARAMS else (swept[0] if swept else x)  # what varies along a line
    second = [p for p in swept if p != along]  # one line per value (a paired sweep: none)
    groups: dict[str, tuple[str, list[tuple[float, float]]]] = {}
    for run in results:
        key = run.name + "".join(f", {p}={format_value(run.point[p])}" for p in second)
        y = float(getattr(run.final, view.sweep_y))
        groups.setdefault(key, (run.name, []))[1].append(
            (point_x(x, run.point, run.n_params), y))
    order = {name: i for i, name in enumerate(preset.run_names)}
    lines = []
    for label, (run_name, points) in sorted(groups.items(),
                                            key=lambda g: (order[g[1][0]], g[0])):
        points.sort()
        kept = [(px, py) for px, py in points if math.isfinite(py)]
        fit = None
        if view.sweep_fit and len({px for px, _ in kept}) >= 2 and all(
                px > 0 and py > 0 for px, py in kept):
            fit = power_law(*zip(*kept, strict=True))
        lines.append(SweepLine(label=label, run=run_name, xs=tuple(px for px, _ in kept),
                               ys=tuple(py for _, py in kept),
                               missing=len(points) - len(kept), fit=fit))
    mark = None
    if view.sweep_mark is not None:
        value = float(get_path(preset.config, view.sweep_mark))
        mark = (f"{view.sweep_mark.rsplit('.', 1)[-1]} = {value:g}", value)
    log_x, log_y = {"none": (False, False), "x": (True, False),
                    "both": (True, True)}[view.sweep_log]
    return SweepSummary(x_label=x, y_label=view.sweep_y, log_x=log_x, log_y=log_y,
                        lines=tuple(lines), mark=mark)
