"""FrameHistory: the snapshots the main view drew, kept to look back at (``Rewind``).

A frame is kept for each step a snapshot shows (the newest of a step wins), within a
memory budget: past it, the frames are thinned to twice the spacing, evenly along the
run (the first and the newest kept), and later frames are kept at that spacing, so the
frames cover the whole run evenly and memory stays flat however long the run trains.
A frame is kept compact: its pictures in single precision, and an array equal to the one
the frame before holds (the data's points, a layer that did not change) is that one,
shared, not a copy. A run started over (its step goes back) begins a new history.
"""

from __future__ import annotations

import bisect
import dataclasses
import math
from typing import Any

import numpy as np

from nnterm.engine.live.snapshot import Snapshot

#: The memory the frames may take, in bytes of their arrays (shared arrays counted once).
BUDGET = 24 * 2**20
#: Float arrays of at least this many numbers (pictures, grids, histograms) are kept in
#: single precision: half the memory, and more digits than a panel draws.
NARROW_FROM = 64


class FrameHistory:
    """The frames kept, oldest first, and the bytes they hold.

    Frames are kept ``gap`` steps apart at least (0 at first: every frame), and the newest
    snapshot is always the last frame (replacing the one before if that came less than
    ``gap`` after the frame kept before it). Over the budget, ``gap`` doubles and the
    frames are chosen again along the run, ``gap`` apart: the run stays evenly covered.
    """

    def __init__(self, budget: int = BUDGET) -> None:
        self.budget = budget
        self.frames: list[Snapshot] = []
        self.steps: list[int] = []
        self.gap = 0
        self.nbytes = 0  # of the arrays the frames hold, each array once
        self._own: list[int] = []  # each frame's bytes not shared with the frame before

    def __len__(self) -> int:
        return len(self.frames)

    def add(self, snapshot: Snapshot) -> None:
        """Keep ``snapshot`` as the newest frame."""
        if self.steps and snapshot.step < self.steps[-1]:
            self.clear()  # started over: the old frames are of another run
        if self.steps and (self.steps[-1] == snapshot.step or len(self.steps) >= 2
                           and snapshot.step - self.steps[-2] < self.gap):
            self.frames.pop()
            self.steps.pop()
            self.nbytes -= self._own.pop()
        frame, own = _shared(snapshot, self.frames[-1] if self.frames else None)
        self.frames.append(frame)
        self.steps.append(snapshot.step)
        self._own.append(own)
        self.nbytes += own
        if self.nbytes > self.budget and len(self.frames) > 2:
            self._thin()

    def clear(self) -> None:
        self.frames.clear()
        self.steps.clear()
        self._own.clear()
        self.nbytes = 0
        self.gap = 0

    def at_or_before(self, step: int) -> int:
        """The index of the newest frame at ``step`` or before it (0 if none is)."""
        return max(0, bisect.bisect_right(self.steps, step) - 1)

    def _thin(self) -> None:
        """Twice the gap (at least twice the frames' mean spacing), the frames chosen
        again that far apart from the first, the newest kept; the bytes counted again."""
        spacing = (self.steps[-1] - self.steps[0]) / (len(self.steps) - 1)
        self.gap = max(2 * self.gap, math.ceil(2 * spacing))
        keep = [0]
        for i in range(1, len(self.steps) - 1):
            if self.steps[i] - self.steps[keep[-1]] >= self.gap:
                keep.append(i)
        keep.append(len(self.steps) - 1)
        self.frames = [self.frames[i] for i in keep]
        self.steps = [self.steps[i] for i in keep]
        self._own = _own_bytes(self.frames)
        self.nbytes = sum(self._own)


def _shared(snapshot: Snapshot, previous: Snapshot | None) -> tuple[Snapshot, int]:
    """``snapshot`` with each array equal to ``previous``'s in the same place replaced by
    that one, and the bytes of the arrays it does not share."""
    counter = [0]
    frame = _share(snapshot, previous, counter)
    return frame, counter[0]


def _share(value: Any, previous: Any, counter: list[int]) -> Any:
    if isinstance(value, np.ndarray):
        if value.dtype == np.float64 and value.size >= NARROW_FROM:
            # a picture's shades, drawn to 3 digits at most (a diverged run's values past
            # float32's range are kept as infinities, which the panels draw as such)
            with np.errstate(over="ignore"):
                value = value.astype(np.float32)
        if (isinstance(previous, np.ndarray) and previous.shape == value.shape
                and previous.dtype == value.dtype and np.array_equal(previous, value,
                                                                     equal_nan=True)):
            return previous
        counter[0] += value.nbytes
        return value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        same = type(previous) is type(value)
        changes = {}
        for f in dataclasses.fields(value):
            old = getattr(value, f.name)
            new = _share(old, getattr(previous, f.name) if same else None, counter)
            if new is not old:
                changes[f.name] = new
        return dataclasses.replace(value, **changes) if changes else value
    if isinstance(value, tuple):
        others = previous if isinstance(previous, tuple) and len(previous) == len(value) \
            else (None,) * len(value)
        shared = tuple(_share(v, p, counter) for v, p in zip(value, others, strict=True))
        return shared if any(s is not v for s, v in zip(shared, value, strict=True)) else value
    return value


def _own_bytes(frames: list[Snapshot]) -> list[int]:
    """Each frame's bytes of arrays no frame before it holds."""
    seen: set[int] = set()
    own: list[int] = []

    def walk(value: Any) -> int:
        if isinstance(value, np.ndarray):
            if id(value) in seen:
                return 0
            seen.add(id(value))
            return value.nbytes
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            return sum(walk(getattr(value, f.name)) for f in dataclasses.fields(value))
        if isinstance(value, tuple):
            return sum(walk(v) for v in value)
        return 0

    for frame in frames:
        own.append(walk(frame))
    return own
