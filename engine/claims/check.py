"""Check a preset's claims (``expect``) against the runs it produced.

``check_claims(preset, result)`` returns one ClaimResult per claim, in order: what the
claim says in words, what was expected, what was measured and whether it held. A claim
never raises: a run, point, metric or baseline that does not exist fails the claim, and
``measured`` says why.

Semantics:

- A metric is a StepRecord field (``val_loss``), or one entry of a per-layer field
  (``grad_norm[0]``, ``act_std[-1]``; negative indices count from the end).
- ``at``: ``end`` is the final record; ``min``/``max`` are over every kept record of the
  run (NaN records ignored); an integer is the record of that step or, if that step was
  not logged, of the nearest logged step before it (the last record of a run that stopped
  earlier); a window ``(first, last)`` is the median over the records logged at steps
  first..last (NaN records ignored).
- ``point`` picks a sweep point (``{"model.hidden": [50]}``; it may leave out swept paths
  if it still matches one point). A claim on a swept run without a point fails.
- ``than``: ``value``; or ``metric`` of ``run`` at ``at`` and ``point`` (each defaulting
  to the claim's own); or a dataset ``baseline`` of the run's data; times ``factor``.
- NaN (or a missing value such as the accuracy of a regression) fails the claim.
- SweepClaim: the point of ``run`` where the metric is largest/smallest (NaN points left
  out) must have ``param`` equal to ``equals``.
- SlopeClaim: the least-squares slope of log(metric) against log(x) over all points of the
  run's sweep. ``x`` is a swept path or ``n_params``; a list value such as ``[50]`` counts
  as the product of its entries (its single entry, for one hidden layer).
- DiagnosisClaim: over every point of the run; ``present`` holds if any point triggered
  the diagnosis, absent if none did.
- ExplainedClaim: over every point of the run, every diagnosis is one the claim names or
  is folded under a root cause it names (``causes.unexplained``); naming none claims no
  diagnosis at all.
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from nnterm.engine.experiments.experiment import (
    ExperimentResult,
    ResultLookupError,
    RunResult,
)
from nnterm.engine.experiments.sweep_summary import point_x, power_law
from nnterm.engine.preset_format.preset import (
    At,
    Claim,
    DiagnosisClaim,
    ExplainedClaim,
    MetricClaim,
    Preset,
    Reference,
    SlopeClaim,
    SweepClaim,
)
from nnterm.engine.preset_format.values import format_value, normalize, run_label
from nnterm.engine.training.causes import unexplained
from nnterm.engine.training.telemetry import StepRecord

#: Metrics that are fractions of examples, said as percentages.
PERCENT_METRICS = ("train_acc", "val_acc")
#: ``compare(measured, threshold)``: true when the claim holds (a NumPy bool for NumPy floats).
Comparison = Callable[[float, float], object]
_OPS: dict[str, Comparison] = {"<": operator.lt, "<=": operator.le, ">": operator.gt,
                               ">=": operator.ge}
_METRIC = re.compile(r"^\s*([A-Za-z_]\w*)\s*(?:\[\s*(-?\d+)\s*\])?\s*$")


@dataclass(frozen=True)
class ClaimResult:
    """The verdict on one claim. ``measured`` is a number, or text when there was no
    number to measure (a missing run, a NaN) or the measurement is not a number."""

    claim: Claim
    description: str
    expected: str
    measured: float | str
    passed: bool

    @property
    def measured_text(self) -> str:
        if not isinstance(self.measured, float):
            return str(self.measured)
        if isinstance(self.claim, MetricClaim):  # (a slope or R² is a plain number)
            return value_text(self.claim.metric, self.measured)
        return _num(self.measured)


class ClaimError(Exception):
    """Why a claim could not be measured (becomes the failed claim's ``measured``)."""


def named_diagnoses(preset: Preset) -> dict[str, tuple[str, ...] | None]:
    """Per run of ``preset``, the diagnoses its lesson names (its ``diagnoses`` or
    ``healthy`` claim; the last if several), None for a run that declares none."""
    named: dict[str, tuple[str, ...] | None] = dict.fromkeys(preset.run_names)
    for claim in preset.expect:
        if isinstance(claim, ExplainedClaim):
            named[claim.run] = claim.names
    return named


def check_claims(preset: Preset, result: ExperimentResult) -> list[ClaimResult]:
    """One ClaimResult per claim of ``preset.expect``, in order."""
    return [check_claim(claim, result) for claim in preset.expect]


def check_claim(claim: Claim, result: ExperimentResult) -> ClaimResult:
    """The verdict on one claim; never raises for a bad claim or a missing run."""
    checkers: dict[type, Callable[[Any, ExperimentResult], ClaimResult]] = {
        MetricClaim: _check_metric,
        SweepClaim: _check_sweep,
        SlopeClaim: _check_slope,
        DiagnosisClaim: _check_diagnosis,
        ExplainedClaim: _check_explained,
    }
    checker = checkers.get(type(claim))
    if checker is None:
        return ClaimResult(claim, repr(claim), "", f"unknown kind of claim: {type(claim).__name__}",
                           False)
    return checker(claim, result)


# ---------------------------------------------------------------------- claim kinds
def _check_metric(claim: MetricClaim, result: ExperimentResult) -> ClaimResult:
    subject = _subject(claim.metric, claim.run, claim.at, claim.point)
    ref_text = _reference_text(claim.than, claim, unit=claim.metric)
    description = f"{subject} {claim.op} {ref_text}"
    expected = f"{claim.op} {ref_text}"
    try:
        compare = _op(claim.op)
        measured = measure(result, claim.metric, claim.run, claim.at, claim.point)
        threshold = _resolve(claim.than, claim, result)
    except ClaimError as e:
        return ClaimResult(claim, description, expected, str(e), False)
    expected = f"{claim.op} {value_text(claim.metric, threshold)}"
    return _compare(claim, description, expected, measured, threshold, compare, result,
                    claim.run, claim.point)


def _check_sweep(claim: SweepClaim, result: ExperimentResult) -> ClaimResult:
    at = "" if claim.at == "end" else f" at {_at_text(claim.at)}"
    description = (f"the point of {claim.run} with the "
                   f"{'largest' if claim.kind == 'argmax' else 'smallest'} "
                   f"{claim.metric}{at} has {claim.param} = {format_value(claim.equals)}")
    expected = f"{claim.param} = {format_value(claim.equals)}"
    try:
        if claim.kind not in ("argmax", "argmin"):
            raise ClaimError(f"unknown sweep claim {claim.kind!r} (argmax or argmin)")
        points = _swept_points(result, claim.run)
        if claim.param not in points[0][0]:
            raise ClaimError(f"{claim.param} is not swept in run {claim.run!r} "
                             f"(swept: {', '.join(points[0][0])})")
        scored = []
        for point, run in points:
            value = _value_at(run, claim.metric, claim.at)
            if not math.isnan(value):
                scored.append((value, point))
        if not scored:
            raise ClaimError(f"{claim.metric} is NaN at every point of run {claim.run!r}")
        pick = max if claim.kind == "argmax" else min
        best_value, best_point = pick(scored, key=lambda vp: vp[0])
    except ClaimError as e:
        return ClaimResult(claim, description, expected, str(e), False)
    found = best_point[claim.param]
    measured = (f"{claim.param} = {format_value(found)} "
                f"({claim.metric} {value_text(claim.metric, best_value)})")
    return ClaimResult(claim, description, expected, measured,
                       normalize(found) == normalize(claim.equals))


def _check_slope(claim: SlopeClaim, result: ExperimentResult) -> ClaimResult:
    at = "" if claim.at == "end" else f" at {_at_text(claim.at)}"
    ref_text = _reference_text(claim.than, claim)
    what = "slope of" if claim.measure == "slope" else "R² of the line through"
    description = (f"{what} log {claim.metric}{at} against log {claim.x} over the sweep of "
                   f"{claim.run} {claim.op} {ref_text}")
    expected = f"{claim.op} {ref_text}"
    try:
        compare = _op(claim.op)
        xs, ys = [], []
        for point, run in _swept_points(result, claim.run):
            xs.append(_x_value(claim.x, point, run))
            ys.append(_value_at(run, claim.metric, claim.at))
        slope = log_log_slope(xs, ys, claim.metric, claim.x)
        measured = slope if claim.measure == "slope" else power_law(xs, ys).r2
        threshold = _resolve(claim.than, claim, result)
    except ClaimError as e:
        return ClaimResult(claim, description, expected, str(e), False)
    expected = f"{claim.op} {_num(threshold)}"
    return _compare(claim, description, expected, measured, threshold, compare, result,
                    claim.run, None)


def _check_diagnosis(claim: DiagnosisClaim, result: ExperimentResult) -> ClaimResult:
    description = (f"{claim.run} {'triggers' if claim.present else 'does not trigger'} "
                   f"diagnosis {claim.name}")
    expected = f"{claim.name} {'present' if claim.present else 'absent'}"
    try:
        runs = [run for _, run in _points(result, claim.run)]
    except ClaimError as e:
        return ClaimResult(claim, description, expected, str(e), False)
    found = any(d.name == claim.name for run in runs for d in run.diagnoses)
    return ClaimResult(claim, description, expected, _diagnoses_seen(runs),
                       found == claim.present)


def _check_explained(claim: ExplainedClaim, result: ExperimentResult) -> ClaimResult:
    if claim.names:
        named = ", ".join(claim.names)
        description = (f"{claim.run} triggers no diagnosis but {named} (or one folded under "
                       "them)")
        expected = f"only {named}"
    else:
        description, expected = f"{claim.run} triggers no diagnosis", "no diagnosis"
    try:
        runs = [run for _, run in _points(result, claim.run)]
    except ClaimError as e:
        return ClaimResult(claim, description, expected, str(e), False)
    passed = not any(unexplained(run.diagnoses, claim.names) for run in runs)
    return ClaimResult(claim, description, expected, _diagnoses_seen(runs), passed)


def _diagnoses_seen(runs: list[RunResult]) -> str:
    """Every diagnosis of ``runs`` with its step (and its point, for several); a
    consequence says the root cause it is folded under."""
    seen: list[str] = []
    for run in runs:
        for d in run.diagnoses:
            label = d.name if len(runs) == 1 else f"{d.name} ({run.label})"
            seen.append(f"{label} at step {d.step}" + (f" (from {d.cause})" if d.cause else ""))
    return ", ".join(seen) if seen else "no diagnosis"


# ---------------------------------------------------------------------- measuring
def measure(result: ExperimentResult, metric: str, run: str, at: At = "end",
            point: Mapping[str, Any] | None = None) -> float:
    """``metric`` of ``run`` (at ``point``) at ``at``; ClaimError if it cannot be measured.
    May return NaN (the caller decides)."""
    return _value_at(_get(result, run, point), metric, at)


def record_at(records: list[StepRecord], at: str | int) -> StepRecord:
    """The record at step ``at`` or, if it was not logged, the nearest one before it."""
    step = _step(at)
    before = [r for r in records if r.step <= step]
    if not before:
        raise ClaimError(f"no record at or before step {step} (first: {records[0].step})")
    return before[-1]  # the last one: a restored early-stopped run logs its step twice


def log_log_slope(xs: list[float], ys: list[float], metric: str = "y", x: str = "x") -> float:
    """The least-squares slope of log(y) against log(x); ClaimError unless every value is
    positive and finite and x takes at least two values."""
    for xv, yv in zip(xs, ys, strict=True):
        if not (math.isfinite(xv) and xv > 0):
            raise ClaimError(f"{x} = {_num(xv)}: a log-log slope needs positive values")
        if not (math.isfinite(yv) and yv > 0):
            raise ClaimError(f"{metric} = {_num(yv)} (at {x} = {_num(xv)}): "
                             f"a log-log slope needs positive finite values")
    if len(set(xs)) < 2:
        raise ClaimError(f"a slope needs at least two values of {x} (got {len(set(xs))})")
    return power_law(xs, ys).exponent


def _value_at(run: RunResult, metric: str, at: At) -> float:
    if not run.records:
        raise ClaimError(f"run {run.label} has no records")
    if isinstance(at, tuple):
        return _window_median(run, metric, *at)
    if at == "end":
        return _value(run.final, metric)
    if at in ("min", "max"):
        values = [_value(r, metric) for r in run.records]
        finite = [v for v in values if not math.isnan(v)]
        if not finite:
            return float("nan")
        return min(finite) if at == "min" else max(finite)
    return _value(record_at(run.records, at), metric)


def _window_median(run: RunResult, metric: str, first: int, last: int) -> float:
    """The median of ``metric`` over the records logged at steps first..last (NaN records
    left out; NaN if all are): one spike of a noisy run moves it little."""
    inside = [r for r in run.records if first <= r.step <= last]
    if not inside:
        raise ClaimError(f"run {run.label} logged no step in {first}..{last}")
    values = [_value(r, metric) for r in inside]
    finite = [v for v in values if not math.isnan(v)]
    return float(np.median(finite)) if finite else float("nan")


def _value(record: StepRecord, metric: str) -> float:
    m = _METRIC.match(metric)
    if m is None:
        raise ClaimError(f"bad metric {metric!r} (a record field, e.g. val_loss or grad_norm[0])")
    name, index = m.group(1), m.group(2)
    if name not in getattr(type(record), "__dataclass_fields__", {}) or name.endswith("_hist"):
        raise ClaimError(f"unknown metric {name!r}")
    value = getattr(record, name)
    if isinstance(value, tuple):
        if index is None:
            raise ClaimError(f"{name} has one value per layer: name one, e.g. {name}[0]")
        i = int(index)
        if not -len(value) <= i < len(value):
            raise ClaimError(f"{metric}: index out of range ({name} has {len(value)} layers)")
        value = value[i]
    elif index is not None:
        raise ClaimError(f"{name} is a single number: drop the index [{index}]")
    if value is None:
        raise ClaimError(f"{metric} was not measured in this run")
    if isinstance(value, str) or not isinstance(value, (int, float, np.number)):
        raise ClaimError(f"{metric} is not a number")
    return float(value)


def _x_value(x: str, point: Mapping[str, Any], run: RunResult) -> float:
    try:
        return point_x(x, point, run.n_params)
    except ValueError as e:
        raise ClaimError(str(e)) from None


def _resolve(ref: Reference, claim: Any, result: ExperimentResult) -> float:
    """The number a claim compares with (the reference times its factor)."""
    if ref.value is not None:
        return float(ref.value) * ref.factor
    run = ref.run or claim.run
    if ref.baseline is not None:
        try:
            baselines = result.baselines(run)
        except ResultLookupError as e:
            raise ClaimError(f"reference: {e}") from None
        if ref.baseline not in baselines:
            have = ", ".join(baselines) or "none"
            raise ClaimError(f"the data of run {run!r} has no {ref.baseline} baseline "
                             f"(baselines: {have})")
        return float(baselines[ref.baseline]) * ref.factor
    metric, at, point = _reference_target(ref, claim)
    try:
        value = measure(result, metric, run, at, point)
    except ClaimError as e:
        raise ClaimError(f"reference: {e}") from None
    return value * ref.factor


def _reference_target(ref: Reference, claim: Any) -> tuple[str, At, Any]:
    metric = ref.metric or claim.metric
    at = ref.at if ref.at is not None else claim.at
    point = ref.point if ref.point is not None else getattr(claim, "point", None)
    return metric, at, point


def _compare(claim: Claim, description: str, expected: str, measured: float, threshold: float,
             compare: Comparison, result: ExperimentResult, run: str,
             point: Mapping[str, Any] | None) -> ClaimResult:
    if math.isnan(measured):
        why = ""
        try:
            stopped = _get(result, run, point)
            why = f": {stopped.stop_reason}" if stopped.stop_reason else ""
        except ClaimError:
            pass
        return ClaimResult(claim, description, expected, f"NaN (not a number{why})", False)
    if math.isnan(threshold):
        return ClaimResult(claim, description, f"{expected} (the reference is NaN)",
                           measured, False)
    return ClaimResult(claim, description, expected, measured, bool(compare(measured, threshold)))


# ---------------------------------------------------------------------- lookups and text
def _get(result: ExperimentResult, run: str, point: Mapping[str, Any] | None) -> RunResult:
    try:
        return result.get(run, point)
    except ResultLookupError as e:
        raise ClaimError(str(e)) from None


def _points(result: ExperimentResult, run: str) -> list[tuple[dict[str, Any], RunResult]]:
    try:
        return result.points(run)
    except ResultLookupError as e:
        raise ClaimError(str(e)) from None


def _swept_points(result: ExperimentResult, run: str) -> list[tuple[dict[str, Any], RunResult]]:
    points = _points(result, run)
    if not points[0][0]:
        raise ClaimError(f"run {run!r} has no sweep")
    return points


def _op(op: str) -> Comparison:
    if op not in _OPS:
        raise ClaimError(f"unknown comparison {op!r} (one of {', '.join(_OPS)})")
    return _OPS[op]


def _step(at: str | int) -> int:
    if isinstance(at, bool):
        raise ClaimError(f"bad 'at': {at!r} (end, min, max or a step number)")
    if isinstance(at, int):
        return at
    if isinstance(at, str) and re.fullmatch(r"\s*\d+\s*", at):
        return int(at)
    raise ClaimError(f"bad 'at': {at!r} (end, min, max or a step number)")


def _at_text(at: At) -> str:
    if isinstance(at, tuple):
        return f"steps {at[0]}-{at[1]} (median)"
    return at if at in ("end", "min", "max") else f"step {at}"


def _subject(metric: str, run: str, at: At, point: Mapping[str, Any] | None) -> str:
    return f"{metric} of {run_label(run, point)} at {_at_text(at)}"


def _reference_text(ref: Reference, claim: Any, unit: str = "") -> str:
    """The reference in words; a value as a value of the metric ``unit`` (if any)."""
    factor = "" if ref.factor == 1 else f"{_num(ref.factor)} x "
    if ref.value is not None:
        return value_text(unit, float(ref.value) * ref.factor)
    if ref.baseline is not None:
        return f"{factor}{ref.baseline} baseline"
    metric, at, point = _reference_target(ref, claim)
    return factor + _subject(metric, ref.run or claim.run, at, point)


def _num(x: float) -> str:
    return f"{x:.4g}"


def value_text(metric: str, x: float) -> str:
    """``x``, a value of ``metric``: an accuracy as a percentage, as the app shows it
    (1 is 100%, 0.5 is 50%), anything else to 4 significant digits."""
    name = metric.split("[")[0].strip()
    return f"{100 * x:.4g}%" if name in PERCENT_METRICS else _num(x)
