"""What the UI draws: an immutable, picklable picture of a Trainer at one moment.

The engine side does every heavy step (downsampling long series, histogram bands,
pooling large weight matrices, the decision-boundary grid; see ``snapshot_build``) so that
widgets only draw the arrays they are given. Snapshots cross a process boundary: plain
numbers, strings, tuples and NumPy arrays only. Treat their arrays as read-only: in-process,
successive snapshots may share them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nnterm.engine.training.config import Config


@dataclass(frozen=True)
class Series:
    """Loss/accuracy curves against step, min/max-downsampled to at most ``series_points``
    (``snapshot_build.minmax_downsample``: spikes keep their height)."""

    steps: np.ndarray  # int64 (n,)
    train_loss: np.ndarray  # float64 (n,), NaN where missing
    val_loss: np.ndarray
    train_acc: np.ndarray | None  # None for regression
    val_acc: np.ndarray | None


@dataclass(frozen=True)
class LayerView:
    """One dense layer as the panels show it."""

    index: int  # 0-based layer number
    fan_in: int
    fan_out: int
    activation: str  # "output" for the last layer
    init: str
    dropout: float
    frozen: bool
    weights: np.ndarray  # (rows, cols) pooled to at most HEATMAP_MAX per side, float64
    pooled: bool  # True when weights were pooled (mean over blocks)
    grad_norm: float
    update_ratio: float  # log10 ||dW|| / ||W||; NaN when unknown
    grad_hist: np.ndarray  # counts on telemetry.HIST_CENTERS
    weight_hist: np.ndarray
    grad_band: np.ndarray  # (t, 9): per logged step the percentiles of the weight
    #                         gradient's entries at telemetry.PERCENTILES (min, 7, 16, 31,
    #                         50, 69, 84, 93 %, max), as values (TensorBoard's distributions)
    band_steps: np.ndarray  # (t,) the steps of grad_band's rows
    dead_frac: float  # NaN for the output layer
    saturation: float
    act_std: float = float("nan")  # std of the layer's output on the probe set (hidden layers)
    tiles: np.ndarray | None = None  # first layer, image inputs: (units, height, width)


@dataclass(frozen=True)
class Boundary:
    """The model's prediction over the input plane (2-D inputs only)."""

    extent: tuple[float, float, float, float]  # x0, x1, y0, y1
    classes: np.ndarray  # (rows, cols) int: predicted class, row 0 at the top (y1)
    confidence: np.ndarray  # (rows, cols) float in [0, 1]: probability of that class
    train_points: np.ndarray  # (n, 2)
    train_labels: np.ndarray  # (n,)
    val_points: np.ndarray
    val_labels: np.ndarray
    class_names: tuple[str, ...] | None = None  # the data's own names (a CSV's labels)
    n_classes: int = 0  # the data's classes (0: unknown; the labels and regions tell)


@dataclass(frozen=True)
class DrawnData:
    """The selected run's data once points were drawn on it (``data.drawing``): every
    example (the Boundary has a spread of them), for the app to save, and how many
    training examples were added and removed since the data was built."""

    added: int
    removed: int
    train_points: np.ndarray  # (n, 2)
    train_labels: np.ndarray  # (n,) int
    val_points: np.ndarray
    val_labels: np.ndarray
    class_names: tuple[str, ...]  # the data's own names, else "class 0", "class 1", ...


@dataclass(frozen=True)
class Confusion:
    """The selected run's confusion matrix on the validation set (``training.confusion``),
    as of its last record: ``counts[true, predicted]``, each class's name."""

    counts: np.ndarray  # (k, k) int
    class_names: tuple[str, ...]
    step: int


@dataclass(frozen=True)
class UnitLayer:
    """One layer of units in the network view (``live.network_view``): every unit, most
    important first (by the norm of its outgoing weights; the output layer in order).

    Per unit, in that order: its output over the plane, its incoming weights and bias,
    their gradients and dL/dz (of the data loss, mean over the training examples a
    record measures), z and a at the chosen point, and the share of those examples where
    it is dead (a = 0 and f'(z) = 0: ReLU's flat half) or saturated (otherwise
    |f'(z)| < ``network_view.SATURATED``: tanh or sigmoid near their limits)."""

    activation: str  # the hidden layer's activation; "output" for the last layer
    units: tuple[int, ...]  # unit indices, most important first
    pictures: np.ndarray  # (units, rows, cols) float32: a (the output: its head) over the plane
    weights: np.ndarray  # (fan_in, units): the incoming weights, by the previous layer's index
    bias: np.ndarray  # (units,)
    grad_weights: np.ndarray  # (fan_in, units)
    grad_bias: np.ndarray  # (units,)
    grad_z: np.ndarray  # (units,): dL/dz summed over the examples (L their mean), = dL/db
    z: np.ndarray  # (units,) at the point
    a: np.ndarray  # (units,) at the point (the output layer: its head)
    dead: np.ndarray  # (units,) share of the examples
    saturated: np.ndarray  # (units,)


