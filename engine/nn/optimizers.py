"""Optimizers that follow the ``torch.optim`` update rules term for term, on NumPy arrays.

    opt = make_optimizer("adam", lr=1e-2)
    opt.step(params, grads)      # params updated in place; grads are left untouched

``params`` and ``grads`` are parallel lists of arrays. Each optimizer keeps its state (momentum
buffer, Adam moments) per list position, allocated on the first step in the params' dtype, so the
same list, in the same order, must be passed on every step; ``reset_state()`` forgets it (needed
when the list changes). Hyperparameters are plain attributes (``opt.lr``, ``opt.betas``, ...) that
may be changed between steps without losing state, as with ``param_groups`` in torch; call
``validate()`` after editing them to get torch's range checks.

The rules are torch's single-tensor (``foreach=False``), non-capturable paths, with
``maximize=False`` and ``amsgrad=False``; ``tests/test_optimizers.py`` compares them with torch.

Speed: the nets here are tiny (a 2-8-8-2 MLP is six arrays, 106 numbers), so a step costs the
number of NumPy calls, not arithmetic. The gradients are therefore gathered into one flat buffer
(a single ``np.concatenate``), the update is computed on flat buffers with in-place ufuncs, and
each param receives it with one ``p -= update``. The state lives in flat buffers too, one slice
per list position.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from numbers import Real
from typing import Any, ClassVar

import numpy as np

Arrays = Sequence[np.ndarray]


def _check_number(
    owner: str, name: str, value: Any, low: float = 0.0, high: float | None = None
) -> None:
    """Raise ValueError unless ``low <= value`` (and ``value < high`` when given)."""
    if isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(value):
        raise ValueError(f"{owner}: {name} must be a finite number, got {value!r}")
    if value < low:
        raise ValueError(f"{owner}: {name} must be >= {low}, got {value!r}")
    if high is not None and value >= high:
        raise ValueError(f"{owner}: {name} must be in [{low}, {high}), got {value!r}")


class Optimizer:
    """Shared machinery: flat buffers, hyperparameter bookkeeping, the final ``p -= update``.

    Subclasses set ``name`` and ``HYPERPARAMS`` and implement ``step`` and ``validate``.
    """

    name: ClassVar[str] = ""
    HYPERPARAMS: ClassVar[tuple[str, ...]] = ()

    def __init__(self) -> None:
        self.reset_state()

    def reset_state(self) -> None:
        """Forget all state (moments, step count); the next step starts afresh, as a new
        torch optimizer would. Hyperparameters are kept."""
        self._views: list[np.ndarray] | None = None  # per-position views of self._update
        self._grad = self._tmp = self._update = np.empty(0)
        self._reset_buffers()

    def _reset_buffers(self) -> None:
        """Drop the subclass's own state; called by ``reset_state``."""

    def _allocate(self, size: int, dtype: np.dtype) -> None:
        """Allocate the subclass's own flat state buffers; called on the first step."""

    def hyperparams(self) -> dict[str, Any]:
        """The current hyperparameters, by name (the keyword arguments of the constructor)."""
        return {key: getattr(self, key) for key in self.HYPERPARAMS}

    def validate(self) -> None:
        """Raise ValueError if a hyperparameter is out of range (torch's checks)."""

    def __repr__(self) -> str:
        args = ", ".join(f"{key}={value!r}" for key, value in self.hyperparams().items())
        return f"{type(self).__name__}({args})"

    def _gather(self, params: Arrays, grads: Arrays) -> np.ndarray:
        """Copy all gradients into the flat work buffer ``g`` (allocating state on first use)."""
        views = self._views
        if views is None or len(params) != len(views) or len(grads) != len(views):
            self._layout(params, grads)
        np.concatenate(grads, axis=None, out=self._grad)
        return self._grad

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
        self._allocate(size, dtype)

    def _views_of(self, shapes: list[tuple[int, ...]]) -> list[np.ndarray]:
        """One view of the flat ``_update`` buffer per parameter shape, in order."""
        views, start = [], 0
        for shape in shapes:
            size = int(np.prod(shape, dtype=np.int64))
            views.append(self._update[start : start + size].reshape(shape))
            start += size
        return views

    # A copy (copy.deepcopy, pickle) must keep the views pointing into its own flat
    # buffer: copied one by one they would become separate arrays, and the copy's
    # updates would never reach its parameters. So the views travel as their shapes.
    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        views = state.pop("_views")
        state["_view_shapes"] = None if views is None else [v.shape for v in views]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        shapes = state.pop("_view_shapes")
        self.__dict__.update(state)
        self._views = None if shapes is None else self._views_of(shapes)

    def _subtract_update(self, params: Arrays) -> None:
        """p -= update, for every param (the update was computed flat in ``self._update``)."""
        for p, update in zip(params, self._views, strict=True):
            p -= update


