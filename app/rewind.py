"""Looking back at a run: the main view's frames kept (``FrameHistory``), scrubbed with
``(`` (one frame back) and ``)`` (one forward; past the newest, live again), ``{`` and
``}`` (a tenth of the run back or forward), ``space`` back to live, and ``f``, while
looking back, a slow replay from the frame shown at 1, 5 or 20 steps a second (``f``
again: the next pace, then stopped).

While a frame of the past is shown every panel draws it, but for the loss curves, which
go on with the live run and mark the step shown with a cursor; the status line says
``viewing step 120 of 600 · live: space``. Training goes on meanwhile (or stays paused):
the frames keep coming, and the keys that change runs change them as they are now.

``Rewind`` belongs to the main view, which gives it a ``RewindHost``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from textual.timer import Timer

from nnterm.app.frame_history import FrameHistory
from nnterm.engine.live.run_words import rate_text
from nnterm.engine.live.snapshot import Snapshot

#: The replay's paces, in steps a second, as ``f`` goes through them.
REPLAY_PACES = (1, 5, 20)
#: How often the replay moves on (seconds).
REPLAY_TICK = 0.1


class RewindHost(Protocol):
    """The view that draws the frames."""

    def draw_past(self, frame: Snapshot, words: str) -> None:
        """Draw ``frame`` in every panel, the loss curves' cursor at its step, and
        ``words`` on the status line."""

    def draw_live(self) -> None:
        """Back to the newest snapshot, in every panel."""

    def set_interval(self, interval: float, callback: Callable[[], object]) -> Timer: ...
    def notify(self, message: str, *, title: str = "", timeout: float | None = None) -> None: ...


class Rewind:
    """The frames kept, and which one is shown (``step``: None while live)."""

    def __init__(self, host: RewindHost, frames: FrameHistory | None = None) -> None:
        self.host = host
        self.frames = frames if frames is not None else FrameHistory()
        self.step: int | None = None  # the step of the frame shown; None: live
        self.pace: int | None = None  # the replay's steps a second; None: no replay
        self._replayed = 0.0  # the replay's step, between frames
        self._timer: Timer | None = None

    @property
    def viewing(self) -> bool:
        return self.step is not None

    def keep(self, snapshot: Snapshot) -> None:
        """A new live snapshot: keep it; a run started over leaves the past it had."""
        self.frames.add(snapshot)
        if self.viewing and (len(self.frames) < 2 or snapshot.step < (self.step or 0)):
            self.live()
        elif self.viewing:
            self._show(self.frames.at_or_before(self.step or 0))  # "of N" moves on

    def back(self, tenth: bool = False) -> None:
        """One frame further back (from live: the frame before the newest); ``tenth``: a
        tenth of the steps the frames cover."""
        if len(self.frames) < 2:
            self.host.notify("no frames to look back at yet", title="Rewind", timeout=2)
            return
        at = len(self.frames) - 1 if self.step is None else self.frames.at_or_before(self.step)
        if tenth:
            target = self.frames.steps[at] - self._tenth()
            at = min(at, self.frames.at_or_before(target) + 1)
        self._stop_replay()
        self._show(max(0, at - 1))

    def forward(self, tenth: bool = False) -> None:
        """One frame forward (``tenth``: a tenth of the steps the frames cover); past
        the newest, live again."""
        if self.step is None:
            return
        self._stop_replay()
        at = self.frames.at_or_before(self.step) + 1
        if tenth:
            at = max(at, self.frames.at_or_before(self.step + self._tenth()))
        if at >= len(self.frames) - 1:
            self.live()
        else:
            self._show(at)

    def _tenth(self) -> int:
        return max(1, (self.frames.steps[-1] - self.frames.steps[0]) // 10)

    def live(self) -> None:
        """Every panel back to the newest snapshot."""
        self._stop_replay()
        if self.step is not None:
            self.step = None
            self.host.draw_live()

    def replay(self) -> None:
        """Replay from the frame shown at the next pace (1, 5, 20 steps a second), or
        stop after the fastest."""
        if self.step is None:
            return
        paces = (*REPLAY_PACES, None)
        self.pace = paces[(paces.index(self.pace) + 1) % len(paces)]
        if self.pace is None:
            self._stop_replay()
        elif self._timer is None:
            self._replayed = float(self.step)
            self._timer = self.host.set_interval(REPLAY_TICK, lambda: self.advance(REPLAY_TICK))
        self._show(self.frames.at_or_before(self.step))

    def advance(self, seconds: float) -> None:
        """The replay ``seconds`` on: the newest frame at the step it reached; past the
        newest frame, live."""
        if self.pace is None or self.step is None:
            return
        self._replayed += self.pace * seconds
        if self._replayed >= self.frames.steps[-1]:
            self.live()  # caught up with the run
            return
        at = self.frames.at_or_before(int(self._replayed))
        if self.frames.steps[at] != self.step:
            self._show(at)

    def _stop_replay(self) -> None:
        self.pace = None
        if self._timer is not None:
            self._timer.stop()
            self._timer = None

    def _show(self, at: int) -> None:
        frame = self.frames.frames[at]
        self.step = frame.step
        newest = self.frames.steps[-1]
        doing = f"replaying at {rate_text(self.pace)}" if self.pace else "viewing"
        self.host.draw_past(frame, f"{doing} step {frame.step:,} of {newest:,} · live: space")
