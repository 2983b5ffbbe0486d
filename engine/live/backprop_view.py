"""The backprop view's numbers: the training step a run took last, layer by layer, from
what the trainer kept of it (``training.taken_step``), for the first example of the batch.

Forward, layer i:  z_i = a_{i-1} W_i + b_i,  a_i = f(z_i)  (the output: the loss's head).
Backward, from dL/dz of the output (the loss's gradient, p - y for softmax or sigmoid with
cross-entropy):  dL/da_i = dL/dz_{i+1} W_{i+1}^T,  dL/dz_i = dL/da_i * f'(z_i);
dL/dW_i = a_{i-1}^T dL/dz_i, dL/db_i = dL/dz_i (summed over the batch).  Update: the
optimizer's (SGD: W <- W - lr dL/dW).

dL/da and f'(z) are computed here with the operations ``MLP.deltas`` uses, from the
weights before the update, so that their product is the dL/dz the trainer used (a test
checks it is, to the bit).
"""

from __future__ import annotations

import numpy as np

from nnterm.engine.live.snapshot import BackpropView, LayerStep
from nnterm.engine.training.trainer import Trainer


def build_backprop_view(trainer: Trainer) -> BackpropView | None:
    """The last step ``trainer`` took explained, or None before its first (or when it
    was not explaining)."""
    taken = trainer.last_step
    if taken is None:
        return None
    net, passed = trainer.net, taken.taken
    last = net.n_layers - 1
    layers = []
    for i in range(net.n_layers):
        W, b = taken.before[2 * i], taken.before[2 * i + 1]
        if i < last:
            h = passed.hidden[i]
            z, a = h.z[0], h.a[0]
            grad_a = (taken.deltas[i + 1] @ taken.before[2 * (i + 1)].T)[0]
            slope = net.activations[i].derivative(h.z, h.a)[0]
        else:
            z = passed.logits[0]
            a = trainer.loss.head(passed.logits)[0]
            grad_a = slope = np.zeros(0)
        layers.append(LayerStep(
            activation=net.activations[i].name if i < last else "output",
            inputs=_floats(passed.inputs[i][0]),
            weights=_floats(W), bias=_floats(b), z=_floats(z), a=_floats(a),
            grad_a=_floats(grad_a), slope=_floats(slope),
            grad_z=_floats(taken.deltas[i][0]),
            grad_weights=_floats(passed.grads[2 * i]),
            grad_bias=_floats(passed.grads[2 * i + 1]),
            new_weights=_floats(taken.after[2 * i]), new_bias=_floats(taken.after[2 * i + 1]),
        ))
    names = net.feature_map.names if net.feature_map is not None else tuple(
        f"x{j + 1}" for j in range(net.sizes[0]))
    return BackpropView(
        step=taken.step, batch=len(taken.X), input_names=tuple(names),
        target=float(np.ravel(taken.y[0])[0]), loss_name=trainer.loss.name,
        loss=float(passed.loss), optimizer=trainer.config.train.optimizer.name,
        lr=float(taken.lr), layers=tuple(layers))


def _floats(values: np.ndarray) -> np.ndarray:
    return np.array(values, dtype=np.float64)