class SGD(Optimizer):
    """Stochastic gradient descent with momentum, dampening, Nesterov and L2 weight decay.

    Per step, with g the gradient, mu the momentum and tau the dampening (torch.optim.SGD):

        g   <- g + weight_decay * p
        b   <- g                            on the first step with momentum (no dampening)
        b   <- mu * b + (1 - tau) * g       afterwards
        g   <- g + mu * b  if nesterov  else  b          (only if mu != 0)
        p   <- p - lr * g
    """

    name = "sgd"
    HYPERPARAMS = ("lr", "momentum", "dampening", "nesterov", "weight_decay")

    def __init__(
        self,
        lr: float = 1e-3,
        momentum: float = 0.0,
        dampening: float = 0.0,
        nesterov: bool = False,
        weight_decay: float = 0.0,
    ) -> None:
        self.lr = lr
        self.momentum = momentum
        self.dampening = dampening
        self.nesterov = nesterov
        self.weight_decay = weight_decay
        self.validate()
        super().__init__()

    def validate(self) -> None:
        _check_number("SGD", "lr", self.lr)
        _check_number("SGD", "momentum", self.momentum)
        # torch does not range-check dampening; a negative one would amplify the gradient.
        _check_number("SGD", "dampening", self.dampening)
        _check_number("SGD", "weight_decay", self.weight_decay)
        if not isinstance(self.nesterov, bool | np.bool_):
            raise ValueError(f"SGD: nesterov must be true or false, got {self.nesterov!r}")
        if self.nesterov and (self.momentum <= 0 or self.dampening != 0):
            raise ValueError(
                "SGD: nesterov momentum requires momentum > 0 and dampening = 0, "
                f"got momentum={self.momentum!r}, dampening={self.dampening!r}"
            )

    def _reset_buffers(self) -> None:
        self._buf: np.ndarray | None = None  # the momentum buffer b, created on first use

    def step(self, params: Arrays, grads: Arrays) -> None:
        """One SGD step: update every array of ``params`` in place from ``grads``."""
        if not params:
            return
        g = self._gather(params, grads)
        tmp = self._tmp
        mu = self.momentum
        if self.weight_decay != 0:
            np.concatenate(params, axis=None, out=tmp)
            tmp *= self.weight_decay
            g += tmp  # g + weight_decay * p
        if mu != 0:
            b = self._buf
            if b is None:
                self._buf = b = g.copy()  # b = g
            else:
                b *= mu
                np.multiply(g, 1 - self.dampening, out=tmp)
                b += tmp  # b = mu * b + (1 - tau) * g
            if self.nesterov:
                np.multiply(b, mu, out=tmp)
                g += tmp  # g + mu * b
            else:
                g = b
        np.multiply(g, self.lr, out=self._update)
        self._subtract_update(params)  # p - lr * g


