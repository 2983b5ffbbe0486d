"""Controls for a running Trainer, applied between steps.

Commands are plain picklable dataclasses: the UI builds them from keys, and they may cross
a process boundary before ``Trainer.apply`` receives them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Pause:
    """Stop stepping until Resume (or StepOnce)."""


@dataclass(frozen=True)
class Resume:
    """Continue stepping."""


@dataclass(frozen=True)
class StepOnce:
    """Take exactly one step while paused."""


@dataclass(frozen=True)
class Reset:
    """Start the run again from step 0 with the same seed: identical data and weights."""


@dataclass(frozen=True)
class Reseed:
    """Start the run again from step 0 with another seed (``None``: the next one)."""

    seed: int | None = None


@dataclass(frozen=True)
class Reinitialize:
    """Draw fresh weights from the seed and clear the optimizer's state; the step count
    and the history go on, so the curves show the restart."""


@dataclass(frozen=True)
class Set:
    """Change settings by dotted path, e.g. ``Set({"train.optimizer.lr": 0.1})``.

    Hyperparameters (learning rate, momentum, weight decay, batch size, dropout,
    activation, penalties, clipping) apply at the next step and keep the run going; a
    new optimizer starts with empty state; init or structure changes re-initialise the
    network with the same seed; data changes reset the run.
    """

    changes: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SetParameter:
    """Give one parameter a value, as TensorFlow Playground's weight card does: the weight
    from input ``row`` into unit ``unit`` of layer ``layer`` (0-based), or that unit's
    bias (``row`` None). The next step starts from it; a reset draws the init again."""

    layer: int
    unit: int
    row: int | None
    value: float


@dataclass(frozen=True)
class AddPoint:
    """Add a training example of class ``label`` at ``(x1, x2)`` (2-D classification
    data; ``data.drawing``): the run trains on it from its next step, with its weights
    as they are."""

    x1: float
    x2: float
    label: int


@dataclass(frozen=True)
class RemovePoints:
    """Remove the training examples inside ``box`` (x1 from, to, x2 from, to; None: every
    one), and the validation examples there too if ``validation``."""

    box: tuple[float, float, float, float] | None
    validation: bool = False


Command = (Pause | Resume | StepOnce | Reset | Reseed | Reinitialize | Set | SetParameter
           | AddPoint | RemovePoints)


# Session-level controls: the loop that drives a Trainer (``live.run_loop``) handles these
# itself; they never reach ``Trainer.apply``.


@dataclass(frozen=True)
class SetSpeed:
    """Step at most ``steps_per_second`` times a second; ``None`` is full speed.
    ``announce``: say the new speed as the snapshot's message (not for the pace a lesson
    opens at, which the status line shows anyway: no news)."""

    steps_per_second: float | None = None
    announce: bool = True


@dataclass(frozen=True)
class Stop:
    """End the session's loop (the engine process exits)."""


SessionCommand = SetSpeed | Stop