@dataclass(frozen=True)
class NetworkView:
    """What every unit computes over the input plane, for a network of 2-D inputs: the
    inputs (or the features it reads) and each layer's units, each a picture over the
    same square as the Boundary, with the numbers of one chosen training point."""

    extent: tuple[float, float, float, float]  # x0, x1, y0, y1, as the Boundary's
    input_names: tuple[str, ...]  # what the network reads: x1, x2, or its features
    #: every feature a network may read (``nn.features.FEATURES``), each one's value over
    #: the plane and at the point, whether the network reads it or not
    feature_pictures: np.ndarray  # (features, rows, cols)
    feature_values: np.ndarray  # (features,)
    point: int  # the chosen training example
    point_xy: tuple[float, float]  # where it is on the plane
    point_label: str  # its class or target, in words
    point_inputs: np.ndarray  # (inputs,): what the network reads of it (input_names')
    layers: tuple[UnitLayer, ...]  # the hidden layers, then the output layer


@dataclass(frozen=True)
class LayerStep:
    """One layer in a training step explained (``live.backprop_view``), for the first
    example of the batch: its inputs a_prev, z = a_prev W + b and a = f(z) (the output
    layer: the loss's prediction); dL/da and f'(z) (hidden layers; empty for the output),
    dL/dz = dL/da f'(z); the weights and bias before the step, their gradients (the
    batch's, as the optimizer got them) and their values after it."""

    activation: str  # the hidden layer's activation; "output" for the last layer
    inputs: np.ndarray  # (fan_in,)
    weights: np.ndarray  # (fan_in, fan_out), before the update
    bias: np.ndarray  # (fan_out,)
    z: np.ndarray  # (fan_out,)
    a: np.ndarray  # (fan_out,)
    grad_a: np.ndarray  # (fan_out,), or (0,) for the output layer
    slope: np.ndarray  # (fan_out,) f'(z), or (0,) for the output layer
    grad_z: np.ndarray  # (fan_out,)
    grad_weights: np.ndarray  # (fan_in, fan_out)
    grad_bias: np.ndarray  # (fan_out,)
    new_weights: np.ndarray  # (fan_in, fan_out), after the update
    new_bias: np.ndarray  # (fan_out,)


@dataclass(frozen=True)
class BackpropView:
    """The training step the selected run took last, explained: the forward pass layer by
    layer, the loss, the backward pass (the chain rule, factor by factor) and the update,
    every number the engine's own (``training.taken_step``)."""

    step: int  # the step it was (1: the first)
    batch: int  # examples in the batch (the numbers shown are the first's)
    input_names: tuple[str, ...]
    target: float  # the first example's class index, or its target (regression)
    loss_name: str
    loss: float  # the batch's mean data loss
    optimizer: str
    lr: float
    layers: tuple[LayerStep, ...]


@dataclass(frozen=True)
class Landscape:
    """The loss over the (w1, w2) plane of a two-weight model, and each run's path on it
    (``live.landscape``)."""

    extent: tuple[float, float, float, float]  # w1 from, to; w2 from, to
    #: (rows, cols) int, row 0 at the top: the band of the loss minus the least reachable
    #: (``landscape.bands``: 0 at the bottom of the bowl, BANDS_PER_DECADE a decade)
    bands: np.ndarray
    optimum: tuple[float, float]
    paths: tuple[tuple[str, int, np.ndarray], ...]  # (run, colour number, (n, 2) points)


@dataclass(frozen=True)
class FitCurve:
    """One-input regression: every run's prediction along a line of x over the data."""

    x: np.ndarray  # (n,) the grid
    curves: tuple[tuple[str, int, np.ndarray], ...]  # (run, colour number, predictions (n,))
    train_x: np.ndarray  # (m,) training inputs (at most BOUNDARY_POINTS)
    train_y: np.ndarray  # (m,) their targets


@dataclass(frozen=True)
class Surface:
    """Two-input regression: the selected run's prediction over the plane of inputs."""

    extent: tuple[float, float, float, float]  # x0, x1, y0, y1
    values: np.ndarray  # (rows, cols), row 0 at the top (y1)
    train_points: np.ndarray  # (m, 2)
    train_targets: np.ndarray  # (m,)


