"""The settings part of a preset file (``seed``, ``data``, ``model``, ``train``): specs and checks.

``validate_config(raw, where, folder)`` turns plain YAML data into a ``Config`` or raises
``PresetError`` naming the file, the key path, the bad value, what is allowed and the line
(see ``errors``). Two settings are resolved on the way, so that the Config means the same
wherever it goes (an engine process, a saved preset): a dataset's file (``csv``'s
``data.params.path``) becomes an absolute path, relative to ``folder`` (the preset file's;
None: the current directory), and a table's omitted ``n_train``/``n_val`` become numbers
(``split_sizes``: a fifth of the rows validate, the rest train).

Types and ranges are field specs (``specs``: ``Int``, ``Real``, ``Choice``, ``Section``,
...). The options of optimizers, schedules, init schemes and ``model.leaky_slope`` are
specs of their declarations (``nn.hyperparams``), so that a new optimizer's options are
checked and explained without a line here. Rules the engine already enforces (which
options an optimizer reads, how they go together, dataset parameters) are checked by
calling the engine and turning its ValueError into a PresetError at the setting its
message names. The schema is documented in ``loader``.
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from nnterm.engine.data import (
    CLASSIFICATION,
    DATASET_FILES,
    DATASET_FLIPS,
    DATASET_PARAMS,
    DATASETS,
    DEFAULT_NOISE,
    FLIPS,
    TableError,
    check_flips,
    make_dataset,
    sized_by_table,
    split_sizes,
)
from nnterm.engine.data.table import split_allowed
from nnterm.engine.nn.activations import ACTIVATIONS, LEAKY_SLOPE
from nnterm.engine.nn.features import FEATURES
from nnterm.engine.nn.hyperparams import declared, shared_options
from nnterm.engine.nn.initializers import INIT_OPTIONS, INITS, Init
from nnterm.engine.nn.losses import LOSSES
from nnterm.engine.nn.optimizers import (
    OPTIMIZER_CLASSES,
    OPTIMIZERS,
    make_optimizer,
    optimizer_class,
)
from nnterm.engine.nn.schedules import (
    SCHEDULE_CLASSES,
    SCHEDULES,
    make_schedule,
    schedule_class,
)
from nnterm.engine.preset_format.errors import KeyPath, PresetError, Where, show, suggest
from nnterm.engine.preset_format.specs import (
    Bool,
    Choice,
    Int,
    ListOf,
    OneOrList,
    Optional,
    Real,
    Section,
    Spec,
    check_keys,
    option_spec,
)
from nnterm.engine.training import memory
from nnterm.engine.training.config import (
    Config,
    DataConfig,
    EarlyStoppingConfig,
    ModelConfig,
    OptimizerConfig,
    ScheduleConfig,
    SolverConfig,
    TrainConfig,
    get_path,
)
from nnterm.engine.training.typed_values import TypedValue, shape_problem
from nnterm.engine.training.widths import layer_widths


def declared_section(cls: type, name: Choice, classes: tuple[type, ...]) -> Section:
    """The Section of a Config class whose ``name`` picks one of ``classes``: each field
    checked as the classes declare it (``option_spec``, null allowed where the field's
    default is None)."""
    options = shared_options(classes)
    return Section(cls, {"name": name, **{f.name: option_spec(options[f.name], f.default)
                                          for f in dataclasses.fields(cls) if f.name != "name"}})


INIT_FIELDS = {"scheme": Choice(INITS, "init scheme"),
               **{p.name: option_spec(p, p.default) for p in declared(Init)}}


class InitSpec(Spec):
    allowed = "an init scheme name, or a mapping {scheme: normal, std: 0.01, bias: 0, ...}"

    def check(self, value: Any, at: Where) -> Init:
        if isinstance(value, str):
            return Init(INIT_FIELDS["scheme"].check(value, at))
        if not isinstance(value, dict):
            raise at.error(f"{show(value)} is not an init", value, self.allowed)
        value = check_keys(value, at, tuple(INIT_FIELDS), "init")
        scheme = INIT_FIELDS["scheme"].check(value.get("scheme", Init.scheme), at / "scheme")
        options = INIT_OPTIONS.get(scheme, ()) + ("bias",)
        for key in value:
            if key != "scheme" and key not in options:
                raise (at / key).error(f"{key} does not apply to init scheme {scheme!r}", key,
                                       ", ".join(("scheme", *options)))
        return Init(**{k: INIT_FIELDS[k].check(v, at / k) for k, v in value.items()})


class Params(Spec):
    """Dataset parameters: names checked against the dataset later, values by the engine."""

    allowed = "a mapping of dataset parameters"

    def check(self, value: Any, at: Where) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise at.error(f"{show(value)} is not a mapping", value, self.allowed)
        for key in value:
            if not isinstance(key, str):
                raise (at / str(key)).error(f"key {show(key)} is not text", key, "text")
        return dict(value)


DATA = Section(DataConfig, {
    "name": Choice(DATASETS, "dataset"), "n_train": Int(1), "n_val": Int(1),
    "noise": Real(0), "label_flip": Real(0, 1), "fresh_batches": Bool(), "params": Params(),
    "features": ListOf(Choice(FEATURES, "feature")),
})
MODEL = Section(ModelConfig, {
    "hidden": ListOf(Int(1)), "activation": OneOrList(Choice(ACTIVATIONS, "activation")),
    "init": OneOrList(InitSpec()), "dropout": OneOrList(Real(0, 1, high_open=True)),
    "frozen": ListOf(Int(0)), "leaky_slope": option_spec(LEAKY_SLOPE, LEAKY_SLOPE.default),
    "loss": Choice(tuple(LOSSES), "loss"),
    "dtype": Choice(("float32", "float64"), "dtype"),
    "typed_values": ListOf(Section(TypedValue, {
        "step": Int(0), "layer": Int(0), "unit": Int(0), "input": Optional(Int(0)),
        "value": Real()})),
})
OPTIMIZER = declared_section(OptimizerConfig, Choice(OPTIMIZERS, "optimizer"),
                             OPTIMIZER_CLASSES)
SCHEDULE = declared_section(ScheduleConfig, Choice(SCHEDULES, "schedule"), SCHEDULE_CLASSES)
TRAIN = Section(TrainConfig, {
    "steps": Int(1), "batch_size": Int(0), "optimizer": OPTIMIZER, "schedule": SCHEDULE,
    "clip_norm": Optional(Real(0, low_open=True)), "l1": Real(0), "l2": Real(0),
    "input_noise": Real(0), "flips": Choice(FLIPS, "flips"),
    "loss_scale": Real(0, low_open=True),
    "early_stopping": Optional(Section(EarlyStoppingConfig, {
        "patience": Int(1), "min_delta": Real(0), "restore_best": Bool()})),
    "solver": Optional(Section(SolverConfig, {"ridge": Real(0)})),
    "log_every": Int(1),
})
CONFIG = Section(Config, {"seed": Int(0), "data": DATA, "model": MODEL, "train": TRAIN})
CONFIG_KEYS = tuple(CONFIG.fields)


def schedule_options(name: str) -> tuple[str, ...]:
    """The ScheduleConfig fields that schedule ``name`` reads."""
    return tuple(p.name for p in declared(schedule_class(name)))


def optimizer_options(name: str) -> tuple[str, ...]:
    """The OptimizerConfig fields that optimizer ``name`` reads (besides ``name``)."""
    return tuple(p.name for p in declared(optimizer_class(name)))


# ---------------------------------------------------------------------------- the checks
def validate_config(raw: Any, at: Where, folder: str | os.PathLike[str] | None = None) -> Config:
    """The Config described by ``raw`` (``{seed:, data:, model:, train:}``), fully checked;
    relative data files are found in ``folder`` (None: the current directory)."""
    raw = {} if raw is None else raw
    config: Config = CONFIG.check(raw, at)
    config = dataclasses.replace(config, data=_resolve_files(config.data, folder))
    _check_model(config.model, at / "model")
    given = raw.get("data") or {}
    dataset = _check_data(config.data, given, at / "data")
    config = dataclasses.replace(config, data=_fill_split(config.data, given, dataset,
                                                          at / "data"))
    _check_loss(config, dataset, at)
    _check_typed_values(config, dataset, at / "model" / "typed_values")
    _check_flips(config, at / "train" / "flips")
    raw_train = raw.get("train") or {}
    _check_optimizer(config.train.optimizer, raw_train.get("optimizer") or {},
                     at / "train" / "optimizer")
    _check_schedule(config.train, raw_train.get("schedule") or {}, at / "train" / "schedule")
    _check_memory(config, dataset, at)
    return config


def _check_memory(config: Config, dataset: Any, at: Where) -> None:
    """Refuse a run over the memory limit before anything big is allocated, naming the
    setting to lower (``memory.check``)."""
    try:
        memory.check(config, dataset.input_dim, layer_widths(config, dataset)[-1])
    except memory.TooBig as err:
        where = at
        for part in err.key.split("."):
            where = where / part
        raise where.error(str(err), get_path(config, err.key), "a smaller run, or a "
                          "larger --max-memory") from None


def _check_model(m: ModelConfig, at: Where) -> None:
    n = len(m.hidden)
    for key, per in (("activation", n), ("dropout", n), ("init", n + 1)):
        value = getattr(m, key)
        if isinstance(value, tuple) and len(value) != per:
            layers = f"{n} hidden layer{'s' * (n != 1)}" if per == n else f"{per} layers"
            raise (at / key).error(f"{len(value)} value{'s' * (len(value) != 1)} for {layers}",
                                   value,
                                   f"one value, or a list of {per}")
    for i, index in enumerate(m.frozen):
        if index > n:
            raise (at / "frozen" / i).error(f"layer {index} does not exist", index,
                                            f"layer indices 0..{n}")
        if index in m.frozen[:i]:
            raise (at / "frozen" / i).error(f"layer {index} is listed twice", index,
                                            f"distinct layer indices 0..{n}")


def _check_typed_values(config: Config, dataset: Any, at: Where) -> None:
    """Each typed value names a parameter of the network the run builds."""
    m = config.model
    sizes = layer_widths(config, dataset)
    for i, typed in enumerate(m.typed_values):
        if (problem := shape_problem(typed, sizes)) is not None:
            raise (at / i).error(problem, dataclasses.asdict(typed), "a layer, unit and input of "
                                 f"the {'-'.join(map(str, sizes))} network")
        if typed.step > config.train.steps:
            raise (at / i / "step").error(f"step {typed.step} is past the run's "
                                          f"{config.train.steps} steps", typed.step,
                                          f"a step in 0..{config.train.steps}")


def _resolve_files(d: DataConfig, folder: str | os.PathLike[str] | None) -> DataConfig:
    """``d`` with each file parameter (``DATASET_FILES``) an absolute path: a relative one
    is taken from ``folder`` (None: the current directory), ``~`` is the home folder."""
    files = {key: value for key, value in d.params.items()
             if key in DATASET_FILES.get(d.name, ()) and isinstance(value, str) and value}
    if not files:
        return d
    resolved = {key: absolute_file(value, folder) for key, value in files.items()}
    return dataclasses.replace(d, params={**d.params, **resolved})


def absolute_file(value: str, folder: str | os.PathLike[str] | None) -> str:
    """A data file's path made absolute: a relative one is taken from ``folder`` (None:
    the current directory), ``~`` is the home folder."""
    base = Path(folder if folder is not None else os.curdir)
    return str((base / Path(value).expanduser()).absolute())


def _file_stamps(name: str, params: Mapping[str, Any]) -> tuple[tuple[int, int] | None, ...]:
    """Size and modification time of the dataset's files: a probe of a file that changed
    since is stale."""
    stamps: list[tuple[int, int] | None] = []
    for key in DATASET_FILES.get(name, ()):
        try:
            info = os.stat(params[key])
            stamps.append((info.st_size, info.st_mtime_ns))
        except (OSError, TypeError, ValueError):
            stamps.append(None)
    return tuple(stamps)


_PROBES: dict[tuple[Any, ...], Any] = {}


def _probe(name: str, noise: float | None, label_flip: float, params: Mapping[str, Any]) -> Any:
    """A tiny instance of the dataset (the engine's own checks of every parameter);
    raises ValueError with the engine's message (a TableError as it is). Cached:
    ``names`` takes ~0.1 s."""
    noise = DEFAULT_NOISE[name] if noise is None else noise
    resolved = {**DATASET_PARAMS[name], **params}
    key = (name, noise, label_flip, repr(resolved), _file_stamps(name, resolved))
    if key not in _PROBES:
        try:
            dataset = make_dataset(name, n_train=1, n_val=1, seed=0, noise=noise,
                                   label_flip=label_flip, **resolved)
        except TableError:
            raise
        except Exception as err:  # the engine's checks of user data; any failure is bad data
            raise ValueError(str(err) or type(err).__name__) from None
        if len(_PROBES) >= 64:
            _PROBES.clear()
        _PROBES[key] = dataset
    return _PROBES[key]


def data_probe(d: DataConfig) -> Any:
    """A tiny instance of ``d``'s dataset (one example each to train and validate): its
    input width, classes and targets without building the data (cached, ``_probe``)."""
    return _probe(d.name, d.noise, d.label_flip, d.params)


def _blame(at: Where, message: str, candidates: Mapping[KeyPath, tuple[str, Any]]
           ) -> PresetError:
    """The engine's ``message`` as a PresetError at the candidate setting it names first
    (each candidate: relative key path -> (the word to look for, its value))."""
    hits = []
    for path, (word, value) in candidates.items():
        found = re.search(rf"(?<![A-Za-z0-9_]){re.escape(word)}(?![A-Za-z0-9_])", message)
        if found:
            hits.append((found.start(), path, value))
    if not hits:
        return at.error(message)
    _, path, value = min(hits, key=lambda hit: hit[0])
    for part in path:
        at = at / part
    return at.error(message, value)


def _check_data(d: DataConfig, given: Mapping[str, Any], at: Where) -> Any:
    allowed = DATASET_PARAMS[d.name]
    for key, value in d.params.items():
        if key not in allowed:
            raise (at / "params" / key).error(
                f"unknown parameter {key!r} for dataset {d.name!r}{suggest(key, allowed)}",
                key, ", ".join(allowed) or f"none: {d.name} has no parameters")
        if isinstance(value, float) and value.is_integer() and type(allowed[key]) is int:
            assert isinstance(d.params, dict), "Params.check made it a dict"
            d.params[key] = int(value)  # whole floats count as ints, as elsewhere
    try:
        dataset = data_probe(d)
    except TableError as err:
        raise (at / "params" / err.param).error(str(err), d.params.get(err.param),
                                                err.allowed) from None
    except ValueError as err:
        candidates: dict[KeyPath, tuple[str, Any]] = {
            ("params", k): (k, v) for k, v in d.params.items()}
        candidates.update({(k,): (k, getattr(d, k)) for k in ("noise", "label_flip")
                           if k in given})
        raise _blame(at, str(err), candidates) from None
    _check_features(d, dataset, at / "features")
    if d.fresh_batches and dataset.sampler is None:
        raise (at / "fresh_batches").error(
            f"dataset {d.name!r} is a fixed set of examples: there is no distribution to "
            f"draw fresh batches from", d.fresh_batches, "false")
    return dataset


def _check_features(d: DataConfig, dataset: Any, at: Where) -> None:
    """Features are functions of a point of the plane, each named once."""
    if d.features and dataset.input_dim != 2:
        raise at.error(f"features are functions of a point of the plane; {d.name} has "
                       f"{dataset.input_dim} inputs, not 2", list(d.features),
                       "[] for data that is not 2-D")
    for i, name in enumerate(d.features):
        if name in d.features[:i]:
            raise (at / i).error(f"feature {name!r} is named twice", name,
                                 f"distinct names from {', '.join(FEATURES)}")


def _fill_split(d: DataConfig, given: Mapping[str, Any], dataset: Any, at: Where) -> DataConfig:
    """A table's ``n_train`` and ``n_val`` (``split_sizes``: those given, the others
    from its rows), checked against its rows; with a split column, its counts."""
    if not sized_by_table(d.name):
        return d
    rows = dataset.meta["rows"]
    sizes = {key: getattr(d, key) for key in ("n_train", "n_val") if key in given}
    if dataset.meta.get("split") is not None:  # a split column: its counts
        counted = dict(zip(("n_train", "n_val"), dataset.meta["split"], strict=True))
        for key, value in sizes.items():
            if value != counted[key]:
                raise (at / key).error(
                    f"{d.params['path']}: its column {d.params['split']!r} marks "
                    f"{counted[key]} rows {'train' if key == 'n_train' else 'val'}", value,
                    f"{counted[key]}, or leave it out")
        return dataclasses.replace(d, **counted)
    try:
        n_train, n_val = split_sizes(rows, **sizes)
    except ValueError as err:
        key = next(iter(sizes))  # both omitted always fit: a fifth of 2+ rows leaves one
        raise (at / key).error(f"{d.params['path']}: {err}", sizes[key],
                               split_allowed(rows)) from None
    return dataclasses.replace(d, n_train=n_train, n_val=n_val)


def _check_loss(config: Config, dataset: Any, at: Where) -> None:
    loss, name = config.model.loss, config.data.name
    classification = dataset.task == CLASSIFICATION
    if LOSSES[loss].classification and not classification:
        raise (at / "model" / "loss").error(
            f"{loss} needs a classification dataset; {name!r} is a regression task", loss, "mse")
    if not LOSSES[loss].classification and classification:
        raise (at / "model" / "loss").error(
            f"{loss} needs a regression dataset; {name!r} is a classification task", loss,
            "cross_entropy, binary_cross_entropy")
    if classification and LOSSES[loss].output_dim(dataset.n_classes, 0) == 1 \
            and dataset.n_classes != 2:  # one sigmoid output: two classes
        raise (at / "model" / "loss").error(
            f"{loss} needs two classes; {name!r} has {dataset.n_classes}", loss, "cross_entropy")
    if config.train.solver is not None and loss != "mse":
        raise (at / "train" / "solver").error(
            f"the closed-form solver fits a regression read-out, not {loss}", None,
            "null, or loss mse")


def _check_flips(config: Config, at: Where) -> None:
    """Flips only where they keep the labels: image data (``DATASET_FLIPS``)."""
    try:
        check_flips(config.data.name, config.train.flips)
    except ValueError as err:
        raise at.error(str(err), config.train.flips,
                       ", ".join(DATASET_FLIPS[config.data.name])) from None


def _check_optimizer(o: OptimizerConfig, given: Mapping[str, Any], at: Where) -> None:
    explicit = {k: getattr(o, k) for k in given if k != "name" and getattr(o, k) is not None}
    for kwargs in (explicit, o.kwargs()):  # options that do not apply first, then ranges
        try:
            make_optimizer(o.name, **kwargs)
        except ValueError as err:
            candidates: dict[KeyPath, tuple[str, Any]] = {
                (k,): (k, v) for k, v in explicit.items()}
            raise _blame(at, str(err), candidates) from None


def _check_schedule(t: TrainConfig, given: Mapping[str, Any], at: Where) -> None:
    s = t.schedule
    options = schedule_options(s.name)
    for key in given:
        if key != "name" and key not in options:
            raise (at / key).error(f"{key} does not apply to the {s.name} schedule", key,
                                   ", ".join(("name", *options)))
    kwargs = s.kwargs(t.steps)
    try:
        make_schedule(s.name, **kwargs)
    except ValueError as err:
        candidates: dict[KeyPath, tuple[str, Any]] = {
            (k,): (k, kwargs[k]) for k in given if k in kwargs}
        raise _blame(at, str(err), candidates) from None
