"""What every optimizer shares: flat buffers, declared hyperparameters, ``p -= update``.

An optimizer is a dataclass (``eq=False, repr=False``) subclassing ``Optimizer``, whose
fields are its hyperparameters declared with ``hyperparam`` (``nn.hyperparams``), with
``torch.optim``'s defaults and the values torch allows; ``STATE`` declares the per-parameter
buffers it keeps (torch's state keys), which the memory estimate counts; ``VARIANTS`` names
settings the course calls optimizers of their own (SGD with momentum 0.9 is ``momentum``).

Speed: the nets here are tiny (a 2-8-8-2 MLP is six arrays, 106 numbers), so a step costs the
number of NumPy calls, not arithmetic. The gradients are therefore gathered into one flat buffer
(a single ``np.concatenate``), the update is computed on flat buffers with in-place ufuncs, and
each param receives it with one ``p -= update``, or the whole update at once when the params
are consecutive slices of one buffer, as a network's are (``flat``). The state lives in flat
buffers too, one slice per list position, in ``state`` by name.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from nnterm.engine.nn.flat import shared_buffer, tiled_buffer, views_of
from nnterm.engine.nn.hyperparams import NON_NEGATIVE, POSITIVE, check, declared, hyperparam

Arrays = Sequence[np.ndarray]


@dataclass(frozen=True)
class State:
    """A flat buffer an optimizer keeps, one number per parameter, named as in torch's
    ``optimizer.state``: kept always, or only while the hyperparameter ``when`` is
    non-zero (or true)."""

    name: str
    when: str | None = None

    def kept(self, options: Mapping[str, Any]) -> bool:
        return self.when is None or bool(options[self.when])


def learning_rate(default: float) -> Any:
    """The ``lr`` field every optimizer declares (with torch's default for it)."""
    return hyperparam(default, POSITIVE, "the step size (the schedule multiplies it)")


def l2_weight_decay() -> Any:
    """The coupled ``weight_decay`` field: an L2 penalty entering the gradient."""
    return hyperparam(0.0, NON_NEGATIVE, "L2 penalty: g <- g + weight_decay * p")


class Optimizer:
    """Shared machinery: flat buffers, hyperparameter checks, the final ``p -= update``.

    Subclasses are dataclasses of declared hyperparameters (see the module docstring),
    set ``name`` and ``STATE``, implement ``step`` and, for rules between hyperparameters,
    ``_check_together``.
    """

    name: ClassVar[str] = ""
    STATE: ClassVar[tuple[State, ...]] = ()
    VARIANTS: ClassVar[Mapping[str, Mapping[str, Any]]] = {}
    #: Every optimizer declares it as a field (``learning_rate``); the trainer sets it
    #: before each step from the schedule.
    lr: float

    def __post_init__(self) -> None:
        self.validate()
        for param in declared(type(self)):  # a YAML list of betas becomes a tuple
            setattr(self, param.name, param.domain.convert(getattr(self, param.name)))
        self.reset_state()

    def reset_state(self) -> None:
        """Forget all state (moments, step count); the next step starts afresh, as a new
        torch optimizer would. Hyperparameters are kept."""
        self._views: list[np.ndarray] | None = None  # per-position views of self._update
        self._forget_buffer()
        self._grad = self._tmp = self._update = np.empty(0)
        self.state: dict[str, np.ndarray] = {}  # the STATE buffers, flat, by name
        self.t = 0  # steps taken (torch: state["step"])

    def hyperparams(self) -> dict[str, Any]:
        """The current hyperparameters, by name (the keyword arguments of the constructor)."""
        return {param.name: getattr(self, param.name) for param in declared(type(self))}

    def validate(self) -> None:
        """Raise ValueError if a hyperparameter is out of its declared range, or if they
        do not go together; call it after editing the attributes."""
        for param in declared(type(self)):
            check(type(self).__name__, param, getattr(self, param.name))
        self._check_together()

    def _check_together(self) -> None:
        """Raise ValueError if the hyperparameters, each allowed, do not go together."""

    def step(self, params: Arrays, grads: Arrays) -> None:
        """Update every array of ``params`` in place from ``grads`` (parallel lists)."""
        raise NotImplementedError

    def __repr__(self) -> str:
        args = ", ".join(f"{key}={value!r}" for key, value in self.hyperparams().items())
        return f"{type(self).__name__}({args})"

    def _gather(self, params: Arrays, grads: Arrays, writes: bool = True) -> np.ndarray:
        """All gradients as one flat array ``g``, and the step counted: the buffer they
        tile when they say so (``flat.Tiles``, as a network's compiled step hands them
        out), copied into the work buffer if the step ``writes`` into g, else that buffer
        itself; otherwise concatenated into the work buffer."""
        views = self._views
        if views is None or len(params) != len(views) or len(grads) != len(views):
            self._layout(params, grads)
        self.t += 1
        buffer = tiled_buffer(grads)
        if buffer is None or buffer.size != self._grad.size or buffer.dtype != self._grad.dtype:
            np.concatenate(grads, axis=None, out=self._grad)
            return self._grad
        if not writes:
            return buffer
        np.copyto(self._grad, buffer)
        return self._grad

    def _buffer(self, name: str, fill: float = 0.0) -> np.ndarray:
        """The flat state buffer ``name``, filled with ``fill`` when first asked for."""
        buffer = self.state.get(name)
        if buffer is None:
            buffer = self.state[name] = np.full(self._grad.size, fill, self._grad.dtype)
        return buffer

    def _layout(self, params: Arrays, grads: Arrays) -> None:
        if len(params) != len(grads):
            raise ValueError(
                f"{self.name}: params and grads must be parallel lists, "
                f"got {len(params)} params and {len(grads)} grads"
            )
        if self._views is not None:
            raise ValueError(
                f"{self.name}: step() got {len(params)} arrays but the state holds "
                f"{len(self._views)}; call reset_state() after changing the parameter list"
            )
        if not all(isinstance(p, np.ndarray) for p in params):
            raise ValueError(f"{self.name}: params must be NumPy arrays (updated in place)")
        dtypes = {p.dtype for p in params}
        if len(dtypes) != 1 or not np.issubdtype(next(iter(dtypes)), np.floating):
            raise ValueError(
                f"{self.name}: params must share one floating-point dtype, "
                f"got {sorted(str(d) for d in dtypes)}"
            )
        dtype = params[0].dtype
        size = sum(p.size for p in params)
        self._grad = np.empty(size, dtype)
        self._tmp = np.empty(size, dtype)
        self._update = np.empty(size, dtype)
        self._views = self._views_of([p.shape for p in params])

    def _views_of(self, shapes: list[tuple[int, ...]]) -> list[np.ndarray]:
        """One view of the flat ``_update`` buffer per parameter shape, in order."""
        return views_of(self._update, shapes)

    def _forget_buffer(self) -> None:
        """Forget which buffer the params tile (``_subtract_update`` looks again)."""
        self._buffer_of: np.ndarray | None = None  # the first param, when it was looked at
        self._params_buffer: np.ndarray | None = None  # the buffer they tile, if any

    # A copy (copy.deepcopy, pickle) must keep the views pointing into its own flat
    # buffer: copied one by one they would become separate arrays, and the copy's
    # updates would never reach its parameters. So the views travel as their shapes.
    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        del state["_buffer_of"], state["_params_buffer"]  # the copy looks at its own params
        views = state.pop("_views")
        state["_view_shapes"] = None if views is None else [v.shape for v in views]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        shapes = state.pop("_view_shapes")
        self.__dict__.update(state)
        self._views = None if shapes is None else self._views_of(shapes)
        self._forget_buffer()

    def _l2(self, params: Arrays, g: np.ndarray, weight_decay: float) -> None:
        """The coupled L2 penalty: g <- g + weight_decay * p (when weight_decay != 0)."""
        if weight_decay != 0:
            tmp = self._tmp
            np.concatenate(params, axis=None, out=tmp)
            tmp *= weight_decay
            g += tmp

    def _subtract_update(self, params: Arrays) -> None:
        """p -= update, for every param (the update was computed flat in ``self._update``):
        in one call when the params tile one buffer in order (``flat.shared_buffer``)."""
        assert self._views is not None, "step() gathers (and lays out) before it updates"
        if self._buffer_of is not params[0]:
            self._buffer_of, self._params_buffer = params[0], shared_buffer(params)
        if self._params_buffer is not None:
            self._params_buffer -= self._update
            return
        for p, update in zip(params, self._views, strict=True):
            p -= update
