"""Name the glossary's symptoms in a running network, with their usual causes.

A DiagnosisWatcher sees every StepRecord of one run in order and reports each diagnosis
once, at the first record where it holds. "High" and "low" loss are measured against the
chance loss (``losses.chance_loss``), what a model that learnt nothing pays:

================== ======================================================================
nan                 a loss is NaN/Inf: init too large or learning rate too high
flat_loss           after 100+ steps the loss is within 5% of where it started and the
                    first layer's gradient norm is below 1e-3, now and at step 0: init too
                    small, or vanishing (a gradient that was tiny from the start, not one
                    that faded as a small model converged)
symmetric_units     a hidden layer's units all have the same weights (spread < 1e-12):
                    zero/constant init, symmetry never breaks
dead_relu           half or more of a ReLU layer's units never fire on the probe set
vanishing_gradients the first layer's gradient norm is below 1e-3 of the last layer's
overfitting         after 100+ steps, val loss > 2x train loss and the gap exceeds a quarter
                    of the initial loss
underfitting        after 200+ steps, train and val loss are both high (at least 80% of the
                    chance loss: ln K for K classes, the targets' variance for regression)
                    and the train loss moved by less than 5% over the last 100 steps: a
                    plateau (not a spike) far from fitting, too small a model or too low
                    an lr (a loss over 1.5x its start is loss_rising, not underfitting)
loss_rising         train loss is 1.5x its lowest so far and above its start: lr too high
================== ======================================================================

``fit_diagnosis`` places the run in the glossary's table of train against val loss
(section 8): high/high is underfitting (the model is too small), low/low is good, low/high
is overfitting (memorising). It is the last of overfitting and underfitting that held at
any record; else "good" while train and val loss are both low (under 80% of chance); else
"" (not yet: the loss is still high).
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass

from nnterm.engine.training.telemetry import StepRecord

DIAGNOSES = (
    "nan",
    "flat_loss",
    "symmetric_units",
    "dead_relu",
    "vanishing_gradients",
    "overfitting",
    "underfitting",
    "loss_rising",
)
#: The rows of the glossary's train/val loss table, as ``fit_diagnosis`` names them.
FITS = ("underfitting", "good", "overfitting")

FLAT_MIN_STEPS, FLAT_LOSS_FRACTION, TINY_GRAD = 100, 0.95, 1e-3
SYMMETRY_SPREAD = 1e-12
DEAD_FRACTION = 0.5
VANISHING_RATIO = 1e-3
OVERFIT_MIN_STEPS, OVERFIT_RATIO, OVERFIT_GAP = 100, 2.0, 0.25
UNDERFIT_MIN_STEPS, HIGH_FRACTION = 200, 0.8
PLATEAU_STEPS, PLATEAU_GAIN = 100, 0.05
RISING_FACTOR = 1.5


@dataclass(frozen=True)
class Diagnosis:
    """A symptom first seen at ``step``, with a message that names the likely cause."""

    name: str
    step: int
    message: str


class DiagnosisWatcher:
    """Watches one run's records (in step order) and reports each diagnosis once.
    ``chance``: the loss of knowing nothing on this task (``losses.chance_loss``)."""

    def __init__(self, chance: float) -> None:
        self.chance = chance
        self.seen: list[Diagnosis] = []
        self.fit_diagnosis = ""
        self._initial: StepRecord | None = None
        self._lowest = math.inf
        # (step, train loss) of the records of the last PLATEAU_STEPS steps, and the one
        # just before them
        self._recent: deque[tuple[int, float]] = deque()

    def watch(self, record: StepRecord, activations: Sequence[str]) -> list[Diagnosis]:
        """The diagnoses first seen at ``record``; ``activations`` names each hidden
        layer's activation."""
        if self._initial is None:
            self._initial = record
        self._remember(record)
        holding = list(self._check(record, activations))
        found = [d for d in holding if d[0] not in self.names]
        new = [Diagnosis(name, record.step, message) for name, message in found]
        self.seen.extend(new)
        if math.isfinite(record.train_loss):
            self._lowest = min(self._lowest, record.train_loss)
        self._place(record, {name for name, _ in holding})
        return new

    def _remember(self, record: StepRecord) -> None:
        self._recent.append((record.step, record.train_loss))
        while len(self._recent) > 1 and self._recent[1][0] <= record.step - PLATEAU_STEPS:
            self._recent.popleft()

    def _plateau(self, r: StepRecord) -> bool:
        """The train loss moved by less than PLATEAU_GAIN of itself, down or up, over the
        last PLATEAU_STEPS steps (False while the run is younger than that): a plateau,
        where a spike (a loss that jumped up) is not one."""
        step, before = self._recent[0]
        return (step <= r.step - PLATEAU_STEPS
                and abs(r.train_loss - before) < PLATEAU_GAIN * before)

    def _high(self, loss: float) -> bool:
        """At least HIGH_FRACTION of chance; NaN counts as high."""
        return not loss < HIGH_FRACTION * self.chance

    def _place(self, r: StepRecord, holding: set[str]) -> None:
        """Update ``fit_diagnosis``, the run's row of the glossary's train/val table."""
        for name in ("overfitting", "underfitting"):
            if name in holding:
                self.fit_diagnosis = name
                return
        if self.fit_diagnosis in ("", "good"):
            low = not (self._high(r.train_loss) or self._high(r.val_loss))
            self.fit_diagnosis = "good" if low else ""

    @property
    def names(self) -> set[str]:
        return {d.name for d in self.seen}

    def _check(self, r: StepRecord, activations: Sequence[str]):
        start = self._initial.train_loss
        if not (math.isfinite(r.train_loss) and math.isfinite(r.batch_loss)):
            yield "nan", (f"loss is NaN/Inf at step {r.step}: "
                          "init too large or learning rate too high")
            return
        tiny_from_start = r.grad_norm[0] < TINY_GRAD and self._initial.grad_norm[0] < TINY_GRAD
        if (r.step >= FLAT_MIN_STEPS and r.train_loss > FLAT_LOSS_FRACTION * start
                and tiny_from_start):
            yield "flat_loss", (f"loss has barely moved in {r.step} steps and the gradients "
                                "are tiny: init too small, or vanishing gradients")
        for i, spread in enumerate(r.unit_spread):
            if spread < SYMMETRY_SPREAD:
                yield "symmetric_units", (f"all units of hidden layer {i + 1} are identical: "
                                          "constant or zero init never breaks the symmetry")
                break
        for i, (dead, act) in enumerate(zip(r.dead_frac, activations, strict=True)):
            if act == "relu" and dead >= DEAD_FRACTION:
                yield "dead_relu", (f"{dead:.0%} of the ReLUs in hidden layer {i + 1} are dead: "
                                    "negative bias or too high a learning rate; try leaky_relu")
                break
        first, last = r.grad_norm[0], r.grad_norm[-1]
        if len(r.grad_norm) > 2 and last > 0 and first < VANISHING_RATIO * last:
            yield "vanishing_gradients", (f"the first layer's gradient is {first / last:.1e} of "
                                          "the last layer's: vanishing gradients")
        if (r.step >= OVERFIT_MIN_STEPS and r.val_loss > OVERFIT_RATIO * r.train_loss
                and r.val_loss - r.train_loss > OVERFIT_GAP * start):
            yield "overfitting", (f"train loss {r.train_loss:.3g} but val loss {r.val_loss:.3g}: "
                                  "overfitting; regularise or add data")
        if (r.step >= UNDERFIT_MIN_STEPS and self._high(r.train_loss) and self._high(r.val_loss)
                and r.train_loss <= RISING_FACTOR * start and self._plateau(r)):
            yield "underfitting", (f"train loss {r.train_loss:.3g} and val loss {r.val_loss:.3g} "
                                   f"have stalled near chance ({self.chance:.3g}): underfitting; "
                                   "a bigger model or a higher learning rate, unless another "
                                   "diagnosis names the cause")
        if r.train_loss > max(RISING_FACTOR * self._lowest, start) and r.step > 0:
            yield "loss_rising", (f"loss rose to {r.train_loss:.3g} from a low of "
                                  f"{self._lowest:.3g}: learning rate too high")
