"""The kinds of Session, and the one the app opens: ``MovingSession`` (the default,
``moving_session``: the engine in the app's thread while paced, in a child process at full
speed), ``ProcessSession`` (always a child process, ``process_session``) or
``InProcessSession``, which always runs the engine in the thread that calls ``serve()``
(``--in-process``: one process, for debugging and for tests)."""

from __future__ import annotations

import queue
import threading
from typing import Any

from nnterm.engine.live.moving_session import MovingSession
from nnterm.engine.live.pace import FPS
from nnterm.engine.live.run_loop import IDLE_WAIT, run_loop
from nnterm.engine.live.run_set import build_run_set
from nnterm.engine.live.run_words import describe_error
from nnterm.engine.live.session import CLOSE_TIMEOUT, Session, Variants
from nnterm.engine.training import commands as cmd
from nnterm.engine.training.config import Config


def open_session(config: Config, *, in_process: bool = False, fps: float = FPS,
                 variants: Variants = (), paced: bool = False) -> Session:
    """The session the app uses: the engine where its speed wants it, starting in this
    thread if ``paced`` (a lesson opened at a pace), else in a process; or always in this
    thread (``in_process``)."""
    if in_process:
        return InProcessSession(config, fps=fps, variants=variants)
    return MovingSession(config, fps=fps, variants=variants, in_thread=paced)


class InProcessSession(Session):
    """The engine runs in the thread that calls ``serve()``."""

    def __init__(self, config: Config, *, fps: float = FPS, variants: Variants = ()) -> None:
        super().__init__(config, fps=fps, variants=variants)
        self._inbox: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._signal = threading.Event()

    def _enqueue(self, command: Any) -> None:
        self._inbox.put(command)

    def _poke(self) -> None:
        self._signal.set()

    def serve(self) -> None:
        self._enter_serve()
        try:
            while not self.closed:
                config = self._take_start_config()
                if config is None:
                    self._signal.wait(IDLE_WAIT)
                    self._signal.clear()
                else:
                    self._run_engine(config)
        finally:
            self._leave_serve()

    def _run_engine(self, config: Config) -> None:
        commands_before = self._commands_before(self._inbox)
        self._set_state(True, None)
        try:
            runs = build_run_set([("base", config), *self.variants])
            run_loop(runs, self._inbox, self._publish, fps=self.fps,
                     should_stop=self._should_stop, commands_before=commands_before)
        except Exception as exc:
            self._set_state(False, f"the engine stopped: {type(exc).__name__}: "
                                   f"{describe_error(exc)}")
        else:
            self._set_state(False, None)

    def _should_stop(self) -> bool:
        return self.closed or self._start_config is not None

    def close(self, timeout: float = CLOSE_TIMEOUT) -> None:
        self._closed.set()
        self._inbox.put(cmd.Stop())
        self._signal.set()
        self._served.wait(timeout)  # at most one step away
