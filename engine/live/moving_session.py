"""The app's session: the engine in the app's own thread while a lesson is paced, in a
child process at full speed, and the runs moving between the two as the speed changes.

A lesson at its own pace takes little of a core (xor's 100 steps/s: well under 1%), and a
child process costs more than its steps: a second interpreter (about 60 MB), the pickling
of every snapshot, a relay thread and the process's own wake-ups (measured on xor: the
engine process took 6.5% of a core, its steps and snapshots 2%). So a paced lesson trains
in the thread that calls ``serve()``. At full speed, or when a pace's steps would take more
than ``THREAD_SHARE`` of a core, the run loop hands its runs over (``run_loop.LoopState``:
the Trainers themselves, pickled) and a child process goes on with them, where the UI's
redraws and the steps do not fight over one GIL (full speed keeps its 0.9x of headless).
Back at a pace that takes less than half of ``THREAD_SHARE``, the child hands them back.
Either way the runs go on from the step they were at, bit for bit as if they had not
moved; the commands the child had not taken yet are taken by the thread.
"""

from __future__ import annotations

import ctypes
from typing import Any

from nnterm.engine.live.pace import FPS
from nnterm.engine.live.process_session import ProcessSession
from nnterm.engine.live.run_loop import LoopState, run_loop
from nnterm.engine.live.run_set import build_run_set
from nnterm.engine.live.run_words import describe_error
from nnterm.engine.live.session import Variants
from nnterm.engine.training.config import Config

#: The share of a core a paced lesson's steps may take in the app's thread. Above it
#: they go to a child process: the UI's redraws (10-15% of a core) and the steps would
#: take turns at one GIL, and keys wait behind steps.
THREAD_SHARE = 0.3
#: glibc's ``mallopt`` parameters, and what ``keep_freed_memory`` sets them to.
M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3
TRIM_THRESHOLD, MMAP_THRESHOLD = 256 * 2**20, 32 * 2**20


def keep_freed_memory() -> None:
    """Have glibc's malloc keep the memory freed in this process for the next allocation,
    rather than give it back to the system at once (where ``mallopt`` exists).

    A step frees and allocates the same large arrays again and again; in a thread's own
    malloc arena each free gave the pages back (madvise) and each allocation faulted them
    in anew: dead_relu's engine thread spent 3.2% of a core in the kernel, 20,000 page
    faults a second, and none with this (for 11 MB more of resident memory). The engine
    process asks for huge pages instead (``process_session.ask_for_huge_pages``), which
    only a new process can."""
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return
    mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD)
    mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)


def leave_thread(speed: float | None, step_seconds: float) -> bool:
    """Whether runs in the app's thread should move to a process: at full speed, or when
    ``speed`` steps a second of ``step_seconds`` each take over ``THREAD_SHARE``."""
    return speed is None or speed * step_seconds > THREAD_SHARE


def leave_process(speed: float | None, step_seconds: float) -> bool:
    """Whether runs in a child process should come back to the app's thread: at a pace
    whose steps take less than half of ``THREAD_SHARE`` (half: a pace near the limit does
    not send them back and forth)."""
    return speed is not None and speed * step_seconds < THREAD_SHARE / 2


class MovingSession(ProcessSession):
    """The engine in this thread while paced, in a child process at full speed."""

    def __init__(self, config: Config, *, fps: float = FPS, variants: Variants = (),
                 in_thread: bool = True, start_method: str = "spawn") -> None:
        """``in_thread``: the first engine starts in the thread (the lesson opens at a
        pace); else in a child (at full speed)."""
        super().__init__(config, fps=fps, variants=variants, start_method=start_method)
        self._start_in_thread = in_thread
        self._child_move = leave_process
        self._forwarded: list[Any] = []  # commands sent down to the child, in order
        self._child_base = 0  # the child's count of commands taken as it started

    @property
    def in_thread(self) -> bool:
        """Whether the engine runs in this process now (False: in a child, or none)."""
        return self.alive and self._proc is None

    def _serve(self) -> None:
        here: Config | LoopState | None = None  # what to train in this thread next
        while not self.closed:
            config = self._take_start_config()
            if config is not None:
                self._stop_child(self._close_timeout)
                self._moved = None
                if self._start_in_thread:
                    here = config
                else:
                    self._start_child(config)
            if self._moved is not None:  # the child handed its runs back, and ends
                self._stop_child(self._close_timeout, ends_engine=False)
                here, self._moved = self._take_back(self._moved), None
            if here is not None:
                leaving = self._train_here(here)
                here = None
                if leaving is not None:
                    self._start_child(leaving)
                continue
            self._relay(0.5)

    def _train_here(self, start: Config | LoopState) -> LoopState | None:
        """Run the loop in this thread until it stops (None) or its runs should move to a
        process (their state)."""
        self._start_in_thread = True  # a restart starts where the engine is
        keep_freed_memory()
        try:
            if isinstance(start, Config):
                commands_before = self._commands_before(self._outbox)
                runs: Any = build_run_set([("base", start), *self.variants])
            else:
                commands_before, runs = start.commands_taken, start
            self._set_state(True, None)
            leaving = run_loop(runs, self._outbox, self._publish, fps=self.fps,
                               should_stop=self._should_stop,
                               commands_before=commands_before, move=leave_thread)
        except Exception as exc:
            self._set_state(False, f"the engine stopped: {type(exc).__name__}: "
                                   f"{describe_error(exc)}")
            return None
        if leaving is None:
            self._set_state(False, None)
        else:
            self._start_in_thread = False
        return leaving

    def _should_stop(self) -> bool:
        return self.closed or self._start_config is not None

    # -- the child's side of a move
    def _child_started(self, commands_before: int) -> None:
        self._forwarded.clear()
        self._child_base = commands_before

    def _forward(self, commands: Any, command: Any) -> None:
        commands.send(command)
        self._forwarded.append(command)

    def _take_back(self, state: LoopState) -> LoopState:
        """The runs a child handed back; the commands it was sent and had not taken go
        first into this thread's inbox, before any sent since."""
        untaken = self._forwarded[state.commands_taken - self._child_base:]
        self._forwarded.clear()
        with self._send_lock:  # (send() puts into the same queue)
            queued = []
            while not self._outbox.empty():
                queued.append(self._outbox.get_nowait())
            for command in (*untaken, *queued):
                self._outbox.put(command)
        return state