@dataclass(frozen=True)
class ImageSamples:
    """Image inputs: a few validation images, their labels and every run's guesses."""

    images: np.ndarray  # (n, height, width) float64, the pixels as the model sees them
    labels: np.ndarray  # (n,) int: the true class
    guesses: tuple[tuple[str, int, np.ndarray], ...]  # (run, colour number, classes (n,))


@dataclass(frozen=True)
class RunView:
    """One run of the lesson, as the run table, the overlaid curves and the small
    boundaries show it; every run of a session has one in each Snapshot."""

    name: str
    colour: int  # the run's colour number (its creation order), the same in every panel
    config: Config
    changes: str  # what it changes from the base run, e.g. "lr 0.3, activation relu"
    step: int
    status: str  # training / finished / diverged / early stopped
    paused: bool
    train_loss: float
    val_loss: float
    train_acc: float | None
    val_acc: float | None
    diagnoses: tuple[str, ...]  # names, in the order first seen
    series: Series
    boundary: Boundary | None  # a small grid, for side-by-side boundaries (2-D data)
    act_std: tuple[float, ...] = ()  # per hidden layer: the spread of its output (probe set)
    grad_norm: tuple[float, ...] = ()  # per layer: the norm of its weight gradient
    #: each root cause with the diagnoses it explains (``causes.folded``), as said to
    #: people: ("dead_relu (→ vanishing_gradients, flat_loss)", "overfitting")
    findings: tuple[str, ...] = ()


@dataclass(frozen=True)
class Snapshot:
    """Everything a frame of the UI needs: the selected run in detail, every run in brief."""

    run: str
    config: Config
    step: int
    epoch: float
    status: str  # training / finished / diverged / early stopped
    paused: bool
    stop_reason: str
    steps_per_second: float
    lr: float
    batch_size: int
    n_params: int
    train_loss: float
    val_loss: float
    train_acc: float | None
    val_acc: float | None
    series: Series
    layers: tuple[LayerView, ...]
    boundary: Boundary | None
    diagnoses: tuple[tuple[str, int, str], ...]  # (name, step, message), in order seen
    #: each root cause with the diagnoses it explains (``causes.folded``), as said to people
    findings: tuple[str, ...] = ()
    #: The run's row of the glossary's train/val loss table: underfitting, good,
    #: overfitting, or "" (not yet); ``training.diagnostics`` says when each holds.
    fit_diagnosis: str = ""
    message: str = ""  # the last control's effect, e.g. "lr 0.03" or "re-initialised (seed 0)"
    runs: tuple[RunView, ...] = ()  # every run of the session (the selected one is ``run``)
    #: Loss levels the lesson names, drawn on the loss plot: ("chance", ln 2), ("bigram", 2.35)
    references: tuple[tuple[str, float], ...] = ()
    #: For next-token data: text drawn from each run's model, then from the bigram baseline
    #: and real examples, as (label, samples) rows; a live session's snapshots carry the
    #: newest drawn (``run_loop.SAMPLE_SECONDS``), () when none were drawn yet.
    samples: tuple[tuple[str, tuple[str, ...]], ...] = ()
    landscape: Landscape | None = None  # two-weight models: the loss plane and the paths
    fit: FitCurve | None = None  # one-input regression: every run's fitted curve
    surface: Surface | None = None  # two-input regression: the selected run's prediction
    images: ImageSamples | None = None  # image inputs: sample images and each run's guess
    #: 2-D inputs, when a UI asked for it (``run_commands.WatchNetwork``): every unit of the
    #: selected run, over the plane, with the numbers of one training point
    network: NetworkView | None = None
    #: while a UI asks (``run_commands.ExplainSteps``): ``explaining``, and the selected
    #: run's last step explained (None before its first)
    explaining: bool = False
    backprop: BackpropView | None = None
    #: A classifier of three classes or more: the selected run's confusion matrix
    confusion: Confusion | None = None
    #: 2-D classification data with points drawn on it: the selected run's, whole
    drawn: DrawnData | None = None
    #: A guided lesson's step claims (``run_commands.WatchClaims``), judged on the runs so
    #: far: True holds, False not yet, None cannot be judged yet (``live.claim_watch``).
    claims: tuple[bool | None, ...] = ()
    #: How many of the session's commands the engine had taken when this frame was built
    #: (numbered as ``Session.send`` numbers them): a UI replays the later ones on it to
    #: know what its next key acts on (``live.expectation``).
    commands_taken: int = 0
