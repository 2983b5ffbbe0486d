"""The network view's numbers: what every unit of a 2-D-input network computes, over the
plane and at one training point, with the gradients of the data loss.

Every number is the engine's own: the pictures are ``MLP.trace`` over a grid of the
plane (the Boundary's square; and every feature's value, read or not, so that a UI can
offer to switch one on), the point's z and a are ``trace`` of that one example,
dL/dW and dL/db are ``MLP.backward`` and dL/dz is ``MLP.deltas`` on the examples a
record measures (``Trainer.probe``), so the chain rule a card shows is the one the
trainer uses:

    z_j = sum_i W_ij a_i + b_j,   a_j = f(z_j),
    dL/dz_j = f'(z_j) sum_k W_jk dL/dz_k,   dL/dW_ij = a_i dL/dz_j (averaged over examples).

Units are listed most important first: a hidden unit by the norm of its outgoing
weights (what the next layer reads of it), the output layer in order.
"""

from __future__ import annotations

import numpy as np

from nnterm.engine.live.plane import plane_extent, plane_grid
from nnterm.engine.live.snapshot import NetworkView, UnitLayer
from nnterm.engine.nn.features import FEATURES, FeatureMap
from nnterm.engine.nn.network import MLP
from nnterm.engine.training.trainer import Trainer

#: The side of each unit's picture (cells of the grid over the plane).
RESOLUTION = 16
#: |f'(z)| below this (and above 0) counts as saturated: tanh past |z| = 3, sigmoid past 4.6.
SATURATED = 1e-2


def build_network_view(trainer: Trainer, point: int, resolution: int = RESOLUTION
                       ) -> NetworkView | None:
    """The network view of ``trainer`` with training example ``point`` (wrapped to the
    training set) chosen; None unless its inputs are points of the plane and there is a
    training point (every one may have been erased: ``data.drawing``)."""
    data, net, loss = trainer.dataset, trainer.net, trainer.loss
    if data.input_dim != 2 or not data.n_train:
        return None
    extent = plane_extent(data)
    grid = plane_grid(extent, resolution, net.dtype)
    point = int(point) % data.n_train
    with np.errstate(all="ignore"):
        grid_logits, _, grid_hidden = net.trace(grid)
        point_logits, point_inputs, point_hidden = net.trace(trainer.train_inputs[point:point + 1])
        X, y = trainer.probe
        logits, inputs, hidden = net.trace(X)
        _, dlogits = loss.value_and_grad(logits, y)
        grads = net.backward(dlogits, inputs, hidden)
        dz = dict(net.deltas(dlogits, hidden))
    shape = (resolution, resolution)
    layers = []
    for i in range(net.n_layers):
        last = i == net.n_layers - 1
        order = np.arange(net.sizes[i + 1]) if last else _by_importance(net, i)
        if last:
            a_grid = loss.head(grid_logits)
            z_point, a_point = point_logits[0], loss.head(point_logits)[0]
            dead = saturated = np.zeros(len(order))
        else:
            a_grid = grid_hidden[i].a
            z_point, a_point = point_hidden[i].z[0], point_hidden[i].a[0]
            slope = np.abs(net.activations[i].derivative(hidden[i].z, hidden[i].a))
            off = (slope == 0) & (hidden[i].a == 0)  # ReLU's flat half: no output, no slope
            dead = off.mean(axis=0)
            saturated = (~off & (slope < SATURATED)).mean(axis=0)
        layers.append(UnitLayer(
            activation="output" if last else net.activations[i].name,
            units=tuple(int(u) for u in order),
            pictures=_picture(a_grid[:, order].T.reshape(len(order), *shape)),
            weights=_floats(net.params[2 * i][:, order]),
            bias=_floats(net.params[2 * i + 1][order]),
            grad_weights=_floats(grads[2 * i][:, order]),
            grad_bias=_floats(grads[2 * i + 1][order]),
            grad_z=_floats(dz[i][:, order].sum(axis=0)),
            z=_floats(z_point[order]),
            a=_floats(a_point[order]),
            dead=_floats(dead[order]),
            saturated=_floats(saturated[order]),
        ))
    names = net.feature_map.names if net.feature_map is not None else ("x1", "x2")
    every = FeatureMap(FEATURES)
    return NetworkView(
        extent=extent,
        input_names=tuple(names),
        feature_pictures=_picture(every.apply(grid).T.reshape(len(FEATURES), *shape)),
        feature_values=_floats(every.apply(data.X_train[point:point + 1])[0]),
        point=point,
        point_xy=(float(data.X_train[point, 0]), float(data.X_train[point, 1])),
        point_label=_label(trainer, point),
        point_inputs=_floats(point_inputs[0][0]),
        layers=tuple(layers),
    )


def _by_importance(net: MLP, layer: int) -> np.ndarray:
    """Hidden layer ``layer``'s units, the largest outgoing weight norm first (a stable
    sort: ties keep their index order)."""
    outgoing = np.linalg.norm(net.params[2 * (layer + 1)].astype(np.float64), axis=1)
    return np.argsort(-outgoing, kind="stable")


def _label(trainer: Trainer, point: int) -> str:
    data = trainer.dataset
    target = data.y_train[point]
    if not data.is_classification:
        return f"target {float(np.ravel(target)[0]):.3g}"
    names = data.meta.get("classes")
    return f"class {names[int(target)] if names else int(target)}"


def _picture(values: np.ndarray) -> np.ndarray:
    """Pictures in float32: they are only drawn, and a wide network's cross the pipe to
    the UI several times a second (playground's: 90 KB a snapshot instead of 170)."""
    return np.array(values, dtype=np.float32)


def _floats(values: np.ndarray) -> np.ndarray:
    """A float64 copy that owns its memory (the snapshot outlives the trainer's arrays)."""
    return np.array(values, dtype=np.float64)
