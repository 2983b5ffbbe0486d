"""Helpers shared by tests: hand-made records, waits on the app's snapshots, the run loop
driven until a snapshot, what the app says, gradients against central differences, and
the small presets and runs the tests drive."""

import asyncio
import dataclasses
import queue

import numpy as np
from rich.text import Text
from textual.widgets._footer import FooterKey

from nnterm.app.widgets.keys_footer import KeysFooter
from nnterm.app.widgets.status_line import StatusLine
from nnterm.engine.live.run_loop import run_loop
from nnterm.engine.live.run_set import RunSet
from nnterm.engine.nn.network import MLP
from nnterm.engine.preset_format.loader import parse_preset
from nnterm.engine.preset_format.preset import Preset
from nnterm.engine.training import commands as cmd
from nnterm.engine.training.config import (
    Config,
    DataConfig,
    ModelConfig,
    OptimizerConfig,
    TrainConfig,
    with_changes,
)
from nnterm.engine.training.telemetry import StepRecord
from nnterm.engine.training.trainer import Trainer


def record(step: int, **values) -> StepRecord:
    """A StepRecord with the given fields; every other field is 0 (numbers) or () (lists)."""
    kwargs = {}
    for f in dataclasses.fields(StepRecord):
        if f.name in values:
            kwargs[f.name] = values.pop(f.name)
        elif f.name == "run":
            kwargs[f.name] = "base"
        elif f.name == "step":
            kwargs[f.name] = step
        else:
            kwargs[f.name] = () if str(f.type).startswith("tuple") else 0.0
    assert not values, f"not StepRecord fields: {values}"
    return StepRecord(**kwargs)


def bars_class(image: np.ndarray) -> int:
    """The class a noise-free bars image shows: 0 for one fully lit row and nothing else
    lit, 1 for one fully lit column; AssertionError for anything else."""
    size = len(image)
    lit_rows, lit_cols = image.sum(axis=1), image.sum(axis=0)
    if sorted(lit_rows) == [0] * (size - 1) + [size] and set(lit_cols) == {1}:
        return 0
    assert sorted(lit_cols) == [0] * (size - 1) + [size] and set(lit_rows) == {1}, image
    return 1


async def settled(app, pilot, predicate, tries: int = 50):
    """Wait for the main view's snapshots until ``predicate(snapshot)`` holds; return
    that snapshot (its numbers drawn)."""
    view = app.main_view
    for _ in range(tries):
        version = view.live.session.version
        snapshot = view.snapshot
        if snapshot is not None and predicate(snapshot):
            view.flush_numbers()  # its numbers drawn now, not at the timer's pace
            await pilot.pause()
            return snapshot
        await asyncio.to_thread(view.live.session.wait_for_update, version, 5.0)
        view.poll()
        await pilot.pause()
    raise AssertionError(f"never reached the expected state: {view.snapshot.config.model}")


class FakeClock:
    """A clock for the pacer and the run loop that the test moves: ``now`` is what the
    test sets it to, and every look at it adds ``tick``, so time passes without waiting."""

    def __init__(self, tick: float = 0.0) -> None:
        self.now, self.tick = 0.0, tick

    def __call__(self) -> float:
        self.now += self.tick
        return self.now


def variant_config(preset: Preset, run: str) -> Config:
    """The config ``preset`` trains its variant ``run`` with: its own with the run's changes."""
    return with_changes(preset.config, preset.compare[run])


def notifications_shown(app) -> list[str]:
    """The messages of the notifications (toasts) the app shows now."""
    return [n.message for n in app._notifications]  # Textual keeps them private


def record_notices(app) -> list[str]:
    """A list that gets the message of every notice ``app`` is asked to show from now on:
    toasts expire on their own, so what was shown cannot be read back later."""
    notices: list[str] = []
    notify = app.notify
    app.notify = lambda message, **kw: (notices.append(message), notify(message, **kw))
    return notices


def footer_says(app) -> str:
    """What the footer's line says instead of the keys ("" when it shows the keys)."""
    footer = app.query_one(KeysFooter)
    said = footer.query_one("#said")
    shown = [key for key in footer.query(FooterKey)
             if key.display and not key.has_class("-command-palette")]
    return str(said.render()) if said.display and not shown else ""


def status(app) -> Text:
    """The status line's text."""
    return app.query_one(StatusLine).text


