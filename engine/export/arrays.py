"""The ``.npz`` beside an exported script: the data and the initial weights.

The weights are stored under the names of the script's ``model.state_dict()`` (``0.weight``,
``0.bias``, ``2.weight``...) in PyTorch's layout: nnterm keeps W as (fan_in, fan_out) and
computes ``a @ W + b``; ``nn.Linear`` keeps its weight as (out, in) and computes
``x @ weight.T + bias``, so each W is stored transposed.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

import numpy as np

from nnterm.engine.data import Dataset
from nnterm.engine.nn.network import MLP


def export_arrays(dataset: Dataset, net: MLP, linear_index: list[int]) -> dict[str, np.ndarray]:
    """The arrays of the ``.npz``: ``X_train``, ``y_train``, ``X_val``, ``y_val``, and
    each layer's initial weight and bias under its ``state_dict`` name (``linear_index``:
    the position of each ``nn.Linear`` in the ``nn.Sequential``). Inputs and regression
    targets are in the network's dtype, as the Trainer casts them; class labels stay int64."""
    def cast(a: np.ndarray) -> np.ndarray:
        return a.astype(net.dtype, copy=False) if a.dtype.kind == "f" else a

    arrays = {name: cast(getattr(dataset, name)) for name in ("X_train", "y_train",
                                                               "X_val", "y_val")}
    return arrays | state_dict_arrays(net.params, linear_index)


def state_dict_arrays(params: Sequence[np.ndarray], linear_index: list[int],
                      prefix: str = "") -> dict[str, np.ndarray]:
    """nnterm's ``params`` (W1, b1, W2, b2...) as copies under their ``state_dict`` names,
    each after ``prefix``, each W transposed to PyTorch's (out, in)."""
    arrays = {}
    for layer, index in enumerate(linear_index):
        arrays[f"{prefix}{index}.weight"] = as_torch_layout(params[2 * layer], weight=True)
        arrays[f"{prefix}{index}.bias"] = as_torch_layout(params[2 * layer + 1], weight=False)
    return arrays


def as_torch_layout(array: np.ndarray, *, weight: bool) -> np.ndarray:
    """A copy of one of nnterm's parameter arrays (or an array of its shape) as torch
    keeps it: a weight transposed, a bias as it is."""
    return np.ascontiguousarray(array.T) if weight else array.copy()


def npz_bytes(arrays: dict[str, np.ndarray]) -> bytes:
    """``arrays`` as the bytes of a compressed ``.npz`` (one-hot inputs shrink a lot)."""
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)  # type: ignore[arg-type]
    return buffer.getvalue()
