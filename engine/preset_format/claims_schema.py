"""The ``expect`` part of a preset file: claims checked after the run.

``build_claims(raw, where, runs)`` turns the YAML list into MetricClaim / SweepClaim /
SlopeClaim / DiagnosisClaim / ExplainedClaim objects, checking every name against what
exists (runs, metrics and their layer indices, steps, sweep settings and values,
diagnoses, baselines); ``claim_to_raw`` is the way back. The schema is documented in
``loader``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from nnterm.engine.preset_format.errors import Where, show, suggest
from nnterm.engine.preset_format.preset import (
    BASE,
    OPERATORS,
    At,
    DiagnosisClaim,
    ExplainedClaim,
    MetricClaim,
    Reference,
    SlopeClaim,
    Sweep,
    SweepClaim,
)
from nnterm.engine.preset_format.specs import Bool, Choice, Real, check_keys
from nnterm.engine.preset_format.yaml_io import FlowDict, FlowList, to_raw
from nnterm.engine.training.config import Config
from nnterm.engine.training.diagnostics import DIAGNOSES

#: StepRecord fields holding one number.
SCALAR_METRICS = ("train_loss", "val_loss", "batch_loss", "penalty", "train_acc", "val_acc",
                  "lr", "epoch", "step")
#: Per-layer StepRecord lists over every layer, input to output (``grad_norm[0]``).
LAYER_METRICS = ("grad_norm", "update_ratio")
#: Per-layer StepRecord lists over the hidden layers (``act_std[-1]``).
HIDDEN_METRICS = ("act_mean", "act_std", "dead_frac", "saturation", "unit_spread")
METRICS = SCALAR_METRICS + LAYER_METRICS + HIDDEN_METRICS
#: Reference values computed from a dataset (``than: {baseline: bigram}``).
BASELINES = ("bigram",)
#: ``at:`` words; otherwise a step number.
AT_WORDS = ("end", "min", "max")
#: ``x:`` of a slope claim besides a swept setting: the network's parameter count.
N_PARAMS = "n_params"

KINDS = ("metric", "argmax", "argmin", "slope", "r2", "diagnosis", "diagnoses", "healthy")
CLAIM_KEYS = {
    "metric": ("metric", "run", "point", "at", "op", "value", "than"),
    "argmax": ("argmax", "param", "equals", "run", "at"),
    "argmin": ("argmin", "param", "equals", "run", "at"),
    "slope": ("slope", "x", "op", "value", "than", "run", "at"),
    "r2": ("r2", "x", "op", "value", "than", "run", "at"),
    "diagnosis": ("diagnosis", "present", "run"),
    "diagnoses": ("diagnoses", "run"),
    "healthy": ("healthy", "run"),
}
_KINDS_ALLOWED = ("a mapping with one of metric, argmax, argmin, slope, r2, diagnosis, "
                  "diagnoses, healthy")
_DIAGNOSES_ALLOWED = f"a list of diagnoses, each once: {', '.join(DIAGNOSES)}"
_METRIC = re.compile(r"\s*([A-Za-z_]+)\s*(?:\[\s*(-?[0-9]{1,6})\s*\])?\s*")


@dataclass(frozen=True)
class Runs:
    """What claims may refer to: each run's configs, one per sweep point (the point maps
    swept paths to values), the sweep, and ``convert(path, value, where)``, which checks a
    value for a swept path like the file's own and returns it converted."""

    points: Mapping[str, Sequence[tuple[Mapping[str, Any], Config]]]
    sweep: Sweep | None
    convert: Callable[[str, Any, Where], Any]

    def configs(self, run: str, point: Mapping[str, Any] | None = None) -> list[Config]:
        return [c for p, c in self.points[run]
                if point is None or all(p.get(k) == v for k, v in point.items())]


def _diagnoses(raw: Any, at: Where) -> tuple[str, ...]:
    """The names of a ``diagnoses:`` claim: a list of diagnoses, none twice."""
    if not isinstance(raw, list):
        raise at.error(f"{show(raw)} is not a list of diagnoses", raw, _DIAGNOSES_ALLOWED)
    names: list[str] = []
    for i, item in enumerate(raw):
        name = Choice(DIAGNOSES, "diagnosis").check(item, at / i)
        if name in names:
            raise (at / i).error(f"{name} is named twice", name, _DIAGNOSES_ALLOWED)
        names.append(name)
    return tuple(names)


