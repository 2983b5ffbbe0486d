"""The training loop, one step at a time, steerable between steps.

A Trainer owns a dataset, a network, an optimizer and a learning-rate schedule built from
one Config. ``step()`` takes one optimizer step on one mini-batch; every
``train.log_every`` steps (and at step 0) it measures the run into a StepRecord. Commands
(``apply``, from ``steering``) change the run between steps. The same Config gives
bit-identical records.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import replace

import numpy as np

from nnterm.engine.data import (
    BatchSampler,
    Dataset,
    add_input_noise,
    check_flips,
    random_flips,
)
from nnterm.engine.nn.losses import chance_loss, get_loss
from nnterm.engine.nn.network import EVERYTHING, NOTHING, Pass
from nnterm.engine.nn.optimizers import clip_grad_norm, make_optimizer
from nnterm.engine.nn.schedules import make_schedule
from nnterm.engine.nn.seeding import stream
from nnterm.engine.nn.solver import fit_readout
from nnterm.engine.training.building import build_dataset, build_network
from nnterm.engine.training.config import Config, SolverConfig
from nnterm.engine.training.confusion import MIN_CLASSES, confusion_matrix
from nnterm.engine.training.diagnostics import Diagnosis, DiagnosisWatcher
from nnterm.engine.training.status import DIVERGED, EARLY_STOPPED, FINISHED, TRAINING
from nnterm.engine.training.steering import Steering
from nnterm.engine.training.taken_step import TakenStep
from nnterm.engine.training.telemetry import (
    BoundedHistory,
    HistogramSampler,
    StepRecord,
    activation_stats,
    layer_grad_norms,
    unit_spreads,
    update_ratios,
)
from nnterm.engine.training.typed_values import by_step, shape_problem

#: Training examples used to measure train loss, accuracy and activation statistics.
EVAL_TRAIN_MAX = 1024


class Trainer(Steering):
    """Trains one run of a Config; ``run_name`` labels its records (``base`` or a variant)."""

    def __init__(self, config: Config, run_name: str = "base", dataset: Dataset | None = None):
        self.run_name = run_name
        self.paused = False
        #: the typed values the run was given (a preset's): a reset keeps these only
        self._given_typed = config.model.typed_values
        #: keep each step as taken (``last_step``), for a UI that explains it
        self.explaining = False
        self.last_step: TakenStep | None = None
        self._pending_steps = 0
        self._start(config, dataset)

    # ------------------------------------------------------------------ building
    def _start(self, config: Config, dataset: Dataset | None = None) -> None:
        """(Re)build everything for ``config`` and go back to step 0."""
        if config.train.solver is not None and config.model.loss != "mse":
            raise ValueError("the closed-form solver fits a regression read-out: use loss mse")
        check_flips(config.data.name, config.train.flips)
        if dataset is not None and dataset.name == config.data.name and not dataset.n_train:
            raise ValueError("there are no training points: draw some first")
        self.config = config
        self.last_step = None
        if dataset is None or dataset.name != config.data.name:
            dataset = build_dataset(config)
        self.loss = get_loss(config.model.loss)
        self.net = build_network(config, dataset)
        self.net.planned_passes = config.train.steps  # (``step`` keeps it up to date)
        probe_rng = stream(config.seed, "probe")
        self._take_examples(dataset, probe_rng)
        self._hist_sampler = HistogramSampler([w.shape for w in self.net.weights], probe_rng)
        self._batch_rng = stream(config.seed, "batches")
        self._batches = BatchSampler(len(self._X), self._batch_size(), self._batch_rng)
        self._fresh_rng = stream(config.seed, "batches")
        self._noise_rng = stream(config.seed, "input_noise")
        self._flip_rng = stream(config.seed, "flips")
        self._make_optimizer()
        self._make_schedule()
        self.step_count = 0
        self.examples_seen = 0
        self.status = TRAINING
        self.stop_reason = ""
        self.history = BoundedHistory()
        self._watcher = DiagnosisWatcher(chance_loss(self.loss.name, dataset.n_classes,
                                                     dataset.y_train))
        self._batch_losses: list[float] = []
        self._best: tuple[float, int, list[np.ndarray]] | None = None
        #: (step, counts): the validation set's confusion matrix at the last record
        self.val_confusion: tuple[int, np.ndarray] | None = None
        self._typed = by_step(config.model.typed_values)
        for typed in config.model.typed_values:
            if (problem := shape_problem(typed, tuple(self.net.sizes))) is not None:
                raise ValueError(f"a typed value at step {typed.step}: {problem}")
        self._log(grads=None, before=None)
        self._apply_typed()

    def _take_examples(self, dataset: Dataset, probe_rng: np.random.Generator) -> None:
        """The examples of ``dataset`` as the network takes them, and the probe set: at
        most ``EVAL_TRAIN_MAX`` training examples, a fixed random subset (``probe_rng``)."""
        self.dataset = dataset
        dtype = self.net.dtype
        self._X = dataset.X_train.astype(dtype, copy=False)
        self._y = self._targets(dataset.y_train)
        self._X_val = dataset.X_val.astype(dtype, copy=False)
        self._y_val = self._targets(dataset.y_val)
        eval_idx = np.sort(probe_rng.permutation(len(self._X))[:EVAL_TRAIN_MAX])
        self._X_eval, self._y_eval = self._X[eval_idx], self._y[eval_idx]

    def _redraw(self, dataset: Dataset) -> None:
        """Train on ``dataset`` (this run's data with points drawn or erased) from the next
        step, with the weights and optimizer state as they are: the batches (their
        generator goes on) and the probe set are drawn from it anew, the run is measured
        on it at once (a record of this step: the curves jump where the data changed),
        and the diagnoses and early stopping measure from that record on
        (``DiagnosisWatcher.new_data``). Without a training point nothing is measured."""
        if self.config.data.fresh_batches:
            raise ValueError("this run draws fresh examples every step: there is no fixed "
                             "set of points to draw on")
        self._take_examples(dataset, stream(self.config.seed, "probe"))
        self._watcher.new_data(chance_loss(self.loss.name, dataset.n_classes, dataset.y_train))
        self._best = None
        if len(self._X):
            self._batches = BatchSampler(len(self._X), self._batch_size(), self._batch_rng)
            self._log(grads=None, before=None)

    @property
    def probe(self) -> tuple[np.ndarray, np.ndarray]:
        """The training examples every record measures (at most ``EVAL_TRAIN_MAX``, fixed
        for the run), as the network and the loss take them: inputs and targets."""
        return self._X_eval, self._y_eval

    @property
    def train_inputs(self) -> np.ndarray:
        """The training inputs as the network takes them (its dtype)."""
        return self._X

    def _targets(self, y: np.ndarray) -> np.ndarray:
        return y if self.loss.classification else y.astype(self.net.dtype, copy=False)

    def _batch_size(self) -> int:
        b = self.config.train.batch_size
        return len(self.dataset.X_train) if b <= 0 else b

    def _make_optimizer(self) -> None:
        o = self.config.train.optimizer
        self.optimizer = make_optimizer(o.name, **o.kwargs())
        self._trainable = self.net.trainable_indices
        self._all_trainable = len(self._trainable) == len(self.net.params)
        self._params = [self.net.params[j] for j in self._trainable]

    def _make_schedule(self) -> None:
        t = self.config.train
        self.schedule = make_schedule(t.schedule.name, **t.schedule.kwargs(t.steps))

    # ------------------------------------------------------------------ stepping
    @property
    def done(self) -> bool:
        """True once the run has diverged, stopped early or finished ``train.steps``."""
        return self.status != TRAINING

    @property
    def diagnoses(self) -> list[Diagnosis]:
        """Every diagnosis of this run so far, in the order first seen."""
        return self._watcher.seen

    @property
    def fit_diagnosis(self) -> str:
        """The run's row of the glossary's train/val loss table so far: underfitting, good,
        overfitting, or "" (not yet); see ``diagnostics``."""
        return self._watcher.fit_diagnosis

    @property
    def epoch(self) -> float:
        """Passes over the training set so far (fractional; the points drawn so far)."""
        return self.examples_seen / max(1, len(self._X))

    @property
    def lr(self) -> float:
        return self.config.train.optimizer.lr * self.schedule.factor(self.step_count)

    def step(self) -> float:
        """One optimizer step on one mini-batch; returns the batch's data loss."""
        if not len(self._X):
            raise ValueError("there are no training points to learn from: draw some")
        if self.config.train.solver is not None:
            return self._solve_step(self.config.train.solver)
        t = self.config.train
        if t.batch_size > 0 and self.config.data.fresh_batches:
            sampler = self.dataset.sampler
            assert sampler is not None, "the preset schema refuses fresh_batches without one"
            X, y = sampler(t.batch_size, self._fresh_rng)
            X, y = X.astype(self.net.dtype, copy=False), self._targets(y)
        else:
            idx = self._batches.next_batch()
            X, y = self._X.take(idx, axis=0), self._y.take(idx, axis=0)  # X[idx], faster
        if t.flips != "none":
            X = random_flips(X, self.dataset.meta["image_shape"], t.flips, self._flip_rng)
        if t.input_noise > 0:
            X = add_input_noise(X, t.input_noise, self._noise_rng)
        self.optimizer.lr = self.lr
        self.net.planned_passes = t.steps  # the compiled step loads for long runs only
        logging = (self.step_count + 1) % t.log_every == 0
        # a step that is not recorded nor explained keeps nothing of its pass
        reuse = NOTHING if logging or self.explaining else EVERYTHING
        taken = self._forward_backward(X, y, reuse=reuse)
        loss, grads = taken.loss, taken.grads
        trainable = grads if self._all_trainable else [grads[j] for j in self._trainable]
        if t.clip_norm is not None:
            clip_grad_norm(trainable, t.clip_norm)
        before = [w.copy() for w in self.net.weights] if logging else None
        explained = [p.copy() for p in self.net.params] if self.explaining else None
        deltas = dict(self.net.deltas(taken.dlogits, taken.hidden)) if explained else {}
        self.optimizer.step(self._params, trainable)
        if explained is not None:
            self.last_step = TakenStep(self.step_count + 1, X, y, taken, deltas, explained,
                                       [p.copy() for p in self.net.params], self.optimizer.lr)
        self._count_step(len(X), loss)
        if logging or self.done:
            self._log(grads, before)
        self._apply_typed()
        return loss

    def _apply_typed(self) -> None:
        """Set the parameters typed for this step (``typed_values``), once it is recorded."""
        for typed in self._typed.get(self.step_count, ()):
            self.net.set_parameter(typed.layer, typed.unit, typed.input, typed.value)

    def _forward_backward(self, X: np.ndarray, y: np.ndarray, train: bool = True,
                          reuse: str = NOTHING) -> Pass:
        """The passes over a batch: its data loss, unscaled, and the gradient the
        optimizer sees, that of ``loss_scale * (data loss + penalty)``. The records'
        gradient norms and histograms are of this scaled gradient too. ``reuse``: see
        ``MLP.forward_backward``."""
        t = self.config.train
        taken = self.net.forward_backward(X, y, loss=self.loss.name, train=train,
                                          l1=t.l1, l2=t.l2, reuse=reuse)
        if t.loss_scale != 1.0:
            taken.grads = [t.loss_scale * g for g in taken.grads]
        return taken

    def _count_step(self, examples: int, loss: float) -> None:
        """Book a finished step; a non-finite loss ends the run as diverged."""
        self.step_count += 1
        self.examples_seen += examples
        self._batch_losses.append(loss)
        if not math.isfinite(loss):
            self.status = DIVERGED
            self.stop_reason = f"loss became {loss} at step {self.step_count}"
        elif self.step_count >= self.config.train.steps:
            self.status = FINISHED

    def _solve_step(self, solver: SolverConfig) -> float:
        """Fit the last layer in closed form on the whole training set (bias fixed at 0)."""
        _, _, hidden = self.net.trace(self._X)
        features = hidden[-1].a if hidden else self._X
        w = fit_readout(features, self._y.reshape(len(self._y), -1), solver.ridge)
        before = [x.copy() for x in self.net.weights]
        self.net.params[-2][...] = w
        self.net.params[-1][...] = 0.0
        loss = self._evaluate(self._X, self._y)[0]
        self._count_step(len(self._X), loss)
        self._log(None, before)
        self._apply_typed()
        return loss

    def run(
        self, steps: int | None = None, on_record: Callable[[StepRecord], None] | None = None
    ) -> StepRecord:
        """Step until ``steps`` more steps are done (default: until ``done``); call
        ``on_record`` with every new record. Returns the last record."""
        target = self.config.train.steps if steps is None else self.step_count + steps
        seen = self.history.latest
        if on_record is not None and seen is not None and self.step_count == 0:
            on_record(seen)
        with np.errstate(over="ignore", invalid="ignore"):  # divergence is reported, not warned
            while self.step_count < target and self.status == TRAINING:
                self.step()
                latest = self.history.latest
                if on_record is not None and latest is not None and latest is not seen:
                    seen = latest
                    on_record(latest)
        latest = self.history.latest
        assert latest is not None, "the constructor logs step 0"
        return latest

    # ------------------------------------------------------------------ measuring
    def _evaluate(self, X: np.ndarray, y: np.ndarray) -> tuple[float, float | None]:
        logits = self.net.forward(X)
        return self._loss_and_accuracy(logits, y)

    def current_losses(self) -> tuple[float, float, float | None, float | None]:
        """Train loss, val loss, train accuracy and val accuracy of the weights as they are
        now, measured as a StepRecord would (train on the probe set) but recorded nowhere:
        a slowly paced UI shows the step it draws without changing the run."""
        train_loss, train_acc = self._evaluate(self._X_eval, self._y_eval)
        val_loss, val_acc = self._evaluate(self._X_val, self._y_val)
        return train_loss, val_loss, train_acc, val_acc

    def _loss_and_accuracy(self, logits: np.ndarray, y: np.ndarray) -> tuple[float, float | None]:
        if len(y) == 0:
            return float("nan"), None
        with np.errstate(all="ignore"):
            loss = self.loss.value_and_grad(logits, y)[0]
            acc = None
            if self.loss.classification:
                acc = float((self.loss.predict(logits) == y).mean())
        return loss, acc

    def _keep_confusion(self, val_logits: np.ndarray) -> None:
        """``val_confusion``: the validation set's confusion matrix now, for a classifier
        of at least ``MIN_CLASSES`` classes (a record's step: it costs no extra pass)."""
        k = self.dataset.n_classes
        if self.loss.classification and k >= MIN_CLASSES and len(self._y_val):
            self.val_confusion = self.step_count, confusion_matrix(
                self.loss.predict(val_logits), self._y_val, k)

    def _log(self, grads: list[np.ndarray] | None, before: list[np.ndarray] | None) -> None:
        """Measure the run now into a StepRecord; handle early stopping."""
        t = self.config.train
        with np.errstate(all="ignore"):
            logits, _, hidden = self.net.trace(self._X_eval)
            if grads is None:  # step 0 or a solve: the gradient on the probe set
                grads = self._forward_backward(self._X_eval, self._y_eval, train=False).grads
            train_loss, train_acc = self._loss_and_accuracy(logits, self._y_eval)
            val_logits = self.net.forward(self._X_val)
            val_loss, val_acc = self._loss_and_accuracy(val_logits, self._y_val)
            self._keep_confusion(val_logits)
            stats = activation_stats(hidden, [a.saturated for a in self.net.activations])
            ratios = update_ratios(before, self.net.weights) if before is not None else ()
            spread = self._hist_sampler.distributions(self.net.weights, grads[0::2])
            record = StepRecord(
                run=self.run_name,
                step=self.step_count,
                epoch=self.epoch,
                lr=self.lr,
                train_loss=train_loss,
                val_loss=val_loss,
                batch_loss=float(np.mean(self._batch_losses)) if self._batch_losses else train_loss,
                penalty=self.net.penalty(t.l1, t.l2),
                train_acc=train_acc,
                val_acc=val_acc,
                grad_norm=layer_grad_norms(grads),
                update_ratio=ratios,
                act_mean=stats.mean,
                act_std=stats.std,
                dead_frac=stats.dead_frac,
                saturation=stats.saturation,
                unit_spread=unit_spreads(self.net.params),
                diagnoses=(),
                weight_hist=spread.weight_hist,
                grad_hist=spread.grad_hist,
                grad_percentiles=spread.grad_percentiles,
            )
        self._batch_losses.clear()
        new = self._watcher.watch(record, [a.name for a in self.net.activations])
        if new:
            record = replace(record, diagnoses=tuple(d.name for d in new))
        self.history.append(record)
        if self.status != DIVERGED and not (
            math.isfinite(train_loss) and self.net.finite()
        ):
            self.status = DIVERGED
            self.stop_reason = f"loss or weights became NaN/Inf at step {self.step_count}"
        self._early_stopping(val_loss)

    def _early_stopping(self, val_loss: float) -> None:
        es = self.config.train.early_stopping
        if es is None or self.status != TRAINING:
            return
        if self._best is None or val_loss < self._best[0] - es.min_delta:
            self._best = (val_loss, self.step_count, self.net.get_state())
            return
        best_loss, best_step, best_state = self._best
        if self.step_count - best_step >= es.patience:
            self.status = EARLY_STOPPED
            self.stop_reason = (f"validation loss last improved at step {best_step} "
                                f"({best_loss:.4g}); stopped at step {self.step_count}")
            if es.restore_best:
                self.net.set_state(best_state)
                self.stop_reason += f", restored the weights of step {best_step}"
                self._log(None, None)

    # ------------------------------------------------------------------ a run moved
    def random_streams(self) -> dict[str, np.random.Generator]:
        """Every random stream a step draws from, by name: a copy of the run elsewhere
        (``saved_run``) that sets them alike draws the same batches, masks and noise."""
        return {"batches": self._batch_rng, "fresh_batches": self._fresh_rng,
                "input_noise": self._noise_rng, "flips": self._flip_rng,
                "dropout": self.net.dropout_rng}

    @property
    def batches(self) -> BatchSampler:
        return self._batches

    def resume_at(self, step: int, examples_seen: int) -> None:
        """Go on from step ``step`` (the caller set the weights, the optimizer and the
        streams as they were then): the records start afresh with one of the run now."""
        self.step_count, self.examples_seen = step, examples_seen
        self.status = FINISHED if step >= self.config.train.steps else TRAINING
        self.stop_reason, self.last_step, self._best = "", None, None
        self.history, self._batch_losses = BoundedHistory(), []
        self._log(grads=None, before=None)

    # ------------------------------------------------------------------ controls
    @property
    def would_step(self) -> bool:
        """True when ``tick()`` would take a step: not done, a training point to learn
        from, and running or asked for one."""
        return not self.done and len(self._X) > 0 and (
            not self.paused or self._pending_steps > 0)

    def tick(self) -> bool:
        """Take a step unless paused (a pending StepOnce steps anyway) or done.
        Returns whether a step was taken (none without a training point: all erased)."""
        if self.done or not len(self._X):
            return False
        if self.paused:
            if self._pending_steps == 0:
                return False
            self._pending_steps -= 1
        with np.errstate(over="ignore", invalid="ignore"):
            self.step()
        return True
