"""The pace of a live session: how often it publishes its snapshots (a module apart from
the loop, so that the command line can give the default in its help without importing the
loop and NumPy with it), when it takes its next step at a fixed speed (``Pacer``) and how
fast it went (``StepRate``)."""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable

#: Snapshots a second at most, while training. Each costs the engine ~0.5 ms a run and
#: the UI a repaint (~10 ms of its core, which the engine's core feels too): at 10 the
#: fastest lessons trained at 0.85-0.89x their headless speed, at 8 at 0.90-0.93x, and
#: the numbers still change faster than they can be read.
FPS = 8.0
#: How far behind its grid a paced run may be and still catch up (a burst this short is
#: invisible; later than this, the Pacer starts a new grid).
CATCH_UP = 0.05


class Pacer:
    """When to take the next step at a fixed speed (``None``: full speed, no waiting).

    Steps keep to a grid of ``1 / steps_per_second``: a step taken a little late does not
    shift the ones after it, so the rate is exact on average, even at paces whose interval
    is close to the wait's own granularity (a millisecond or so). A step later than
    ``catch_up`` seconds or a whole interval, whichever is longer (after a pause, or when
    steps are slower than the asked speed), starts a new grid instead of rushing to catch
    up, so there is never a visible burst of steps (the run loop takes the steps due
    between two of its wake-ups together, and shows them only once all are taken).
    """

    def __init__(
        self, steps_per_second: float | None = None, clock: Callable[[], float] = time.monotonic,
        catch_up: float = CATCH_UP,
    ) -> None:
        self.clock = clock
        self.catch_up = catch_up
        self.steps_per_second: float | None = None
        self._due: float | None = None
        self.set_speed(steps_per_second)

    def set_speed(self, steps_per_second: float | None) -> None:
        if steps_per_second is not None:
            sps = float(steps_per_second)
            if not (math.isfinite(sps) and sps > 0):
                raise ValueError(
                    f"steps per second must be a number > 0 (or none for full speed), "
                    f"got {steps_per_second!r}"
                )
            steps_per_second = sps
        self.steps_per_second = steps_per_second
        self._due = None

    def delay(self) -> float:
        """Seconds to wait before the next step (0: step now)."""
        if self.steps_per_second is None or self._due is None:
            return 0.0
        return max(0.0, self._due - self.clock())

    def stepped(self) -> None:
        """Book a step taken now."""
        if self.steps_per_second is None:
            return
        now, interval = self.clock(), 1.0 / self.steps_per_second
        if self._due is None or now - self._due > max(interval, self.catch_up):
            self._due = now + interval
        else:
            self._due += interval


class StepRate:
    """Steps per second over about the last second."""

    def __init__(self, window: float = 1.0) -> None:
        self.window = window
        self._marks: deque[tuple[float, int]] = deque()

    def mark(self, now: float, steps: int) -> None:
        self._marks.append((now, steps))
        while len(self._marks) > 2 and self._marks[1][0] <= now - self.window:
            self._marks.popleft()

    def clear(self) -> None:
        self._marks.clear()

    @property
    def value(self) -> float:
        if len(self._marks) < 2:
            return 0.0
        (t0, n0), (t1, n1) = self._marks[0], self._marks[-1]
        return (n1 - n0) / (t1 - t0) if t1 > t0 else 0.0
