"""A small network's training step on compiled kernels, with NumPy's bits.

On the networks of a first course (a 2-8-8-1 net, a batch of 10) a NumPy step costs the
number of NumPy calls it makes, some 40 at 0.2-0.8 us each, not its few hundred
multiply-adds. Here the products, sums and element-wise work of a layer are one compiled
call (``kernels``, Numba), and only what NumPy computes with vectorised code of its own
(tanh, exp, log) stays a NumPy call: a step makes about ten calls.

Every number is the same, bit for bit, as the NumPy path's (``network.MLP``): each kernel
sums in NumPy's and BLAS's order, and a network steps on them only after ``plan`` has
checked, on this machine, each of its products and one whole step against NumPy. Nothing
of this is required: without Numba, with ``NNTERM_COMPILED=0`` in the environment, or for
any network it does not cover, the step is NumPy's. (Numba's cache knows a kernel by
its own file only: after editing ``products`` or ``blocks`` in a working copy, delete
``__pycache__/*.nb*`` here, or ``kernels`` keeps the compiled code of the old ones;
an install writes every file afresh.)

``compiled_pass`` is all the network calls. Loading the kernels costs a process about
0.7 s of CPU (Numba's import and its cache) and 160 MB of memory, and compiling them,
once after an install, about 11 s; they save 5-10 us a step of a small network, so only
a long run pays for them: tens of thousands of steps. A network therefore takes
``WARM_PASSES`` steps with NumPy first (a script's loop, whose length is unknown), a run
its trainer plans shorter than ``LONG_RUN`` steps (``MLP.planned_passes``: every lesson as
it comes, most of ``nnterm check``, the tests) never loads them, and one it plans longer
asks for them at its first step. They load in a thread of their own (``load``) while the
steps go on with NumPy, and the next pass after they are ready makes the plan: training
never waits for a compiler. The app keeps
them out of its own process (``set_enabled(False)``); its engine process, at full speed,
loads them for a long run.
"""

from __future__ import annotations

import os
import threading
from typing import TYPE_CHECKING, Any

from nnterm.engine.nn.compiled.coverage import qualifies

if TYPE_CHECKING:
    import numpy as np

    from nnterm.engine.nn.network import MLP, Pass

#: Off with NNTERM_COMPILED=0 (or false/no/off); ``set_enabled`` changes it in a process.
COMPILED_VARIABLE = "NNTERM_COMPILED"
_enabled = os.environ.get(COMPILED_VARIABLE, "1").strip().lower() not in ("0", "false", "no",
                                                                        "off")
_available: bool | None = None  # whether the kernels loaded; None until ``load`` ends
_loading: threading.Thread | None = None
_loading_lock = threading.Lock()

#: Passes of one network, batch size and loss taken with NumPy before a plan is made.
WARM_PASSES = 1000
#: The fewest passes a run must plan for its network to load the kernels.
LONG_RUN = 50_000


def set_enabled(on: bool) -> None:
    """Let networks step on compiled kernels (the default) or keep every step NumPy's."""
    global _enabled
    _enabled = bool(on)


def load(wait: bool = True) -> bool | None:
    """Load the kernels (Numba, and the compiled code from its cache or, the first time,
    the compiler) in a thread of their own, started at the first call. With ``wait``,
    until it ends. Whether they loaded: True, False (no working Numba), or None while
    they are still loading."""
    global _loading
    with _loading_lock:
        if _loading is None:
            _loading = threading.Thread(target=_load, name="nnterm-kernels", daemon=True)
            _loading.start()
    if wait:
        _loading.join()
    return _available


def _load() -> None:
    global _available
    try:
        from nnterm.engine.nn.compiled import kernels

        kernels.warm_up()
    except Exception:  # no Numba, or one that cannot compile here: NumPy steps on
        _available = False
    else:
        _available = True


def compiled_pass(net: MLP, X: np.ndarray, y: np.ndarray, loss: str, train: bool,
                  reuse: str) -> Pass | None:
    """The forward and backward pass of ``net`` on a batch from the compiled kernels, or
    None when this network, batch size and loss step with NumPy (not enabled, not
    covered, or the check of ``plan.make_plan`` found a difference). ``reuse``: what the
    pass may write into the arrays of the last pass that reused them (``network.NOTHING``,
    ``TRACE``, ``EVERYTHING``: ``StepPlan.run``)."""
    if not _enabled:
        return None
    plans: dict[tuple[Any, ...], Any] = net.step_plans
    key = (X.shape[0], loss, train)
    plan = plans.get(key, 0)
    if type(plan) is int:  # the passes taken with NumPy so far
        planned = net.planned_passes
        if planned is None and plan < WARM_PASSES:  # a script's loop: its length unknown
            plans[key] = plan + 1
            return None
        if planned is not None and planned < LONG_RUN:  # asked again: steps may be added
            return None
        if not qualifies(net, X, loss, train):
            plans[key] = None
            return None
        loaded = load(wait=False)
        if loaded is None:  # still loading: this pass is NumPy's
            return None
        if loaded:
            from nnterm.engine.nn.compiled.plan import make_plan

            plan = plans[key] = make_plan(net, X, y, loss)
        else:
            plan = plans[key] = None
    if plan is None:
        return None
    result: Pass | None = plan.run(net, X, y, reuse)  # None: see ``StepPlan.run``
    return result
