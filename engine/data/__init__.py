"""Datasets for the lessons, mini-batching, input noise and image flips (NumPy only).

    from nnterm.engine.data import make_dataset, BatchSampler
    ds = make_dataset("moons", n_train=200, n_val=200, seed=0, noise=0.1)
    batches = BatchSampler(ds.n_train, 32, np.random.default_rng(0))
    idx = batches.next_batch(); X, y = ds.X_train[idx], ds.y_train[idx]

Modules: ``dataset`` (the Dataset type), ``plane`` (2-D sets), ``classification``
(d-dimensional), ``regression``, ``images`` (small pictures), ``names`` (characters),
``noise`` (jitter, label flips, input-noise augmentation), ``flips`` (random mirror
images, augmentation for pictures), ``table`` (a CSV file of your own), ``drawing``
(points added and removed by hand),
``batching`` (BatchSampler), ``registry`` (make_dataset).

Imports: NumPy only, nothing else of nnterm. This room and ``nn`` are the bottom of the
engine and do not import each other.
"""

from nnterm.engine.data.batching import BatchSampler
from nnterm.engine.data.classification import Blobs, RandomClassification
from nnterm.engine.data.dataset import CLASSIFICATION, REGRESSION, Dataset, Sampler
from nnterm.engine.data.drawing import (
    drawing_frame,
    drawn_counts,
    drawn_params,
    drawn_table,
    with_point,
    without_points,
)
from nnterm.engine.data.flips import FLIPS, random_flips
from nnterm.engine.data.names import VOCAB, bigram_baseline, load_names
from nnterm.engine.data.noise import add_input_noise
from nnterm.engine.data.plane import PLANE_EXTENT, circle, gauss, moons, spiral, xor
from nnterm.engine.data.registry import (
    DATASET_FILES,
    DATASET_FLIPS,
    DATASET_PARAMS,
    DATASETS,
    DEFAULT_NOISE,
    check_flips,
    make_dataset,
    sized_by_table,
)
from nnterm.engine.data.regression import RandomFeatures, Teacher, sine
from nnterm.engine.data.table import TableError, split_sizes

__all__ = [
    "CLASSIFICATION",
    "DATASETS",
    "DATASET_FILES",
    "DATASET_FLIPS",
    "DATASET_PARAMS",
    "DEFAULT_NOISE",
    "FLIPS",
    "PLANE_EXTENT",
    "REGRESSION",
    "VOCAB",
    "BatchSampler",
    "Blobs",
    "Dataset",
    "RandomClassification",
    "RandomFeatures",
    "Sampler",
    "TableError",
    "Teacher",
    "add_input_noise",
    "bigram_baseline",
    "check_flips",
    "circle",
    "drawn_counts",
    "drawn_params",
    "drawn_table",
    "drawing_frame",
    "gauss",
    "load_names",
    "make_dataset",
    "moons",
    "random_flips",
    "sine",
    "sized_by_table",
    "spiral",
    "split_sizes",
    "with_point",
    "without_points",
    "xor",
]