class Adam(Optimizer):
    """Adam (Kingma & Ba 2015) with L2 weight decay added to the gradient, as torch.optim.Adam.

    Per step t = 1, 2, ... with g the gradient:

        g   <- g + weight_decay * p
        m   <- beta1 * m + (1 - beta1) * g        (torch: m.lerp_(g, 1 - beta1))
        v   <- beta2 * v + (1 - beta2) * g^2
        step_size = lr / (1 - beta1^t)
        denom     = sqrt(v) / sqrt(1 - beta2^t) + eps
        p   <- p - step_size * m / denom

    that is p - lr * m_hat / (sqrt(v_hat) + eps): eps is added after the square root and after
    the bias correction of v.
    """

    name = "adam"
    HYPERPARAMS = ("lr", "betas", "eps", "weight_decay")

    def __init__(
        self,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        self.lr = lr
        self.betas = betas
        self.eps = eps
        self.weight_decay = weight_decay
        self.validate()
        self.betas = (betas[0], betas[1])  # a YAML list becomes a tuple
        super().__init__()

    def validate(self) -> None:
        owner = type(self).__name__
        _check_number(owner, "lr", self.lr)
        _check_number(owner, "eps", self.eps)
        betas = self.betas
        if isinstance(betas, str | bytes) or not hasattr(betas, "__len__") or len(betas) != 2:
            raise ValueError(f"{owner}: betas must be a pair (beta1, beta2), got {self.betas!r}")
        _check_number(owner, "betas[0]", self.betas[0], 0.0, 1.0)
        _check_number(owner, "betas[1]", self.betas[1], 0.0, 1.0)
        _check_number(owner, "weight_decay", self.weight_decay)

    def _reset_buffers(self) -> None:
        self.t = 0  # the step counter t of the bias corrections (torch: state["step"])
        self._m = self._v = np.empty(0)

    def _allocate(self, size: int, dtype: np.dtype) -> None:
        self._m = np.zeros(size, dtype)
        self._v = np.zeros(size, dtype)

    def _weight_decay(self, params: Arrays, g: np.ndarray, lr: float, weight_decay: float) -> None:
        """Adam's L2 penalty: g <- g + weight_decay * p."""
        tmp = self._tmp
        np.concatenate(params, axis=None, out=tmp)
        tmp *= weight_decay
        g += tmp

    def step(self, params: Arrays, grads: Arrays) -> None:
        """One Adam step: update every array of ``params`` in place from ``grads``."""
        if not params:
            return
        g = self._gather(params, grads)
        lr, eps, weight_decay = self.lr, self.eps, self.weight_decay
        beta1, beta2 = self.betas
        m, v, tmp = self._m, self._v, self._tmp
        self.t += 1
        t = self.t
        if weight_decay != 0:
            self._weight_decay(params, g, lr, weight_decay)
        np.subtract(g, m, out=tmp)
        tmp *= 1 - beta1
        m += tmp  # m + (1 - beta1) (g - m)  =  beta1 m + (1 - beta1) g
        v *= beta2
        np.multiply(g, 1 - beta2, out=tmp)
        tmp *= g
        v += tmp  # beta2 v + (1 - beta2) g^2
        step_size = lr / (1 - beta1**t)
        denom = np.sqrt(v, out=tmp)
        denom /= (1 - beta2**t) ** 0.5
        denom += eps
        update = np.multiply(m, step_size, out=self._update)
        update /= denom
        self._subtract_update(params)  # p - step_size * m / denom


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter 2019), as torch.optim.AdamW.

    The decay shrinks the params before the Adam step instead of entering the gradient:

        p   <- p * (1 - lr * weight_decay)
        p   <- p - step_size * m / denom      (the Adam step above, on the raw gradient)
    """

    name = "adamw"

    def __init__(
        self,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
    ) -> None:
        super().__init__(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay)

    def _weight_decay(self, params: Arrays, g: np.ndarray, lr: float, weight_decay: float) -> None:
        """Decoupled decay: p <- p * (1 - lr * weight_decay); the gradient is left alone."""
        shrink = 1 - lr * weight_decay
        for p in params:
            p *= shrink


_OPTIMIZERS: dict[str, type[Optimizer]] = {cls.name: cls for cls in (SGD, Adam, AdamW)}
OPTIMIZERS: tuple[str, ...] = tuple(_OPTIMIZERS)


def make_optimizer(name: str, **kwargs: Any) -> Optimizer:
    """Build an optimizer by name ("sgd", "adam", "adamw"; any case) from its hyperparameters."""
    cls = _OPTIMIZERS.get(str(name).lower())
    if cls is None:
        raise ValueError(f"unknown optimizer {name!r}; allowed: {', '.join(OPTIMIZERS)}")
    unknown = sorted(set(kwargs) - set(cls.HYPERPARAMS))
    if unknown:
        raise ValueError(
            f"unknown {cls.name} option(s) {', '.join(unknown)}; "
            f"allowed: {', '.join(cls.HYPERPARAMS)}"
        )
    return cls(**kwargs)


def clip_grad_norm(grads: Arrays, max_norm: float) -> float:
    """Scale all gradients in place so that their joint L2 norm is at most ``max_norm``.

    As torch.nn.utils.clip_grad_norm_ with norm_type 2:

        total = sqrt(sum_i ||g_i||^2)          (the norm of all gradients as one vector)
        coef  = max_norm / (total + 1e-6)
        g_i  <- coef * g_i   if coef < 1

    Returns ``total``, the norm before clipping. Note the 1e-6: a total exactly at max_norm is
    still scaled, by max_norm / (max_norm + 1e-6).
    """
    _check_number("clip_grad_norm", "max_norm", max_norm)
    total = math.sqrt(sum(float(np.vdot(g, g)) for g in grads))
    coef = max_norm / (total + 1e-6)
    if coef < 1:
        for g in grads:
            g *= coef
    return total
