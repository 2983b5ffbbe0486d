"""A preset: a lesson you can run, with the claims that prove it.

A preset file (``presets/*.yaml``; the schema is documented in the README and in
``presets/example.yaml.txt``) becomes a ``Preset``: a base ``Config``, optional named
variants (``compare``) that override parts of it and run on the same data and seed, an
optional ``sweep`` over one or two settings (a grid, or points of paired values), and
``expect``, the claims checked after the run; for a classroom, guided ``steps`` and the
controls it ``lock``s. Everything here is plain frozen data; ``run_configs`` lists the
Config of every run a preset describes.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any

from nnterm.engine.training.config import Config, with_changes

BASE = "base"

#: When a claim measures: "end", "min", "max", a step, or a window (first, last) of steps
#: whose logged records' median is taken.
At = str | int | tuple[int, int]

#: Comparison operators a claim may use.
OPERATORS = ("<", "<=", ">", ">=")


@dataclass(frozen=True)
class Reference:
    """The right-hand side of a claim: a number, or another measurement times ``factor``.

    Exactly one of ``value``, ``metric`` (of ``run`` at ``at``, or at ``point`` of a
    sweep) and ``baseline`` (a dataset baseline such as ``bigram``) is meaningful; the
    loader fills ``metric`` from the claim's own metric when only ``run``/``at`` differ.
    """

    value: float | None = None
    run: str | None = None
    metric: str | None = None
    at: At | None = None
    point: Mapping[str, Any] | None = None
    baseline: str | None = None
    factor: float = 1.0


@dataclass(frozen=True)
class MetricClaim:
    """``metric`` of ``run`` at ``at`` compared with ``than``.

    ``metric`` names a StepRecord field, with an index for per-layer lists
    (``grad_norm[0]``, ``act_std[-1]``). ``at`` is ``end``, a step number, ``min`` or
    ``max`` (over the run), or a window ``(first, last)`` (the median of its records).
    ``point`` picks one point of a sweep.
    """

    metric: str
    op: str
    than: Reference
    run: str = BASE
    at: At = "end"
    point: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class SweepClaim:
    """Over a sweep: the point where ``metric`` (at ``at``) is largest (``argmax``) or
    smallest (``argmin``) has ``param`` equal to ``equals``."""

    kind: str  # "argmax" | "argmin"
    metric: str
    param: str
    equals: Any
    run: str = BASE
    at: At = "end"


@dataclass(frozen=True)
class SlopeClaim:
    """Over a sweep: the least-squares line through log(metric) against log(x), where
    ``x`` is a swept setting or ``n_params``; its ``slope`` (a falling power law
    metric ~ x^-alpha has slope -alpha) or its ``r2`` (how straight the line is: 1 is a
    perfect power law) compared with ``than``."""

    metric: str
    x: str
    op: str
    than: Reference
    run: str = BASE
    at: At = "end"
    measure: str = "slope"  # "slope" | "r2"


@dataclass(frozen=True)
class DiagnosisClaim:
    """``run`` triggers diagnosis ``name`` (``present``) or not."""

    name: str
    present: bool = True
    run: str = BASE


@dataclass(frozen=True)
class ExplainedClaim:
    """``run`` shows no diagnosis but the ones its lesson ``names``: each of its
    diagnoses is named, or folded under a root cause that is (``causes.unexplained``).
    No names claims a healthy run: no diagnosis at all."""

    names: tuple[str, ...] = ()
    run: str = BASE


Claim = MetricClaim | SweepClaim | SlopeClaim | DiagnosisClaim | ExplainedClaim


@dataclass(frozen=True)
class Sweep:
    """One or two settings (dotted paths) over listed values; each point is a full run,
    summarised by its final record. The points are every combination of the values, or,
    if ``paired``, the i-th value of every setting together (``params`` then lists one
    value per point for each setting: width and steps chosen so that N x D is constant)."""

    params: Mapping[str, tuple[Any, ...]] = field(default_factory=dict)
    paired: bool = False

    @property
    def points(self) -> list[dict[str, Any]]:
        """Every point in order (the first setting slowest in a grid)."""
        rows = (zip(*self.params.values(), strict=True) if self.paired
                else itertools.product(*self.params.values()))
        return [dict(zip(self.params, row, strict=True)) for row in rows]


#: The choices of a question whose answer is a claim: will it be seen or not.
YES_NO = (("y", "yes"), ("n", "no"))


@dataclass(frozen=True)
class Question:
    """A guided step's prediction (``predict:``), asked before its runs play: ``text``,
    the ``choices`` as (key, words) in file order, the right key (``answer``; None: the
    step's claim decides, the choices being ``YES_NO``: yes is right if it is seen),
    ``why`` the answer is what it is, and whether entering the step starts the runs
    over from step 0 (``reset``) or holds them where they are."""

    text: str
    choices: tuple[tuple[str, str], ...]
    answer: str | None
    why: str
    reset: bool = False

    def words(self, key: str) -> str:
        """The words of choice ``key``."""
        return dict(self.choices)[key]


@dataclass(frozen=True)
class Step:
    """One step of a guided lesson (``--lesson``): what to do or watch (``text``); the
    settings it changes when the student reaches it (``changes``, dotted paths as in
    ``compare``, on ``run`` or on every run when None); a ``claim`` (the language of
    ``expect``) the app checks live on the runs as they train, said in ``seen`` words
    once it holds; a ``question`` the student answers before the runs play (the claim
    then settles it)."""

    text: str
    changes: Mapping[str, Any] = field(default_factory=dict)
    run: str | None = None
    claim: Claim | None = None
    seen: str = ""
    question: Question | None = None


#: What a teacher may lock (``lock:`` in a preset, ``--lock`` in the app): the controls a
#: student could otherwise change. Each name covers one or more of the app's keys.
LOCKABLE = ("pause", "step", "reset", "reseed", "lr", "batch", "optimizer", "activation",
            "init", "dropout", "weight_decay", "speed", "copy", "remove", "scope",
            "architecture", "picker", "save", "draw")


#: Which curve of each run the loss plot overlays when a lesson has several runs.
CURVES = ("train", "val")
#: Which profile over depth the app draws where the data has no plane (RunView fields).
DEPTH_PROFILES = ("act_std", "grad_norm")
#: What a sweep's summary curve may plot against x, and which of its axes are log scale.
SWEEP_METRICS = ("train_loss", "val_loss", "train_acc", "val_acc")
SWEEP_LOG = ("none", "x", "both")


@dataclass(frozen=True)
class View:
    """How the app plays the lesson. ``steps_per_second``: the pace at which it opens
    (steps of every run per second; None is full speed), chosen so that the lesson's
    effect unfolds over some tens of seconds rather than in a blink. ``curves``: with
    several runs, the loss plot overlays each run's ``train`` or ``val`` curve (the one
    the lesson compares). ``depth``: where the inputs are not a plane, the profile over
    depth the app draws: ``act_std`` (each layer's output spread) or ``grad_norm``.
    ``fit_table``: show the glossary's table of train against val loss (underfitting,
    good, overfitting) with the selected run's row lit, for the lessons of section 8.
    ``backprop``: open on the backprop view, each training step explained phase by phase
    (forward, loss, backward, update), for a network small enough to read.

    With a sweep, the summary curve (``sweep_summary``): ``sweep_y`` (a final metric)
    against ``sweep_x`` (a swept setting or ``n_params``; default the first swept
    setting), ``sweep_log`` axes on a log scale (``none``, ``x`` or ``both``),
    ``sweep_fit`` a power law fitted to each line, ``sweep_mark`` a setting whose value
    is marked on the x axis."""

    steps_per_second: float | None = None
    curves: str = "train"
    depth: str = "act_std"
    fit_table: bool = False
    backprop: bool = False
    sweep_x: str | None = None
    sweep_y: str = "val_loss"
    sweep_log: str = "none"
    sweep_fit: bool = False
    sweep_mark: str | None = None

    def without_sweep(self) -> View:
        """This view for the same lesson without its sweep (a swept ``sweep_x`` would
        name nothing)."""
        defaults: dict[str, Any] = {f.name: f.default for f in fields(self)
                                    if f.name.startswith("sweep_")}
        return replace(self, **defaults)


@dataclass(frozen=True)
class Preset:
    """A lesson: what it teaches, how to run it and what must come out."""

    name: str
    title: str
    section: str
    lesson: str
    config: Config
    compare: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    sweep: Sweep | None = None
    expect: tuple[Claim, ...] = ()
    view: View = View()
    steps: tuple[Step, ...] = ()
    lock: tuple[str, ...] = ()  # names from LOCKABLE
    source: str = field(default="", compare=False)  # the file it came from, for messages

    @property
    def run_names(self) -> tuple[str, ...]:
        """``base`` and the variants, in file order."""
        return (BASE, *self.compare)


def sweep_points(preset: Preset) -> list[dict[str, Any]]:
    """Every point of the sweep (``Sweep.points``; ``[{}]`` without a sweep)."""
    if preset.sweep is None or not preset.sweep.params:
        return [{}]
    return preset.sweep.points


def run_configs(
    preset: Preset, *, seed: int | None = None, steps: int | None = None
) -> list[tuple[str, dict[str, Any], Config]]:
    """``(run name, point, Config)`` for every run the preset describes, in order: each
    variant (base first) at each sweep point. ``seed`` and ``steps`` replace the base's
    before a variant's overrides apply. ``experiment.run_preset`` trains these; the app
    saves its runs against them (``saving``)."""
    base = preset.config
    if seed is not None:
        base = replace(base, seed=seed)
    if steps is not None:
        base = with_changes(base, {"train.steps": steps})
    out = []
    for name in preset.run_names:
        config = base if name == BASE else with_changes(base, preset.compare[name])
        for point in sweep_points(preset):
            out.append((name, point, with_changes(config, point) if point else config))
    return out