#: A moons run that never ends, to press keys at.
KEYS_PRESET = parse_preset("""
name: keys
title: Keys test
section: "0. Test"
lesson: A moons run to press keys at.
data: {name: moons, n_train: 128, n_val: 64, noise: 0.1}
model: {hidden: [8, 8], activation: tanh}
train:
  steps: 1000000
  batch_size: 32
  optimizer: {name: sgd, lr: 0.1}
  log_every: 20
""")

#: A lesson of two runs with three guided steps: the second sets the slow run's learning
#: rate and watches for a claim, the third gives every run momentum.
LESSON = """
name: guided
title: Guided test
section: "0. Test"
lesson: A moons run with steps.
data: {name: moons, n_train: 128, n_val: 64, noise: 0.1}
model: {hidden: [8], activation: tanh}
train:
  steps: 1000000
  batch_size: 32
  optimizer: {name: sgd, lr: 0.1}
  log_every: 5
compare:
  slow: {train.optimizer.lr: 0.01}
steps:
  - text: Watch the loss fall.
  - text: The slow run gets the base's learning rate.
    set: {train.optimizer.lr: 0.5}
    run: slow
    claim: {metric: step, op: ">=", value: 10}
    seen: ten steps went by
  - text: Every run gets momentum.
    set: {train.optimizer.momentum: 0.9}
"""


def drive(runs: RunSet, commands=(), until=lambda snap: True, fps: float = 1000.0):
    """Run the loop with ``commands`` queued until a published snapshot satisfies
    ``until``; return every snapshot published."""
    inbox: queue.SimpleQueue = queue.SimpleQueue()
    for c in commands:
        inbox.put(c)
    published = []

    def publish(snap):
        published.append(snap)
        if until(snap):
            inbox.put(cmd.Stop())

    run_loop(runs, inbox, publish, fps=fps, idle_wait=0.01)
    return published


def numeric_grads(net: MLP, f, eps: float = 1e-6) -> list[np.ndarray]:
    """Central differences (f(p + eps) - f(p - eps)) / 2 eps for every parameter entry."""
    out = []
    for p in net.params:
        g = np.zeros_like(p)
        for idx in np.ndindex(p.shape):
            old = p[idx]
            p[idx] = old + eps
            up = f()
            p[idx] = old - eps
            down = f()
            p[idx] = old
            g[idx] = (up - down) / (2 * eps)
        out.append(g)
    return out


def assert_grads_close(analytic, numeric, tol=1e-7):
    """Each analytic gradient equals its central difference within ``tol`` of the larger
    of 1 and the difference's largest entry."""
    for a, n in zip(analytic, numeric, strict=True):
        scale = max(1.0, np.abs(n).max())
        np.testing.assert_allclose(a, n, atol=tol * scale, rtol=0)


#: A small moons run for the network and backprop views' numbers.
MOONS = Config(data=DataConfig(name="moons", n_train=40, n_val=40),
               model=ModelConfig(hidden=(5, 3), activation="tanh"),
               train=TrainConfig(steps=1000, optimizer=OptimizerConfig("adam", lr=0.05)))


def trained(config: Config = MOONS, steps: int = 30) -> Trainer:
    """A trainer on ``config`` after ``steps`` steps."""
    trainer = Trainer(config)
    trainer.run(steps)
    return trainer


#: A 2-3-1 net on XOR's four points, one example a step: the backprop view's numbers.
BACKPROP_TINY = Config(data=DataConfig(name="xor", n_train=4, n_val=4, params={"points": 4}),
              model=ModelConfig(hidden=(3,), activation="tanh", loss="binary_cross_entropy",
                                init="xavier_normal"),
              train=TrainConfig(steps=100, batch_size=1, optimizer=OptimizerConfig("sgd", lr=0.5)))


def explained(config: Config = BACKPROP_TINY, steps: int = 3) -> Trainer:
    """A trainer on ``config`` that kept ``steps`` steps as taken (the last one)."""
    trainer = Trainer(config)
    trainer.explaining = True
    for _ in range(steps):
        trainer.step()
    return trainer


def trajectory(opt, p0, grads):
    """Take one step per gradient from p0; return the params after each step."""
    p = np.array(p0, dtype=np.float64)
    after = []
    for g in grads:
        opt.step([p], [np.array(g, dtype=np.float64)])
        after.append(p.copy())
    return np.array(after)


def assert_trajectory(actual, expected):
    """An optimizer's steps equal the hand-worked ones, to rounding."""
    np.testing.assert_allclose(actual, np.array(expected, dtype=np.float64), rtol=1e-13, atol=1e-15)
