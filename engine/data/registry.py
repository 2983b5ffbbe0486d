"""``make_dataset``: every dataset by name, with its parameters checked.

Seeding: ``numpy.random.SeedSequence(seed)`` spawns three independent generators, one for
the task's fixed parts (a teacher's weights, blob centres, the names split, the order of a
CSV file's rows), one for the
training set and one for the validation set. So the same seed gives bit-identical arrays,
and changing ``n_val`` leaves the training set untouched. The validation set is drawn from
the same distribution as the training set (same noise and label flips).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from nnterm.engine.data import images, plane
from nnterm.engine.data._checks import check_fraction, check_int, check_std
from nnterm.engine.data.classification import Blobs, RandomClassification
from nnterm.engine.data.dataset import CLASSIFICATION, REGRESSION, Dataset, Sampler
from nnterm.engine.data.flips import FLIPS
from nnterm.engine.data.names import make_names
from nnterm.engine.data.regression import IllConditioned, RandomFeatures, Teacher, sine
from nnterm.engine.data.table import table_dataset

#: What a distribution's ``build`` returns: the sampler, n_classes, input and output widths,
#: and the dataset's extra ``meta``.
_Built = tuple[Sampler, int, int, int, dict[str, Any]]


@dataclass(frozen=True)
class _Spec:
    """How to build one dataset: its task (None: the data decides), its default noise, its
    own parameters, and either ``build(rng, noise=..., label_flip=..., **params) ->
    (sampler, n_classes, dims, meta)`` for a distribution, or ``fixed(rng, n_train=...,
    n_val=..., **params) -> Dataset`` for a fixed set of examples (no noise, no sampler);
    ``finite``: a fixed set whose sizes come from the corpus (names), not ``n_train``;
    ``files``: the parameters that name files (a preset resolves them against its folder);
    ``flips``: the ``train.flips`` that keep every label (only ``none`` but for images)."""

    task: str | None
    noise: float
    params: Mapping[str, Any]
    build: Callable[..., _Built] | None
    fixed: Callable[..., Dataset] | None = None
    finite: bool = False
    files: tuple[str, ...] = ()
    flips: tuple[str, ...] = ("none",)


def _plane(
    fn: Callable[..., tuple[np.ndarray, np.ndarray]], n_classes: int | None = None
) -> Callable[..., _Built]:
    def build(rng: np.random.Generator, *, noise: float, label_flip: float,
              **params: Any) -> _Built:
        k = params.get("n_classes", 2) if n_classes is None else n_classes
        sampler = functools.partial(fn, noise=noise, label_flip=label_flip, **params)
        return sampler, k, 2, k, {}

    return build


def _bars(rng: np.random.Generator, *, noise: float, label_flip: float,
          size: int = 8) -> _Built:
    sampler = functools.partial(images.bars, size=size, noise=noise, label_flip=label_flip)
    return sampler, 2, size * size, 2, {"image_shape": (size, size)}


def _blobs(rng: np.random.Generator, *, noise: float, label_flip: float,
           **params: Any) -> _Built:
    task = Blobs.from_rng(rng, noise=noise, label_flip=label_flip, **params)
    return task, task.n_classes, task.dim, task.n_classes, {"centers": task.centers}


def _random_classification(rng: np.random.Generator, *, noise: float, label_flip: float,
                           **params: Any) -> _Built:
    task = RandomClassification.from_rng(rng, noise=noise, label_flip=label_flip, **params)
    return task, task.n_classes, task.dim, task.n_classes, {}


def _names(rng: np.random.Generator, *, n_train: int, n_val: int, **params: Any) -> Dataset:
    return make_names(rng, **params)  # split by the corpus: 80/10/10 of the names


def _sine(rng: np.random.Generator, *, noise: float, label_flip: float,
          **params: Any) -> _Built:
    return functools.partial(sine, noise=noise, **params), 0, 1, 1, {}


def _teacher(rng: np.random.Generator, *, noise: float, label_flip: float,
             **params: Any) -> _Built:
    task = Teacher.from_rng(rng, noise=noise, **params)
    return task, 0, task.dim, 1, {"target": task.target}


def _ill_conditioned(rng: np.random.Generator, *, noise: float, label_flip: float,
                     **params: Any) -> _Built:
    task = IllConditioned.from_rng(rng, noise=noise, **params)
    return task, 0, task.dim, 1, {"target": task.target, "scales": task.scales}


def _random_features(rng: np.random.Generator, *, noise: float, label_flip: float,
                     **params: Any) -> _Built:
    task = RandomFeatures.from_rng(rng, noise=noise, **params)
    return task, 0, task.dim, 1, {"target": task.target}


_SPECS: dict[str, _Spec] = {
    "xor": _Spec(CLASSIFICATION, 0.0, {"points": None, "margin": 0.05}, _plane(plane.xor, 2)),
    "circle": _Spec(CLASSIFICATION, 0.0, {}, _plane(plane.circle, 2)),
    "gauss": _Spec(CLASSIFICATION, 0.0, {"spread": 0.25, "n_classes": 2}, _plane(plane.gauss)),
    "spiral": _Spec(CLASSIFICATION, 0.0, {"n_classes": 2, "turns": 1.75}, _plane(plane.spiral)),
    "moons": _Spec(CLASSIFICATION, 0.0, {}, _plane(plane.moons, 2)),
    "blobs": _Spec(CLASSIFICATION, 0.0, {"n_classes": 3, "dim": 2, "spread": 0.2}, _blobs),
    # a row mirrored either way is still a row (class 0), a column still a column (class 1)
    "bars": _Spec(CLASSIFICATION, 0.0, {"size": 8}, _bars, flips=FLIPS),
    "random_classification": _Spec(
        CLASSIFICATION,
        0.0,
        {"dim": 10, "n_classes": 2, "rule": "sin", "random_labels": False},
        _random_classification,
    ),
    "sine": _Spec(REGRESSION, 0.1, {"frequency": 1.0}, _sine),
    "teacher_student": _Spec(REGRESSION, 0.0, {"dim": 2, "hidden": 64, "scale": 2.0}, _teacher),
    "random_features": _Spec(REGRESSION, 0.5, {"dim": 20}, _random_features),
    "ill_conditioned": _Spec(
        REGRESSION, 0.0, {"dim": 2, "condition": 1000.0}, _ill_conditioned
    ),
    "names": _Spec(CLASSIFICATION, 0.0, {"context": 3}, None, fixed=_names, finite=True),
    "csv": _Spec(None, 0.0, {"path": None, "target": None, "split": None,
                             "standardize": True, "classes": None}, None, fixed=table_dataset,
                 files=("path",)),
}

#: Every dataset name ``make_dataset`` knows.
DATASETS: tuple[str, ...] = tuple(_SPECS)

#: Each dataset's own parameters and their defaults (besides noise and label_flip).
DATASET_PARAMS: Mapping[str, Mapping[str, Any]] = {k: dict(s.params) for k, s in _SPECS.items()}

#: The ``train.flips`` each dataset allows: those that keep every label of its images.
DATASET_FLIPS: Mapping[str, tuple[str, ...]] = {k: s.flips for k, s in _SPECS.items()}

#: The parameters of each dataset that name files (``csv``: ``path``).
DATASET_FILES: Mapping[str, tuple[str, ...]] = {k: s.files for k, s in _SPECS.items() if s.files}

#: The default ``noise`` of each dataset (input jitter for classification, target noise
#: for regression).
DEFAULT_NOISE: Mapping[str, float] = {k: s.noise for k, s in _SPECS.items()}


def sized_by_corpus(name: str) -> bool:
    """True for data whose split sizes come from a fixed corpus (names): its ``n_train``
    is ignored, so it does not say how many training examples there are."""
    return _SPECS[name].finite


def sized_by_table(name: str) -> bool:
    """True for data that is a fixed table of rows (csv): ``n_train + n_val`` of them are
    used, so the preset format may leave the sizes out (``table.split_sizes``)."""
    return _SPECS[name].fixed is not None and not _SPECS[name].finite


def check_flips(name: str, flips: str) -> None:
    """ValueError unless dataset ``name`` allows ``train.flips`` ``flips``
    (``DATASET_FLIPS``): a flip needs images, and images whose labels it keeps."""
    allowed = DATASET_FLIPS[name]
    if flips not in allowed:
        images = ", ".join(k for k, v in DATASET_FLIPS.items() if len(v) > 1)
        raise ValueError(f"flips {flips!r} do not apply to {name!r}: flips need image "
                         f"data whose labels a mirror keeps ({images})")


def make_dataset(
    name: str,
    *,
    n_train: int,
    n_val: int,
    seed: int,
    noise: float | None = None,
    label_flip: float = 0.0,
    **params: Any,
) -> Dataset:
    """Build dataset ``name`` with ``n_train`` training and ``n_val`` validation examples.

    ``noise``: for classification, the std of Gaussian jitter added to the inputs (labels
    are decided before it, so classes overlap); for regression, the std of Gaussian noise
    on the target. ``None`` takes the dataset's default (``DEFAULT_NOISE``).
    ``label_flip``: fraction of labels flipped to another class (classification only).
    ``params``: the dataset's own options (``DATASET_PARAMS``). Unknown names, unknown
    parameters and bad values raise ValueError saying what is allowed.

    ``names`` is a fixed corpus: its split sizes come from the corpus (80/10/10 by name),
    so ``n_train`` and ``n_val`` are ignored. ``csv`` reads the table ``path`` and
    predicts its column ``target`` (``table``); ``n_train + n_val`` may not exceed its
    rows. Neither takes noise or label flips.
    """
    spec = _SPECS.get(name)
    if spec is None:
        raise ValueError(f"unknown dataset {name!r}; choose one of: {', '.join(DATASETS)}")
    unknown = sorted(set(params) - set(spec.params))
    if unknown:
        allowed = ", ".join(["noise", "label_flip", *spec.params])
        raise ValueError(
            f"unknown parameter{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))} "
            f"for dataset {name!r}; allowed: {allowed}"
        )
    n_train = check_int("n_train", n_train, 1)
    n_val = check_int("n_val", n_val, 0)
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ValueError(f"seed must be an integer >= 0, got {seed!r}")
    noise = spec.noise if noise is None else check_std("noise", noise)
    label_flip = check_fraction("label_flip", label_flip)
    fn_rng, train_rng, val_rng = (
        np.random.default_rng(s) for s in np.random.SeedSequence(int(seed)).spawn(3)
    )
    if spec.fixed is not None:
        if noise or label_flip:
            raise ValueError(f"dataset {name!r} is a fixed set of examples: it takes no noise "
                             f"or label_flip (train.input_noise jitters the training batches)")
        return spec.fixed(fn_rng, n_train=n_train, n_val=n_val, **{**spec.params, **params})
    if label_flip and spec.task == REGRESSION:
        raise ValueError(f"label_flip applies to classification; {name!r} is a regression task")
    resolved = {**spec.params, **params}
    build, task = spec.build, spec.task
    assert build is not None and task is not None, "a spec is fixed or has build and task"
    sampler, n_classes, input_dim, output_dim, meta = build(
        fn_rng, noise=noise, label_flip=label_flip, **resolved
    )
    X_train, y_train = sampler(n_train, train_rng)
    X_val, y_val = sampler(n_val, val_rng)
    meta = {"params": {"noise": noise, "label_flip": label_flip, **resolved}, **meta}
    return Dataset(
        X_train, y_train, X_val, y_val, task, n_classes, input_dim, output_dim, name, meta,
        sampler,
    )
