"""Hand-made snapshots and runs, and a host app that mounts one panel: the panels' tests
draw these, with no trainer and no sleeps."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
from textual.app import App, ComposeResult
from textual.widget import Widget

from nnterm.app.model_edits import EDITS, EditRefused
from nnterm.app.widgets.architecture import ArchitectureEditor, EditOutcome
from nnterm.engine.live.snapshot import Boundary, LayerView, RunView, Series, Snapshot
from nnterm.engine.training.config import Config, ModelConfig, with_changes
from nnterm.engine.training.telemetry import HIST_BINS


def make_series(n: int = 40, accuracy: bool = True) -> Series:
    steps = np.arange(n, dtype=np.int64) * 10
    train = np.exp(-steps / 150.0) + 0.05
    val = np.full(n, np.nan)
    val[::4] = train[::4] + 0.1
    return Series(
        steps=steps,
        train_loss=train,
        val_loss=val,
        train_acc=1 - train / 2 if accuracy else None,
        val_acc=1 - val / 2 if accuracy else None,
    )


def make_layer(index: int, weights: np.ndarray, activation: str = "tanh", t: int = 20) -> LayerView:
    hist = np.zeros(HIST_BINS)
    hist[8:14] = [1, 3, 6, 9, 4, 2]  # negative gradients around 1e-4 .. 1e-2
    hist[27:33] = [2, 4, 9, 6, 3, 1]
    # percentiles min, 7, 16, 31, 50, 69, 84, 93 %, max: a spread of about ±0.1
    band = np.tile([-0.12, -0.08, -0.04, -0.01, 1e-5, 0.01, 0.04, 0.08, 0.12], (t, 1))
    return LayerView(
        index=index,
        fan_in=weights.shape[0],
        fan_out=weights.shape[1],
        activation=activation,
        init="torch_default",
        dropout=0.0,
        frozen=False,
        weights=weights,
        pooled=False,
        grad_norm=0.5 * (index + 1),
        update_ratio=-3.0 + index,
        grad_hist=hist,
        weight_hist=hist,
        grad_band=band,
        band_steps=np.arange(t, dtype=np.int64) * 10,
        dead_frac=0.0,
        saturation=0.0,
    )


def make_boundary() -> Boundary:
    xs = np.linspace(-1, 1, 16)
    gx, gy = np.meshgrid(xs, xs[::-1])
    classes = (gx > 0).astype(np.int64)  # class 1 on the right half
    confidence = np.clip(0.5 + np.abs(gx), 0.5, 1.0)
    return Boundary(
        extent=(-1.0, 1.0, -1.0, 1.0),
        classes=classes,
        confidence=confidence,
        train_points=np.array([[-0.8, 0.8], [0.8, -0.8]]),
        train_labels=np.array([0, 1]),
        val_points=np.array([[0.8, 0.8]]),
        val_labels=np.array([1]),
    )


CONFIG = Config(model=ModelConfig(hidden=(16, 8), activation="tanh"))
LAYERS = (
    make_layer(0, np.linspace(-1, 1, 32).reshape(2, 16)),
    make_layer(1, np.ones((16, 8))),
    make_layer(2, np.ones((8, 2)), "output"),
)


def make_snapshot(step: int = 390, **changes) -> Snapshot:
    snapshot = Snapshot(
        run="base",
        config=CONFIG,
        step=step,
        epoch=1.25,
        status="training",
        paused=False,
        stop_reason="",
        steps_per_second=812.0,
        lr=0.03,
        batch_size=32,
        n_params=202,
        train_loss=0.1234,
        val_loss=0.2345,
        train_acc=0.95,
        val_acc=0.9,
        series=make_series(),
        layers=LAYERS,
        boundary=make_boundary(),
        diagnoses=(),
    )
    return dataclasses.replace(snapshot, **changes)


class Host(App):
    """Mounts one widget and records the messages it posts. Nothing has the focus at
    first, as in the app (a focused boundary is drawn on)."""

    AUTO_FOCUS = None

    def __init__(self, widget: Widget) -> None:
        super().__init__()
        self.widget = widget
        self.selected: list[int] = []

    def compose(self) -> ComposeResult:
        yield self.widget

    def on_architecture_editor_selected(self, message: ArchitectureEditor.Selected) -> None:
        self.selected.append(message.index)


def lines(widget: Widget) -> list[str]:
    return [widget.render_line(y).text for y in range(widget.size.height)]


def cell(widget: Widget, x: int, y: int):
    """(character, Rich style) of the widget's content cell (x, y)."""
    pos = 0
    for segment in widget.render_line(y):
        if pos <= x < pos + len(segment.text):
            return segment.text[x - pos], segment.style
        pos += len(segment.text)
    raise IndexError((x, y))


def redness(style) -> int:
    """Red minus blue of a style's foreground (truecolor)."""
    r, _, b = style.color.triplet
    return r - b


def make_run(name: str, colour: int, **changes) -> RunView:
    """A run's view; its diagnoses, if given, are its findings too (each its own cause)."""
    changes.setdefault("findings", changes.get("diagnoses", ()))
    view = RunView(
        name=name, colour=colour, config=CONFIG, changes="", step=390, status="training",
        paused=False, train_loss=0.12, val_loss=0.23, train_acc=0.95, val_acc=0.9,
        diagnoses=(), series=make_series(), boundary=make_boundary(),
        act_std=(1.0, 0.1, 0.01), grad_norm=(1e-4, 1e-2, 1.0, 2.0),
    )
    return dataclasses.replace(view, **changes)


RUNS = (
    make_run("base", 0),
    make_run("wild", 1, changes="lr 3", status="diverged", paused=True,
             train_loss=math.nan, val_loss=math.nan, diagnoses=("nan",)),
    make_run("slow", 2, changes="lr 0.001", status="finished", act_std=(1.0, 1.0, 1.0)),
)


def tick_rows(text: str) -> list[tuple[int, float]]:
    """(row, value) of each y tick label of a rendered plotext plot, top first."""
    return [(y, float(line.split("┤")[0])) for y, line in enumerate(text.splitlines())
            if "┤" in line]


def editor_with_edits() -> tuple[ArchitectureEditor, list[tuple[str, int]]]:
    """An editor whose edits are the app's part on the config it shows (model_edits is
    tested alone), and the (edit, layer) pairs it asks for, as it asks."""
    asked: list[tuple[str, int]] = []

    def edit(name: str, layer: int) -> EditOutcome:
        asked.append((name, layer))
        try:
            done = EDITS[name](editor.config.model, layer)
        except EditRefused as refusal:
            return EditOutcome(None, layer, str(refusal))
        return EditOutcome(with_changes(editor.config, done.changes), done.select)

    editor = ArchitectureEditor(edit=edit)
    return editor, asked
