"""The dataset and the network a Config describes: the Trainer's at its start, and those
a run's export or a sweep's runs (which share one dataset) build without a Trainer."""

from __future__ import annotations

from nnterm.engine.data import Dataset, make_dataset
from nnterm.engine.nn.network import MLP
from nnterm.engine.training.config import Config
from nnterm.engine.training.widths import layer_widths


def build_dataset(config: Config) -> Dataset:
    """The dataset a Config describes (seeded by the Config's seed)."""
    d = config.data
    return make_dataset(
        d.name, n_train=d.n_train, n_val=d.n_val, seed=config.seed, noise=d.noise,
        label_flip=d.label_flip, **dict(d.params),
    )


def build_network(config: Config, dataset: Dataset) -> MLP:
    """The MLP a Config describes, from the data's input width (or its features') to the
    loss's output width."""
    m, features = config.model, config.data.features
    if features and dataset.input_dim != 2:
        raise ValueError(f"features are functions of a point of the plane; {dataset.name} "
                         f"has {dataset.input_dim} inputs, not 2")
    return MLP(
        list(layer_widths(config, dataset)), activation=m.activation,
        init=m.init, dropout=m.dropout, frozen=m.frozen, seed=config.seed, dtype=m.dtype,
        leaky_slope=m.leaky_slope, features=features,
    )
