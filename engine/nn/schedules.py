"""Learning-rate schedules: the multiplier of the base learning rate at each optimizer step.

    schedule = make_schedule("cosine", total_steps=2000, warmup_steps=100)
    optimizer.lr = base_lr * schedule.factor(step)      # step = 0, 1, 2, ... before each update

A schedule is a small frozen dataclass with one method, ``factor(step) -> float``, where
``step`` is the 0-based index of the optimizer step about to be taken. Being a pure function of
the step, it needs no state, survives pausing and editing, and gives the same lr on any seed.

Every schedule also takes ``warmup_steps`` (default 0, no warmup): a linear warmup that
multiplies the decay,

    factor(step) = decay(step) * min(1, (step + 1) / warmup_steps)

so the first step already moves (lr / warmup_steps, never 0) and the full lr is reached at step
``warmup_steps - 1``. The decay is not delayed by the warmup; both run from step 0. This is
torch's ``LinearLR(start_factor=1/W, total_iters=W-1)`` chained with the decay schedule.
"""

from __future__ import annotations

import math
from dataclasses import MISSING, dataclass, fields
from numbers import Integral, Real
from typing import Any, ClassVar


def _check_int(name: str, value: Any, low: int) -> None:
    if isinstance(value, bool) or not isinstance(value, Integral) or value < low:
        raise ValueError(f"{name} must be a whole number >= {low}, got {value!r}")


def _check_real(name: str, value: Any, low: float, high: float, *, low_open: bool) -> None:
    ok = not isinstance(value, bool) and isinstance(value, Real) and math.isfinite(value)
    if ok:
        ok = (value > low if low_open else value >= low) and value <= high
    if not ok:
        bracket = "(" if low_open else "["
        raise ValueError(f"{name} must be a number in {bracket}{low}, {high}], got {value!r}")


@dataclass(frozen=True, kw_only=True)
class Schedule:
    """Base class: a decay ``_decay(step)`` times the linear warmup described above."""

    name: ClassVar[str] = ""
    warmup_steps: int = 0

    def __post_init__(self) -> None:
        _check_int(f"{self.name} schedule: warmup_steps", self.warmup_steps, 0)

    def factor(self, step: int) -> float:
        """Multiplier of the base learning rate at 0-based optimizer step ``step``."""
        if step < 0:
            raise ValueError(f"step must be >= 0, got {step!r}")
        factor = self._decay(step)
        if step < self.warmup_steps:
            factor *= (step + 1) / self.warmup_steps
        return float(factor)

    def _decay(self, step: int) -> float:
        raise NotImplementedError


@dataclass(frozen=True, kw_only=True)
class ConstantSchedule(Schedule):
    """factor = 1 (apart from the warmup)."""

    name: ClassVar[str] = "constant"

    def _decay(self, step: int) -> float:
        return 1.0


@dataclass(frozen=True, kw_only=True)
class StepSchedule(Schedule):
    """factor = gamma ** (step // step_size): multiply by gamma every step_size steps
    (torch.optim.lr_scheduler.StepLR, counted in optimizer steps)."""

    name: ClassVar[str] = "step"
    step_size: int
    gamma: float = 0.1

    def __post_init__(self) -> None:
        super().__post_init__()
        _check_int("step schedule: step_size", self.step_size, 1)
        _check_real("step schedule: gamma", self.gamma, 0.0, 1.0, low_open=True)

    def _decay(self, step: int) -> float:
        return self.gamma ** (step // self.step_size)


@dataclass(frozen=True, kw_only=True)
class CosineSchedule(Schedule):
    """Cosine annealing from 1 to min_factor over total_steps, then held at min_factor:

        factor = min_factor + (1 - min_factor) * (1 + cos(pi * min(step, T) / T)) / 2

    the closed form of torch's CosineAnnealingLR with T_max = T and eta_min = min_factor * lr.
    (torch keeps following the cosine past T_max, so its lr rises again; here it stays low.)
    """

    name: ClassVar[str] = "cosine"
    total_steps: int
    min_factor: float = 0.0

    def __post_init__(self) -> None:
        super().__post_init__()
        _check_int("cosine schedule: total_steps", self.total_steps, 1)
        _check_real("cosine schedule: min_factor", self.min_factor, 0.0, 1.0, low_open=False)

    def _decay(self, step: int) -> float:
        progress = min(step, self.total_steps) / self.total_steps
        return self.min_factor + (1 - self.min_factor) * (1 + math.cos(math.pi * progress)) / 2


_SCHEDULES: dict[str, type[Schedule]] = {
    cls.name: cls for cls in (ConstantSchedule, StepSchedule, CosineSchedule)
}
SCHEDULES: tuple[str, ...] = tuple(_SCHEDULES)


def make_schedule(name: str, **kwargs: Any) -> Schedule:
    """Build a schedule by name ("constant", "step", "cosine"; any case) from its options."""
    cls = _SCHEDULES.get(str(name).lower())
    if cls is None:
        raise ValueError(f"unknown schedule {name!r}; allowed: {', '.join(SCHEDULES)}")
    options = {f.name: f for f in fields(cls)}
    unknown = sorted(set(kwargs) - set(options))
    if unknown:
        raise ValueError(
            f"unknown {cls.name} schedule option(s) {', '.join(unknown)}; "
            f"allowed: {', '.join(options)}"
        )
    missing = [
        key
        for key, f in options.items()
        if key not in kwargs and f.default is MISSING and f.default_factory is MISSING
    ]
    if missing:
        raise ValueError(f"{cls.name} schedule needs {', '.join(missing)}")
    return cls(**kwargs)
