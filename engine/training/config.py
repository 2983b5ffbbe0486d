"""The run configuration: one tree of frozen dataclasses, the single source of truth.

A preset file, ``--set key.path=value`` overrides, the UI's edits and the Trainer all
speak this type; it is plain data (numbers, strings, tuples), so it pickles across a
process boundary. ``with_changes`` applies dotted-path edits and returns a new Config.

The optimizer and schedule sections get their options from the optimizers' and schedules'
own declarations (``nn.hyperparams``): a new optimizer adds its options here by being
declared, and a test checks that every field is declared and every declaration a field.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from nnterm.engine.nn.activations import LEAKY_SLOPE
from nnterm.engine.nn.hyperparams import declared, shared_options
from nnterm.engine.nn.initializers import Init
from nnterm.engine.nn.optimizers import OPTIMIZER_CLASSES, optimizer_class
from nnterm.engine.nn.schedules import SCHEDULE_CLASSES, schedule_class
from nnterm.engine.training.typed_values import TypedValue


def declared_options(*classes: type) -> Callable[[type], type]:
    """Give a section (before ``@dataclass`` makes it one) a field for every option that
    ``classes`` declare and the section does not set itself, after its own fields, with
    the default they share (``hyperparams.shared_options``; None: the chosen class's own).

    Why generated, not written out: adding an optimizer then touches nothing but its
    module. The price is that a type checker sees only the fields written in the class;
    each such section declares, for the checker alone, a constructor taking any option
    and an ``__getattr__`` typing the other options as ``Any``."""

    def add_fields(cls: type) -> type:
        annotations = cls.__dict__.get("__annotations__", {})
        for name, option in shared_options(classes).items():
            if name not in annotations:
                annotations[name] = "Any"
                setattr(cls, name, option.default)
        cls.__annotations__ = annotations
        return cls

    return add_fields


@dataclass(frozen=True)
class DataConfig:
    """Which dataset, how many examples, and how they are perturbed."""

    name: str = "xor"
    n_train: int = 200
    n_val: int = 200
    noise: float = 0.0
    label_flip: float = 0.0
    fresh_batches: bool = False  # draw every batch afresh from the distribution
    params: Mapping[str, Any] = field(default_factory=dict)  # dataset-specific options
    #: what the network reads of a point of the plane (``nn.features``); () the point itself
    features: tuple[str, ...] = ()


@dataclass(frozen=True)
class ModelConfig:
    """The MLP between the data's input width and the loss's output width."""

    hidden: tuple[int, ...] = (8,)
    activation: str | tuple[str, ...] = "tanh"  # one, or one per hidden layer
    init: Init | tuple[Init, ...] = Init()  # one, or one per layer
    dropout: float | tuple[float, ...] = 0.0  # one, or one per hidden layer
    frozen: tuple[int, ...] = ()
    leaky_slope: float = LEAKY_SLOPE.default
    loss: str = "cross_entropy"
    dtype: str = "float64"
    #: values typed into single weights or biases, each at its step (``typed_values``)
    typed_values: tuple[TypedValue, ...] = ()


@dataclass(frozen=True)
@declared_options(*OPTIMIZER_CLASSES)
class OptimizerConfig:
    """The optimizer's name, its learning rate, and every option an optimizer declares
    (``momentum``, ``betas``, ...: ``declared_options``). An option left None takes the
    chosen optimizer's own default: where optimizers differ on it, None is the Config's
    default (``weight_decay``: 0 for SGD and Adam, 1e-2 for AdamW, as in torch).

    ``lr`` is written out: every optimizer reads it, and the run's default (1e-3) is the
    Config's, whichever optimizer it picks."""

    name: str = "adam"
    lr: float = 1e-3

    if TYPE_CHECKING:
        def __init__(self, name: str = ..., lr: float = ..., **options: Any) -> None: ...
        def __getattr__(self, option: str) -> Any: ...

    def kwargs(self) -> dict[str, Any]:
        """Keyword arguments for ``make_optimizer(self.name, ...)``: the options it reads,
        but those left None (its own default)."""
        return {param.name: value for param in declared(optimizer_class(self.name))
                if (value := getattr(self, param.name)) is not None}


@dataclass(frozen=True)
@declared_options(*SCHEDULE_CLASSES)
class ScheduleConfig:
    """Learning-rate schedule (see ``nn.schedules``) and every option a schedule declares
    (``declared_options``). Written out: ``step_size``, which StepLR needs and the Config
    gives a default, and ``total_steps``, whose None means the run's ``train.steps``."""

    name: str = "constant"
    step_size: int = 1000
    total_steps: int | None = None

    if TYPE_CHECKING:
        def __init__(self, name: str = ..., step_size: int = ...,
                     total_steps: int | None = ..., **options: Any) -> None: ...
        def __getattr__(self, option: str) -> Any: ...

    def kwargs(self, run_steps: int) -> dict[str, Any]:
        """Keyword arguments for ``make_schedule(self.name, ...)``: the options it reads,
        ``total_steps`` None being ``run_steps``."""
        kwargs = {param.name: getattr(self, param.name)
                  for param in declared(schedule_class(self.name))}
        if kwargs.get("total_steps", 0) is None:
            kwargs["total_steps"] = run_steps
        return kwargs


@dataclass(frozen=True)
class EarlyStoppingConfig:
    """Stop when validation loss has not improved by ``min_delta`` for ``patience`` steps."""

    patience: int = 200
    min_delta: float = 0.0
    restore_best: bool = True


@dataclass(frozen=True)
class SolverConfig:
    """Fit the last layer in closed form instead of by gradient steps (random features):
    W = argmin ||F W - Y||^2 + ridge ||W||^2, the minimum-norm solution when ridge = 0."""

    ridge: float = 0.0


@dataclass(frozen=True)
class TrainConfig:
    """How the network is trained and how often the run is measured.

    ``loss_scale`` multiplies the training objective (data loss plus the ``l1``/``l2``
    penalty) whose gradient the optimizer sees; the recorded losses stay unscaled. SGD
    with ``loss_scale`` s steps like SGD with lr * s; Adam without weight decay hardly
    notices (its step divides the gradient by its own scale); Adam's ``weight_decay``,
    added by the optimizer after the scaling, weighs 1/s as much against the gradient.
    """

    steps: int = 1000
    batch_size: int = 32  # 0 means the full training set
    optimizer: OptimizerConfig = OptimizerConfig()
    schedule: ScheduleConfig = ScheduleConfig()
    clip_norm: float | None = None
    l1: float = 0.0
    l2: float = 0.0
    input_noise: float = 0.0
    flips: str = "none"  # image data: none, horizontal, vertical or both, each with p 1/2
    loss_scale: float = 1.0
    early_stopping: EarlyStoppingConfig | None = None
    solver: SolverConfig | None = None
    log_every: int = 100


@dataclass(frozen=True)
class Config:
    """Everything that defines a run; the same Config and seed give bit-identical metrics."""

    data: DataConfig = DataConfig()
    model: ModelConfig = ModelConfig()
    train: TrainConfig = TrainConfig()
    seed: int = 0


def get_path(config: Any, path: str) -> Any:
    """The value at a dotted path such as ``"train.optimizer.lr"``."""
    value = config
    for part in path.split("."):
        value = value[part] if isinstance(value, Mapping) else getattr(value, part)
    return value


def with_changes(config: Config, changes: Mapping[str, Any]) -> Config:
    """A copy of ``config`` with each dotted path set to its value.

    ``{"train.optimizer.lr": 0.1, "model.hidden": (16, 16)}``; a path into ``data.params``
    may name a key that does not exist yet. Unknown paths raise KeyError naming the path.
    """
    for path, value in changes.items():
        config = _set(config, path.split("."), value, path)
    return config


def _set(node: Any, parts: list[str], value: Any, path: str) -> Any:
    head, rest = parts[0], parts[1:]
    if isinstance(node, Mapping):
        new = dict(node)
        new[head] = _set(node[head], rest, value, path) if rest else value
        return new
    if (not dataclasses.is_dataclass(node) or isinstance(node, type)
            or head not in {f.name for f in dataclasses.fields(node)}):
        raise KeyError(f"unknown setting {path!r}")
    child = getattr(node, head)
    if rest:
        if child is None:
            child = _default_of(node, head)
        value = _set(child, rest, value, path)
    return dataclasses.replace(node, **{head: value})


def _default_of(node: Any, name: str) -> Any:
    """A default instance for an optional sub-config that is currently None."""
    optional = {"early_stopping": EarlyStoppingConfig, "solver": SolverConfig}
    if name not in optional:
        raise KeyError(f"{name} is not set")
    return optional[name]()


def config_diff(base: Any, other: Any, prefix: str = "") -> dict[str, Any]:
    """The dotted paths where ``other`` differs from ``base``, with ``other``'s values:
    ``{"train.optimizer.lr": 0.3}``. Nested configs are compared field by field (and
    ``data.params`` key by key); an optional sub-config set on one side only is one entry."""
    if dataclasses.is_dataclass(base) and type(base) is type(other) and not isinstance(base, Init):
        out: dict[str, Any] = {}
        for f in dataclasses.fields(base):
            out.update(config_diff(getattr(base, f.name), getattr(other, f.name),
                                   f"{prefix}{f.name}."))
        return out
    if isinstance(base, Mapping) and isinstance(other, Mapping):
        out = {}
        for key in [*base, *(k for k in other if k not in base)]:
            if base.get(key) != other.get(key):
                out[f"{prefix}{key}"] = other.get(key)
        return out
    return {} if base == other else {prefix.rstrip("."): other}
