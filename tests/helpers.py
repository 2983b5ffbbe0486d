"""Helpers shared by tests."""

import asyncio
import dataclasses

import numpy as np

from nnterm.engine.preset_format.preset import Preset
from nnterm.engine.training.config import Config, with_changes
from nnterm.engine.training.telemetry import StepRecord


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
