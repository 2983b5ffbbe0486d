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
from dataclasses import dataclass
from typing import Any, ClassVar

from nnterm.engine.nn.hyperparams import Number, build, check, declared, hyperparam


@dataclass(frozen=True, kw_only=True)
class Schedule:
    """Base class: a decay ``_decay(step)`` times the linear warmup described above. Its
    options are fields declared with ``hyperparam`` (see ``nn.hyperparams``)."""

    name: ClassVar[str] = ""
    warmup_steps: int = hyperparam(0, Number(0, whole=True),
                                   "steps of linear warmup from lr / warmup_steps")

    def __post_init__(self) -> None:
        for param in declared(type(self)):
            check(f"{self.name} schedule", param, getattr(self, param.name))

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
    step_size: int = hyperparam(domain=Number(1, whole=True), doc="steps between two decays")
    gamma: float = hyperparam(0.1, Number(0, 1, low_open=True), "the factor of each decay")

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
    total_steps: int = hyperparam(domain=Number(1, whole=True),
                                  doc="steps of the decay (null: the run's train.steps)")
    min_factor: float = hyperparam(0.0, Number(0, 1), "the factor it ends at")

    def _decay(self, step: int) -> float:
        progress = min(step, self.total_steps) / self.total_steps
        return self.min_factor + (1 - self.min_factor) * (1 + math.cos(math.pi * progress)) / 2


#: Every schedule, in the order the docs list them.
SCHEDULE_CLASSES: tuple[type[Schedule], ...] = (ConstantSchedule, StepSchedule, CosineSchedule)
_BY_NAME: dict[str, type[Schedule]] = {cls.name: cls for cls in SCHEDULE_CLASSES}
SCHEDULES: tuple[str, ...] = tuple(_BY_NAME)


def make_schedule(name: str, **kwargs: Any) -> Schedule:
    """Build a schedule by name ("constant", "step", "cosine"; any case) from its options."""
    return build(_BY_NAME, "schedule", name, kwargs, suffix=" schedule")


def schedule_class(name: str) -> type[Schedule]:
    """The class of the schedule called ``name`` (KeyError if there is none)."""
    return _BY_NAME[name]
