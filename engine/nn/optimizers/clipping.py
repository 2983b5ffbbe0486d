"""Gradient clipping by global norm, as torch.nn.utils.clip_grad_norm_."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from nnterm.engine.nn.hyperparams import NON_NEGATIVE


def clip_grad_norm(grads: Sequence[np.ndarray], max_norm: float) -> float:
    """Scale all gradients in place so that their joint L2 norm is at most ``max_norm``.

    As torch.nn.utils.clip_grad_norm_ with norm_type 2:

        total = sqrt(sum_i ||g_i||^2)          (the norm of all gradients as one vector)
        coef  = max_norm / (total + 1e-6)
        g_i  <- coef * g_i   if coef < 1

    Returns ``total``, the norm before clipping. Note the 1e-6: a total exactly at max_norm is
    still scaled, by max_norm / (max_norm + 1e-6).
    """
    if NON_NEGATIVE.problem(max_norm):
        raise ValueError(f"clip_grad_norm: max_norm must be {NON_NEGATIVE.allowed}, "
                         f"got {max_norm!r}")
    total = math.sqrt(sum(float(np.vdot(g, g)) for g in grads))
    coef = max_norm / (total + 1e-6)
    if coef < 1:
        for g in grads:
            g *= coef
    return total
