"""Measurements of a network in training, cheap enough to take every ``log_every`` steps.

Everything here is computed in the engine, never in the UI: per-layer gradient norms,
log10 update/weight ratios, activation statistics, dead and saturated fractions on a fixed
probe set, and weight/gradient histograms on fixed signed-log bins (so that histograms of
different steps and layers line up, and a gradient of 1e-7 is as visible as one of 1).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from nnterm.engine.nn.network import HiddenLayerTrace
from nnterm.engine.nn.reductions import (
    frobenius,
    mean_of,
    quantiles_of,
    share,
    std_of,
    std_rows,
)

#: Histogram bins: |x| in decades 1e-8 .. 1e2, two bins a decade, for each sign, and one
#: central bin for |x| < 1e-8. HIST_EDGES are the upper magnitudes of the positive bins.
HIST_DECADES = (-8, 2)
HIST_BINS_PER_DECADE = 2
_N_SIDE = (HIST_DECADES[1] - HIST_DECADES[0]) * HIST_BINS_PER_DECADE
HIST_BINS = 2 * _N_SIDE + 1
HIST_CENTERS = np.concatenate(
    [
        -(10.0 ** (HIST_DECADES[0] + (np.arange(_N_SIDE)[::-1] + 0.5) / HIST_BINS_PER_DECADE)),
        [0.0],
        10.0 ** (HIST_DECADES[0] + (np.arange(_N_SIDE) + 0.5) / HIST_BINS_PER_DECADE),
    ]
)
#: At most this many entries of a matrix go into its histogram (a fixed random subset).
HIST_SAMPLE = 4096
#: TensorBoard's distribution basis points as fractions: min, the 7th, 16th, 31st
#: percentiles, the median, then the mirror images up to max (the bands of a normal
#: distribution's ±1.5σ, ±1σ, ±0.5σ; all of the values).
PERCENTILES = np.array([0, 668, 1587, 3085, 5000, 6915, 8413, 9332, 10000]) / 10000


def symlog_histogram(values: np.ndarray) -> np.ndarray:
    """Counts of ``values`` in the fixed signed-log bins (HIST_BINS of them; see
    HIST_CENTERS). Magnitudes beyond 1e2 fall in the outermost bins."""
    return np.bincount(symlog_bins(values.ravel()), minlength=HIST_BINS)


def symlog_histograms(arrays: Sequence[np.ndarray]) -> tuple[np.ndarray, ...]:
    """``symlog_histogram`` of each array, all counted at once: one pass over the arrays
    end to end, each array's bins shifted past the ones before (a telemetry record
    histograms every layer's weights and gradients, and each call costs more than the
    counting)."""
    if not arrays:
        return ()
    bins = symlog_bins(np.concatenate([a.ravel() for a in arrays]))
    bins += np.repeat(np.arange(len(arrays)) * HIST_BINS, [a.size for a in arrays])
    counts = np.bincount(bins, minlength=len(arrays) * HIST_BINS)
    return tuple(counts.reshape(len(arrays), HIST_BINS))


def symlog_bins(v: np.ndarray) -> np.ndarray:
    """The bin (0 .. HIST_BINS - 1) of each value of the 1-D ``v``."""
    mag = np.abs(v)
    with np.errstate(divide="ignore"):
        k = np.floor((np.log10(mag) - HIST_DECADES[0]) * HIST_BINS_PER_DECADE)
    # NaN and -inf (a zero's log) to -1, then into -1 .. _N_SIDE - 1: ufuncs, not the
    # Python of np.nan_to_num and np.clip (fmax takes the number where one is NaN)
    np.minimum(np.fmax(k, -1.0, out=k), _N_SIDE - 1, out=k)
    k = k.astype(np.int64)
    tiny = k < 0
    index: np.ndarray = np.where(v > 0, _N_SIDE + 1 + k, _N_SIDE - 1 - k)
    index[tiny] = _N_SIDE
    return index


@dataclass(frozen=True)
class StepRecord:
    """What was measured at one logged step of one run.

    Losses and accuracies describe the parameters after ``step`` updates, in eval mode
    (no dropout). ``grad_norm`` and ``update_ratio`` describe update number ``step``
    (at step 0, the gradient on the probe set and no update). Per-layer lists run from the
    first layer to the output layer; activation lists and ``unit_spread`` cover the hidden
    layers. ``diagnoses`` names the diagnoses first seen at this record.
    """

    run: str
    step: int
    epoch: float
    lr: float
    train_loss: float
    val_loss: float
    batch_loss: float
    penalty: float
    train_acc: float | None
    val_acc: float | None
    grad_norm: tuple[float, ...]
    update_ratio: tuple[float, ...]
    act_mean: tuple[float, ...]
    act_std: tuple[float, ...]
    dead_frac: tuple[float, ...]
    saturation: tuple[float, ...]
    unit_spread: tuple[float, ...]
    diagnoses: tuple[str, ...]
    weight_hist: tuple[np.ndarray, ...] = field(repr=False, compare=False)
    grad_hist: tuple[np.ndarray, ...] = field(repr=False, compare=False)
    #: per layer: the PERCENTILES of its weight gradient's entries (sampled as the
    #: histograms are), as values; () where not measured
    grad_percentiles: tuple[np.ndarray, ...] = field(default=(), repr=False, compare=False)

    def to_json(self) -> dict[str, Any]:
        """The record as JSON-ready scalars and lists (histograms left out); NaN and
        infinities become None."""
        out: dict[str, Any] = {}
        for name in self.__dataclass_fields__:
            if name.endswith(("_hist", "_percentiles")):
                continue
            value = getattr(self, name)
            if isinstance(value, tuple):
                out[name] = [_finite_or_none(v) for v in value]
            else:
                out[name] = _finite_or_none(value)
        return out


def _finite_or_none(x: Any) -> Any:
    """A float unless it is NaN or infinite (then None); anything else unchanged."""
    return None if isinstance(x, float) and not math.isfinite(x) else x


def layer_grad_norms(grads: Sequence[np.ndarray]) -> tuple[float, ...]:
    """sqrt(||dW_i||^2 + ||db_i||^2) for each layer i."""
    return tuple(
        math.sqrt(float(np.vdot(grads[j], grads[j])) + float(np.vdot(grads[j + 1], grads[j + 1])))
        for j in range(0, len(grads), 2)
    )


def update_ratios(before: Sequence[np.ndarray], after: Sequence[np.ndarray]) -> tuple[float, ...]:
    """log10(||W_after - W_before|| / ||W_before||) per layer: about -3 is healthy
    (Karpathy's rule of thumb); much lower learns slowly, much higher is unstable.
    -inf when the weights did not move; NaN when there is no ratio: weights that were
    all zero (a zero init's first step) or that are not finite any more."""
    out = []
    for w0, w1 in zip(before, after, strict=True):
        delta = frobenius(w1 - w0)
        base = frobenius(w0)
        if delta == 0:
            out.append(float("-inf"))
        else:
            out.append(math.log10(delta / base) if base > 0 else float("nan"))
    return tuple(out)


def unit_spreads(params: Sequence[np.ndarray]) -> tuple[float, ...]:
    """For each hidden layer, how different its units are: the largest standard deviation
    across units of any incoming weight or of the bias. Exactly 0 when every unit of the
    layer is a copy of the others (zero or constant init: the symmetry never breaks); NaN
    for a layer of one unit, which has no other to differ from."""
    out = []
    for j in range(0, len(params) - 2, 2):
        w, b = params[j], params[j + 1]
        out.append(max(float(np.maximum.reduce(std_rows(w))), std_of(b)) if b.size > 1
                   else math.nan)
    return tuple(out)


@dataclass(frozen=True)
class ActivationStats:
    """Per-hidden-layer statistics on the probe set."""

    mean: tuple[float, ...]
    std: tuple[float, ...]
    dead_frac: tuple[float, ...]
    saturation: tuple[float, ...]


def activation_stats(
    hidden: Sequence[HiddenLayerTrace],
    saturated: Sequence[Callable[[np.ndarray], np.ndarray] | None],
) -> ActivationStats:
    """Mean and std of each hidden layer's output, the fraction of its units that are dead
    (pre-activation <= 0 on every probe example) and the fraction of outputs that are
    saturated (``saturated[i]`` is the activation's test, or None if it cannot saturate)."""
    means, stds, dead, sat = [], [], [], []
    for h, test in zip(hidden, saturated, strict=True):
        means.append(mean_of(h.a))
        stds.append(std_of(h.a))
        # z.max(axis=0), by rows of the transpose: 4x faster on a narrow layer, the same max
        unit_max = np.maximum.reduce(np.ascontiguousarray(h.z.T), axis=1)
        dead.append(share(unit_max <= 0))
        sat.append(share(test(h.a)) if test is not None else 0.0)
    return ActivationStats(tuple(means), tuple(stds), tuple(dead), tuple(sat))


class HistogramSampler:
    """Fixed random subsets of each parameter matrix's entries, drawn once, so that a
    histogram of a 784x256 matrix costs the same as one of a 2x8 matrix."""

    def __init__(self, shapes: Sequence[tuple[int, ...]], rng: np.random.Generator) -> None:
        self.indices = [
            rng.choice(math.prod(s), HIST_SAMPLE, replace=False) if math.prod(s) > HIST_SAMPLE
            else None
            for s in shapes
        ]

    def samples(self, arrays: Sequence[np.ndarray]) -> list[np.ndarray]:
        """Each array's entries at its fixed subset (all of them for a small array)."""
        return [a.ravel() if idx is None else a.ravel()[idx]
                for a, idx in zip(arrays, self.indices, strict=True)]

    def percentiles(self, arrays: Sequence[np.ndarray]) -> tuple[np.ndarray, ...]:
        """Each array's PERCENTILES (linear interpolation between order statistics, as
        ``np.quantile``), as float64; all NaN for an array holding a NaN."""
        return tuple(quantiles_of(self.samples(arrays), PERCENTILES))

    def distributions(self, weights: Sequence[np.ndarray], grads: Sequence[np.ndarray]
                      ) -> LayerDistributions:
        """The histograms of every layer's weights and gradients, counted in one pass, and
        the gradients' percentiles: each of the sampled entries."""
        grad_samples = self.samples(grads)
        counts = symlog_histograms(self.samples(weights) + grad_samples)
        return LayerDistributions(counts[:len(weights)], counts[len(weights):],
                                  tuple(quantiles_of(grad_samples, PERCENTILES)))


@dataclass(frozen=True)
class LayerDistributions:
    """A record's histograms of each layer's weights and gradients (``symlog_histogram``)
    and the PERCENTILES of its gradient."""

    weight_hist: tuple[np.ndarray, ...]
    grad_hist: tuple[np.ndarray, ...]
    grad_percentiles: tuple[np.ndarray, ...]


class BoundedHistory:
    """The records of a run, at most ``capacity`` of them, spread over the whole run.

    When full, every other record is dropped and from then on only every second logged
    step is kept (the stride doubles), so memory stays flat on long runs while the curve
    still covers step 0 to now. ``latest`` is always the newest record.
    """

    def __init__(self, capacity: int = 2048) -> None:
        self.capacity = capacity
        self.records: list[StepRecord] = []
        self.stride = 1
        self._seen = 0
        self.latest: StepRecord | None = None

    def append(self, record: StepRecord) -> None:
        self.latest = record
        if self._seen % self.stride == 0:
            self.records.append(record)
            if len(self.records) > self.capacity:
                self.records = self.records[::2]
                self.stride *= 2
        self._seen += 1
