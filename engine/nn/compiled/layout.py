"""Where the arrays of a compiled pass lie, so that one kernel call can take the whole
backward pass from five flat arrays (``kernels.backward_layers``).

A Numba call costs about 55 ns for every array it is given, and a tuple of arrays more:
the backward pass of a 2-8-8-1 net, called layer by layer, spent more on its calls than
on its arithmetic. So a pass writes into two flat buffers:

* the gradients, in the layout of the network's own parameters (``flat``: W then b of
  each layer, in order), one offset serving both;
* its work buffer: each hidden layer's z, a (z itself for the identity) and dL/dz, then
  the logits and dL/dlogits.

``PassLayout.table`` gives the kernel each layer's offsets and settings, a row a layer
(the columns named below); ``WorkArrays`` and ``PassLayout.grad_views`` give Python
the same places as views.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

#: The columns of ``PassLayout.table``: where W and b start in the parameters (and the
#: gradients), the layer's fan-in and fan-out, where its input, z and dL/dz start in the
#: work buffer (-1: its input is the batch itself), the derivative code of the layer
#: below it (``kernels``), and whether the kernel computes its dW and its dz W^T (0: BLAS
#: did, between the kernel's calls).
W_AT, B_AT, FAN_IN, FAN_OUT, INPUT_AT, Z_AT, DZ_AT, BELOW, WITH_DW, WITH_DA = range(10)
COLUMNS = 10


class WorkArrays:
    """The views of a pass's work buffer: each hidden layer's z and a, each layer's
    dL/dz (the top one's is dL/dlogits), and the logits."""

    def __init__(self, layout: PassLayout, work: np.ndarray) -> None:
        self.buffer = work
        rows = layout.rows

        def at(offset: int, width: int) -> np.ndarray:
            return work[offset:offset + rows * width].reshape(rows, width)

        table = layout.table
        self.z = [at(int(r[Z_AT]), int(r[FAN_OUT])) for r in table[:-1]]
        self.a = [at(int(r[INPUT_AT]), int(r[FAN_IN])) for r in table[1:]]
        self.dz = [at(int(r[DZ_AT]), int(r[FAN_OUT])) for r in table]
        self.logits = at(int(table[-1][Z_AT]), int(table[-1][FAN_OUT]))


class PassLayout:
    """The offsets of one network's pass on batches of ``rows`` (see the module doc).
    ``own_output[i]``: hidden layer i writes its a apart from z (not the identity)."""

    def __init__(self, sizes: Sequence[int], rows: int, own_output: list[bool],
                 below_codes: list[int], with_dW: list[bool], with_da: list[bool]) -> None:
        self.rows = rows
        layers = len(sizes) - 1
        table = np.zeros((layers, COLUMNS), np.int64)
        self.grad_slices: list[tuple[int, int, tuple[int, ...]]] = []
        param_at = work_at = 0
        below_input = -1  # the first layer reads the batch
        for i in range(layers):
            fan_in, fan_out = sizes[i], sizes[i + 1]
            row = table[i]
            b_at = param_at + fan_in * fan_out
            row[W_AT], row[B_AT] = param_at, b_at
            self.grad_slices += [(param_at, b_at, (fan_in, fan_out)),
                                 (b_at, b_at + fan_out, (fan_out,))]
            param_at = b_at + fan_out
            row[FAN_IN], row[FAN_OUT], row[INPUT_AT] = fan_in, fan_out, below_input
            row[BELOW], row[WITH_DW], row[WITH_DA] = below_codes[i], with_dW[i], with_da[i]
            block = rows * fan_out
            row[Z_AT] = work_at
            # a hidden layer's a follows its z (or is z), then its dL/dz; the top layer's
            # "z" is the logits, its dL/dz dL/dlogits
            a_at = work_at + block if i < layers - 1 and own_output[i] else work_at
            row[DZ_AT] = a_at + block
            below_input = a_at
            work_at = int(row[DZ_AT]) + block
        self.table = table
        self.work_size = work_at
        self.grad_size = param_at

    def grad_views(self, grads: np.ndarray) -> list[np.ndarray]:
        """The gradients in ``grads`` as views shaped like the parameters, in order."""
        return [grads[start:stop] if len(shape) == 1 else grads[start:stop].reshape(shape)
                for start, stop, shape in self.grad_slices]

    def new_work(self) -> WorkArrays:
        """A work buffer of its own, as views."""
        return WorkArrays(self, np.empty(self.work_size))

    def new_grads(self) -> tuple[np.ndarray, list[np.ndarray]]:
        """A gradient buffer of its own, and its views."""
        buffer = np.empty(self.grad_size)
        return buffer, self.grad_views(buffer)
