"""``layer_widths``: the widths of the network a Config builds on a dataset, inputs to outputs."""

from __future__ import annotations

from typing import Any

from nnterm.engine.nn.losses import get_loss
from nnterm.engine.training.config import Config


def layer_widths(config: Config, dataset: Any) -> tuple[int, ...]:
    """One input per feature of a point of the plane (``data.features``) or else per input
    of the data, the hidden widths, then the loss's outputs (a score per class for
    cross-entropy, the data's targets for squared error). ``dataset``: anything with the
    data's ``input_dim``, ``n_classes`` and ``output_dim`` (a Dataset)."""
    m = config.model
    outputs = get_loss(m.loss).output_dim(dataset.n_classes, dataset.output_dim)
    return (len(config.data.features) or dataset.input_dim, *m.hidden, outputs)