def build_claims(raw: Any, at: Where, runs: Runs) -> tuple[Any, ...]:
    """The claims of an ``expect`` list."""
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise at.error(f"{show(raw)} is not a list of claims", raw, "a list of claims")
    return tuple(build_claim(item, at / i, runs) for i, item in enumerate(raw))


def build_claim(raw: Any, at: Where, runs: Runs) -> Any:
    """One claim (an item of ``expect``, or a lesson step's ``claim``)."""
    if not isinstance(raw, dict):
        raise at.error(f"{show(raw)} is not a claim", raw, _KINDS_ALLOWED)
    kinds = [k for k in KINDS if k in raw]
    if len(kinds) != 1:
        problem = (f"a claim has one kind, not {' and '.join(kinds)}" if kinds
                   else "a claim needs a kind")
        raise at.error(problem, None, _KINDS_ALLOWED)
    kind = kinds[0]
    check_keys(raw, at, CLAIM_KEYS[kind], f"{kind} claim")
    run = _run(raw["run"], at / "run", runs) if "run" in raw else BASE
    if kind == "healthy":
        if not Bool().check(raw["healthy"], at / "healthy"):
            raise (at / "healthy").error("healthy: false claims nothing; name the diagnosis "
                                         "instead (diagnosis: dead_relu)", False, "true")
        return ExplainedClaim((), run)
    if kind == "diagnoses":
        return ExplainedClaim(_diagnoses(raw["diagnoses"], at / "diagnoses"), run)
    if kind == "diagnosis":
        name = Choice(DIAGNOSES, "diagnosis").check(raw["diagnosis"], at / "diagnosis")
        present = Bool().check(raw["present"], at / "present") if "present" in raw else True
        return DiagnosisClaim(name, present, run)
    if kind == "metric":
        point = _point(raw["point"], at / "point", runs) if "point" in raw else None
        sweep = runs.sweep
        if point is None and sweep is not None and len(sweep.points) > 1:
            first = next(iter(sweep.params))
            raise at.error("every run is swept: say at which point", None,
                           f"point: {{{first}: {show(sweep.params[first][0])}, ...}}")
        configs = runs.configs(run, point)
        metric = _metric(raw["metric"], at / "metric", configs)
        when = _at(raw.get("at", "end"), at / "at", configs)
        op, than = _comparison(raw, at, runs, run, metric, when, point, slope=False)
        return MetricClaim(metric, op, than, run, when, point)
    sweep = _need_sweep(runs, at / kind)
    configs = runs.configs(run)
    metric = _metric(raw[kind], at / kind, configs)
    when = _at(raw.get("at", "end"), at / "at", configs)
    if kind in ("slope", "r2"):
        x = _required(raw, "x", at, f"{N_PARAMS} or a swept setting: {', '.join(sweep.params)}")
        if x != N_PARAMS:
            x = _swept_path(x, at / "x", sweep, extra=(N_PARAMS,))
            if not all(_positive(v) or isinstance(v, tuple) and v and all(map(_positive, v))
                       for v in sweep.params[x]):
                raise (at / "x").error(f"the values of {x} are not all numbers > 0, so "
                                       "log(x) is undefined", x, f"{N_PARAMS}, or a swept "
                                       "setting whose values are numbers > 0 or lists of "
                                       "them (a list counts as the product of its entries)")
        op, than = _comparison(raw, at, runs, run, metric, when, None, slope=True)
        return SlopeClaim(metric, x, op, than, run, when, measure=kind)
    param = _swept_path(_required(raw, "param", at, ", ".join(sweep.params)), at / "param",
                        sweep)
    _required(raw, "equals", at, "one of the swept values")
    equals = _swept_value(param, raw["equals"], at / "equals", runs)
    return SweepClaim(kind, metric, param, equals, run, when)


