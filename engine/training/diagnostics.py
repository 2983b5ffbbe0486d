"""Name the glossary's symptoms in a running network, with their usual causes.

A DiagnosisWatcher sees every StepRecord of one run in order and reports each diagnosis
once, at the first record where it holds. "High" and "low" loss are measured against the
chance loss (``losses.chance_loss``), what a model that learnt nothing pays. A diagnosis
names a problem, so none fires on a run whose loss is low: a state that a healthy run
passes through (a layer mostly dead for a moment, a tiny gradient at step 0 that the
optimizer soon grows out of, a spike of the val loss) must last HOLD_STEPS steps,
measured at every logged record, before it is reported:

=================== ====================================================================
nan                 a loss is NaN/Inf: init too large or learning rate too high
loss_rising         train loss is 1.5x its lowest so far and above its start: the steps
                    are too large
symmetric_units     a hidden layer of two or more units has all its units alike (weight
                    spread < 1e-12): zero/constant init, symmetry never breaks
dead_relu           for HOLD_STEPS steps, three quarters or more of a ReLU layer's units
                    never fire on the probe set while the train loss is high (at least 80%
                    of chance): a layer that passes (almost) no gradient back
vanishing_gradients for HOLD_STEPS steps, the first layer's gradient norm is below 1e-3
                    of the last layer's while the train loss is high
flat_loss           after 100+ steps the loss is within 5% of where it started and the
                    first layer's gradient norm is below 1e-3, now and at step 0: init too
                    small, or vanishing (a gradient that was tiny from the start, not one
                    that faded as a small model converged)
underfitting        after 200+ steps, train and val loss are both high (at least 80% of the
                    chance loss: ln K for K classes, the targets' variance for regression)
                    and the train loss moved by less than 5% over the last 100 steps: a
                    plateau (not a spike) far from fitting, too small a model or too low
                    an lr (a loss over 1.5x its start is loss_rising, not underfitting)
overfitting         for HOLD_STEPS steps, from step 100 on, the train loss is low (under
                    80% of chance), the val loss exceeds it by a quarter of the initial
                    loss, and either the val loss is over 10x the train loss (the training
                    examples learnt by heart) or it has climbed to 1.75x its lowest (the U of
                    memorising). A regularised model on noisy data keeps a steady gap of a
                    few times its train loss and is not flagged, nor is a run whose loss
                    exploded
=================== ====================================================================

One problem shows several symptoms (a dead layer: a vanishing gradient, a flat loss);
``causes`` folds each consequence under its root cause, and the message of a consequence
says which cause explains it. DIAGNOSES is in causal order: a diagnosis may explain only
those after it, and those seen at one record are reported in that order.

``fit_diagnosis`` places the run in the glossary's table of train against val loss
(section 8): high/high is underfitting (the model is too small), low/low is good, low/high
is overfitting (memorising). It is the last of overfitting and underfitting that held (for
as long as it must to be reported) at any record; else "good" while train and val loss
are both low (under 80% of chance); else "" (not yet: the loss is still high).
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from nnterm.engine.training.causes import root_cause
from nnterm.engine.training.telemetry import StepRecord

DIAGNOSES = (
    "symmetric_units",
    "loss_rising",
    "nan",
    "dead_relu",
    "vanishing_gradients",
    "flat_loss",
    "underfitting",
    "overfitting",
)
#: The rows of the glossary's train/val loss table, as ``fit_diagnosis`` names them.
FITS = ("underfitting", "good", "overfitting")

FLAT_MIN_STEPS, FLAT_LOSS_FRACTION, TINY_GRAD = 100, 0.95, 1e-3
SYMMETRY_SPREAD = 1e-12
DEAD_FRACTION = 0.75
VANISHING_RATIO = 1e-3
OVERFIT_MIN_STEPS, OVERFIT_RATIO, OVERFIT_RISE, OVERFIT_GAP = 100, 10.0, 1.75, 0.25
UNDERFIT_MIN_STEPS, HIGH_FRACTION = 200, 0.8
PLATEAU_STEPS, PLATEAU_GAIN = 100, 0.05
RISING_FACTOR = 1.5
#: The states that a healthy run may pass through, and how long (steps) they must last.
HOLD_STEPS = 100
HELD = ("dead_relu", "vanishing_gradients", "overfitting")


@dataclass(frozen=True)
class Diagnosis:
    """A symptom first seen at ``step``, with a message that names the likely cause.
    ``cause`` names the root cause (another diagnosis of the run) that explains it,
    "" if it is a root cause itself."""

    name: str
    step: int
    message: str
    cause: str = ""


@dataclass(frozen=True)
class Symptom:
    """What one rule sees at one record: ``text`` says it with its numbers, ``remedy``
    its usual causes; ``since``: the step from which it has held (None: from the first
    of the records in a row at which it held)."""

    name: str
    text: str
    remedy: str
    since: int | None = None


class DiagnosisWatcher:
    """Watches one run's records (in step order) and reports each diagnosis once.
    ``chance``: the loss of knowing nothing on this task (``losses.chance_loss``)."""

    def __init__(self, chance: float) -> None:
        self.chance = chance
        self.seen: list[Diagnosis] = []
        self.fit_diagnosis = ""
        self._initial: StepRecord | None = None
        self._lowest = math.inf  # the lowest train loss so far
        self._lowest_val = math.inf  # and val loss
        # (step, train loss) of the records of the last PLATEAU_STEPS steps, and the one
        # just before them
        self._recent: deque[tuple[int, float]] = deque()
        #: per symptom holding now: the step of the first record of its unbroken run
        self._streaks: dict[str, int] = {}
        #: per diagnosis seen: the step it held from, and its symptom in words
        self._began: dict[str, tuple[int, str]] = {}

    def new_data(self, chance: float) -> None:
        """The run's data changed under it (points drawn): the losses so far measured
        another set, so the levels they set (the first record, the lowest losses, the
        recent plateau) start again from the next record; the diagnoses seen stay."""
        self.chance = chance
        self._initial = None
        self._lowest = self._lowest_val = math.inf
        self._recent.clear()
        self._streaks = {}

    def watch(self, record: StepRecord, activations: Sequence[str]) -> list[Diagnosis]:
        """The diagnoses first seen at ``record``; ``activations`` names each hidden
        layer's activation."""
        if self._initial is None:
            self._initial = record
        self._remember(record)
        symptoms = list(self._check(record, activations))
        self._streaks = {s.name: self._streaks.get(s.name, record.step) for s in symptoms}
        lasting = [s for s in symptoms if s.name not in HELD
                   or record.step - self._streaks[s.name] >= HOLD_STEPS]
        fresh = sorted((s for s in lasting if s.name not in self._began),
                       key=lambda s: (self._since(s), DIAGNOSES.index(s.name)))
        new = [self._report(s, record.step) for s in fresh]
        if math.isfinite(record.train_loss):
            self._lowest = min(self._lowest, record.train_loss)
            self._lowest_val = min(self._lowest_val, record.val_loss)
        self._place(record, {s.name for s in lasting})
        return new

    def _since(self, symptom: Symptom) -> int:
        return self._streaks[symptom.name] if symptom.since is None else symptom.since

    def _report(self, symptom: Symptom, step: int) -> Diagnosis:
        """Name ``symptom`` as a diagnosis, folded under the root cause that explains it
        (``causes.root_cause``) or, if none does, with its own remedy."""
        since = self._since(symptom)
        seen = [(d, self._began[d.name][0]) for d in self.seen]
        cause = root_cause(symptom.name, since, seen)
        message = (f"{symptom.text}, because {self._began[cause][1]} ({cause})" if cause
                   else f"{symptom.text}: {symptom.remedy}")
        diagnosis = Diagnosis(symptom.name, step, message, cause)
        self.seen.append(diagnosis)
        self._began[symptom.name] = (since, symptom.text)
        return diagnosis

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

    def _check(self, r: StepRecord, activations: Sequence[str]) -> Iterator[Symptom]:
        """Every symptom that holds at ``r``."""
        initial = self._initial
        assert initial is not None, "watch() keeps the first record before it checks one"
        start = initial.train_loss
        if not (math.isfinite(r.train_loss) and math.isfinite(r.batch_loss)):
            yield Symptom("nan", f"the loss is NaN/Inf at step {r.step}",
                          "init too large or learning rate too high")
            return
        if r.train_loss > max(RISING_FACTOR * self._lowest, start) and r.step > 0:
            yield Symptom("loss_rising", f"the loss rose to {r.train_loss:.3g} from a low of "
                          f"{self._lowest:.3g}", "the steps are too large: learning rate too "
                          "high (or init too large)")
        for i, spread in enumerate(r.unit_spread):
            if spread < SYMMETRY_SPREAD:
                yield Symptom("symmetric_units", f"all units of hidden layer {i + 1} are "
                              "identical", "constant or zero init never breaks the symmetry")
                break
        high = self._high(r.train_loss)
        for i, (dead, act) in enumerate(zip(r.dead_frac, activations, strict=True)):
            if high and act == "relu" and dead >= DEAD_FRACTION:
                yield Symptom("dead_relu", f"{dead:.0%} of the ReLUs in hidden layer {i + 1} "
                              "are dead", "negative bias or too high a learning rate; try "
                              "leaky_relu")
                break
        first, last = r.grad_norm[0], r.grad_norm[-1]
        if high and len(r.grad_norm) > 2 and last > 0 and first < VANISHING_RATIO * last:
            yield Symptom("vanishing_gradients", f"the first layer's gradient is "
                          f"{first / last:.1e} of the last layer's", "vanishing gradients: "
                          "a saturating activation or too small an init")
        tiny_from_start = r.grad_norm[0] < TINY_GRAD and initial.grad_norm[0] < TINY_GRAD
        if (r.step >= FLAT_MIN_STEPS and r.train_loss > FLAT_LOSS_FRACTION * start
                and tiny_from_start):
            yield Symptom("flat_loss", f"the loss has barely moved in {r.step} steps and the "
                          "first layer's gradient is tiny", "init too small, or units so "
                          "saturated that no gradient passes", since=initial.step)
        if (r.step >= UNDERFIT_MIN_STEPS and high and self._high(r.val_loss)
                and r.train_loss <= RISING_FACTOR * start and self._plateau(r)):
            yield Symptom("underfitting", f"train loss {r.train_loss:.3g} and val loss "
                          f"{r.val_loss:.3g} have stalled near chance ({self.chance:.3g})",
                          "underfitting: a bigger model or a higher learning rate",
                          since=self._recent[0][0])
        memorised = (r.val_loss > OVERFIT_RATIO * r.train_loss
                     or r.val_loss >= OVERFIT_RISE * self._lowest_val)
        if (r.step >= OVERFIT_MIN_STEPS and not high and memorised
                and r.val_loss - r.train_loss > OVERFIT_GAP * start):
            yield Symptom("overfitting", f"train loss {r.train_loss:.3g} but val loss "
                          f"{r.val_loss:.3g} (its lowest {self._lowest_val:.3g})",
                          "overfitting: regularise or add data")