def _positive(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value > 0


def _required(raw: dict[str, Any], key: str, at: Where, allowed: str) -> Any:
    if key not in raw:
        raise (at / key).error(f"missing: this claim needs {key}:", None, allowed)
    return raw[key]


def _run(value: Any, at: Where, runs: Runs) -> str:
    return Choice(tuple(runs.points), "run").check(value, at)


def _need_sweep(runs: Runs, at: Where) -> Sweep:
    if runs.sweep is None:
        raise at.error("this refers to a sweep, and the preset has none", None,
                       "a sweep: section with the settings to vary")
    return runs.sweep


def _swept_path(value: Any, at: Where, sweep: Sweep, extra: tuple[str, ...] = ()) -> str:
    allowed = (*extra, *sweep.params)
    if not isinstance(value, str) or value not in sweep.params:
        raise at.error(f"{show(value)} is not a swept setting{suggest(value, allowed)}", value,
                       ", ".join(allowed))
    return value


def _swept_value(path: str, value: Any, at: Where, runs: Runs) -> Any:
    """``value`` (YAML data) as the equal value of the sweep's list for ``path``."""
    sweep = runs.sweep
    assert sweep is not None, "its callers have checked that there is one (_need_sweep)"
    converted = runs.convert(path, value, at)
    for candidate in sweep.params[path]:
        if candidate == converted:
            return candidate
    raise at.error(f"{show(value)} is not one of the values swept for {path}", value,
                   ", ".join(show(v) for v in sweep.params[path]))


def _point(value: Any, at: Where, runs: Runs) -> dict[str, Any]:
    """One point of the sweep, with every swept path: a path left out is filled in from
    the one point that the given values pick (in a grid, it must have one value)."""
    sweep = _need_sweep(runs, at)
    check_keys(value, at, tuple(sweep.params), "sweep point")
    given = {p: _swept_value(p, value[p], at / p, runs) for p in sweep.params if p in value}
    found = [point for point in sweep.points if all(point[p] == v for p, v in given.items())]
    if len(found) != 1:
        missing = [p for p in sweep.params if p not in value]
        raise at.error(f"the point does not give {', '.join(missing)}" if found else
                       "no point of the sweep has these values together", value,
                       f"a mapping with a value for each of {', '.join(sweep.params)}")
    return found[0]


def _metric(value: Any, at: Where, configs: list[Config]) -> str:
    """A metric name, with a layer index (normalised to ``name[i]``) for per-layer lists."""
    allowed = ", ".join((*SCALAR_METRICS, *(f"{m}[i]" for m in LAYER_METRICS + HIDDEN_METRICS)))
    match = _METRIC.fullmatch(value) if isinstance(value, str) else None
    if match is None or match.group(1) not in METRICS:
        word = match.group(1) if match else value
        problem = (f"unknown metric {value!r}{suggest(word, METRICS)}" if isinstance(value, str)
                   else f"{show(value)} is not a metric name")
        raise at.error(problem, value, allowed)
    name, index = match.group(1), match.group(2)
    if name in SCALAR_METRICS:
        if index is not None:
            raise at.error(f"{name} is one number, not a list per layer", value, name)
        return name
    if index is None:
        raise at.error(f"{name} has one value per layer: say which", value,
                       f"{name}[0], {name}[-1], ...")
    i = int(index)
    for config in configs:
        n = len(config.model.hidden) + (name in LAYER_METRICS)
        if not -n <= i < n:
            layers = "layer" if name in LAYER_METRICS else "hidden layer"
            allowed = f"an index in {-n}..{n - 1}" if n else f"none: the run has no {layers}s"
            raise at.error(f"{name}[{i}]: the run has {n} {layers}{'s' * (n != 1)}", value,
                           allowed)
    return f"{name}[{i}]"


def _at(value: Any, at: Where, configs: list[Config]) -> At:
    steps = max(c.train.steps for c in configs)
    allowed = f"{', '.join(AT_WORDS)}, a step in 0..{steps} or a window [first, last]"
    if isinstance(value, list):
        if len(value) != 2:
            raise at.error(f"a window is two steps [first, last], not {len(value)}", value,
                           allowed)
        first, last = (_step(v, at / i, steps, allowed) for i, v in enumerate(value))
        if first >= last:
            raise at.error(f"the window [{first}, {last}] is empty: first must be below last",
                           value, allowed)
        return first, last
    return _step_in(value, at, steps, allowed)


def _step_in(value: Any, at: Where, steps: int, allowed: str) -> str | int:
    """A step in 0..steps, or one of AT_WORDS."""
    if isinstance(value, str):
        if value not in AT_WORDS:
            raise at.error(f"unknown step {value!r}{suggest(value, AT_WORDS)}", value, allowed)
        return value
    return _step(value, at, steps, allowed)


def _step(value: Any, at: Where, steps: int, allowed: str) -> int:
    """A step in 0..steps."""
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise at.error(f"{show(value)} is not a step", value, allowed)
    if not 0 <= value <= steps:
        raise at.error(f"step {value} is outside the run", value, allowed)
    return value


def _comparison(raw: dict[str, Any], at: Where, runs: Runs, run: str, metric: str, when: At,
                point: dict[str, Any] | None, *, slope: bool) -> tuple[str, Reference]:
    op = Choice(OPERATORS, "operator").check(_required(raw, "op", at, ", ".join(OPERATORS)),
                                             at / "op")
    than_keys = ("run", "metric", "at", "factor") + (() if slope else ("point", "baseline"))
    if ("value" in raw) == ("than" in raw):
        problem = "give value: or than:, not both" if "value" in raw else "missing value: or than:"
        raise at.error(problem, None, f"value: a number, or than: a mapping with keys "
                                      f"{', '.join(than_keys)}")
    if "value" in raw:
        return op, Reference(value=Real().check(raw["value"], at / "value"))
    ref, at = raw["than"], at / "than"
    check_keys(ref, at, than_keys, "than")
    factor = Real(0, low_open=True).check(ref["factor"], at / "factor") if "factor" in ref else 1.0
    ref_run = _run(ref["run"], at / "run", runs) if "run" in ref else run
    if "baseline" in ref:
        clash = [k for k in ("metric", "at", "point") if k in ref]
        if clash:
            raise (at / clash[0]).error(f"a baseline is one number; {clash[0]} does not apply",
                                        ref[clash[0]], "run, baseline, factor")
        baseline = Choice(BASELINES, "baseline").check(ref["baseline"], at / "baseline")
        for config in runs.configs(ref_run):
            if config.data.name != "names":
                raise (at / "baseline").error(
                    f"the {baseline} baseline needs the names dataset; run {ref_run!r} uses "
                    f"{config.data.name!r}", baseline, "a baseline on a names run")
        return op, Reference(run=ref_run, baseline=baseline, factor=factor)
    ref_point = _point(ref["point"], at / "point", runs) if "point" in ref else point
    configs = runs.configs(ref_run, ref_point)
    ref_metric = _metric(ref.get("metric", metric), at / "metric", configs)
    ref_at = _at(ref.get("at", _at_raw(when)), at / "at", configs)
    return op, Reference(run=ref_run, metric=ref_metric, at=ref_at, point=ref_point,
                         factor=factor)


# ---------------------------------------------------------------------------- back to YAML
def claim_to_raw(claim: Any) -> FlowDict:
    """YAML data for one claim, in the short form the loader reads back to an equal claim."""
    out = FlowDict()
    if isinstance(claim, ExplainedClaim):
        if claim.names:
            out["diagnoses"] = FlowList(claim.names)
        else:
            out["healthy"] = True
        _run_at(out, claim.run, "end")
        return out
    if isinstance(claim, DiagnosisClaim):
        out["diagnosis"] = claim.name
        if not claim.present:
            out["present"] = False
        _run_at(out, claim.run, "end")
        return out
    if isinstance(claim, SweepClaim):
        out[claim.kind] = claim.metric
        out["param"] = claim.param
        out["equals"] = to_raw(claim.equals)
        _run_at(out, claim.run, claim.at)
        return out
    point = getattr(claim, "point", None)
    if isinstance(claim, SlopeClaim):
        out[claim.measure] = claim.metric
        out["x"] = claim.x
    else:
        out["metric"] = claim.metric
        if point is not None:
            out["point"] = to_raw(point)
    _run_at(out, claim.run, claim.at)
    out["op"] = claim.op
    ref = claim.than
    if ref.value is not None:
        out["value"] = ref.value
        return out
    than = FlowDict()
    if ref.baseline is not None:
        than["baseline"] = ref.baseline
    if ref.run is not None and ref.run != claim.run:
        than["run"] = ref.run
    if ref.metric is not None and ref.metric != claim.metric:
        than["metric"] = ref.metric
    if ref.at is not None and ref.at != claim.at:
        than["at"] = _at_raw(ref.at)
    if ref.point is not None and ref.point != point:
        than["point"] = to_raw(ref.point)
    if ref.factor != 1.0:
        than["factor"] = ref.factor
    out["than"] = than
    return out


def _run_at(out: dict[str, Any], run: str, at: At) -> None:
    if run != BASE:
        out["run"] = run
    if at != "end":
        out["at"] = _at_raw(at)


def _at_raw(at: At) -> Any:
    """A window back to the YAML list it was read from."""
    return list(at) if isinstance(at, tuple) else at
