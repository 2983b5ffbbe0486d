"""A live training run that a UI steers: commands in, snapshots out.

``run_loop`` (``live.run_loop``) is the one loop that drives a lesson's runs (the base
Config and any named ``variants``, trained in lockstep as a ``RunSet``): between steps it
applies the commands that arrived and publishes a Snapshot at most ``fps`` times a second
(and at once after a command). Three sessions run it behind one interface, ``Session``
(this module): ``MovingSession`` (the default, ``moving_session``) in the thread that
calls ``serve()`` while paced and in a child process at full speed, ``ProcessSession``
(``process_session``) always in a child process, and ``InProcessSession``
(``--in-process``, ``sessions``) always in the thread; ``sessions.open_session`` opens
the one asked for.

The UI only calls ``send`` (never blocks; it numbers the command, and every snapshot
says how many commands its engine had taken: ``Snapshot.commands_taken``), ``latest``
(never blocks) and watches
``version`` (or ``wait_for_update``) to learn that something new arrived; nothing in a
session ever calls into the UI. If the engine dies, ``alive`` turns False, ``error`` says
why in words, and ``restart()`` starts a fresh engine from the same config.
"""

from __future__ import annotations

import queue
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any

from nnterm.engine.live.pace import FPS
from nnterm.engine.live.snapshot import Snapshot
from nnterm.engine.training.config import Config

#: A lesson's runs besides the base one: (name, Config) pairs, in order.
Variants = tuple[tuple[str, Config], ...]

#: How long close() waits for the engine to end before it terminates the process.
CLOSE_TIMEOUT = 0.5


class Session(ABC):
    """One live run behind a thread-safe interface; see the module docstring.

    ``version`` counts updates: it grows by one with every new snapshot and every change
    of ``alive`` or ``error``. ``on_update``, if set, is called after each (from the
    session's own thread: it must not block; a UI posts itself a message there); a UI
    then compares ``version`` with the last value it saw, and a test waits on it with
    ``wait_for_update``.
    """

    def __init__(self, config: Config, *, fps: float = FPS, variants: Variants = ()) -> None:
        self.config = config
        self.variants = tuple(variants)
        self.fps = fps
        self._cond = threading.Condition()
        self._latest: Snapshot | None = None
        self._version = 0
        self._alive = False
        self._error: str | None = None
        self._closed = threading.Event()
        self._serve_lock = threading.Lock()
        self._served = threading.Event()  # set while no serve() is running
        self._served.set()
        self._start_lock = threading.Lock()
        self._start_config: Config | None = config  # an engine serve() should start
        self._engines_started = 0
        self._send_lock = threading.Lock()
        self._sent = 0  # commands sent so far, over every engine of this session
        self._close_timeout = CLOSE_TIMEOUT
        self.on_update: Callable[[], None] | None = None

    # -- what the UI reads
    def latest(self) -> Snapshot | None:
        """The newest snapshot (older ones are dropped), or None before the first."""
        return self._latest

    @property
    def version(self) -> int:
        return self._version

    def wait_for_update(self, after: int, timeout: float | None = None) -> bool:
        """Block until ``version > after`` or ``timeout`` passes; True if it grew."""
        with self._cond:
            return self._cond.wait_for(lambda: self._version > after, timeout)

    @property
    def alive(self) -> bool:
        """True while an engine runs."""
        return self._alive

    @property
    def error(self) -> str | None:
        """Why the engine stopped unexpectedly, in words; None while all is well."""
        return self._error

    @property
    def closed(self) -> bool:
        return self._closed.is_set()

    @property
    def pid(self) -> int | None:
        """The engine process's id (None in-process or when none runs)."""
        return None

    @property
    def commands_sent(self) -> int:
        """How many commands ``send`` took so far."""
        return self._sent

    # -- what the UI does
    def send(self, command: Any) -> int:
        """Queue a command for the engine (thread-safe; never blocks) and return its
        number: 1 for the first command of the session, then 2, 3... A snapshot whose
        ``commands_taken`` is at least that number reflects it."""
        with self._send_lock:
            self._sent += 1
            self._enqueue(command)
            return self._sent

    @abstractmethod
    def _enqueue(self, command: Any) -> None:
        """Put ``command`` where the engine (or the relay to it) takes it from."""

    @abstractmethod
    def serve(self) -> None:
        """Run the session until close(): the blocking body of the UI's thread worker.
        It outlives an engine's death (and starts the new engine after restart())."""

    @abstractmethod
    def close(self, timeout: float = CLOSE_TIMEOUT) -> None:
        """Stop the engine and wait up to about ``timeout`` for it; idempotent."""

    def restart(self, config: Config | None = None) -> None:
        """Replace the engine with a fresh one from ``config`` (default: the session's
        config) and the session's variants; a running serve() starts it within ~0.1 s,
        else the next serve() does."""
        if self.closed:
            raise RuntimeError("the session is closed")
        with self._start_lock:
            self._start_config = config or self.config
        self._poke()

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- for subclasses
    @abstractmethod
    def _poke(self) -> None:
        """Wake serve() early (restart, close, a command to forward)."""

    def _publish(self, snapshot: Snapshot) -> None:
        with self._cond:
            self._latest = snapshot
            self._version += 1
            self._cond.notify_all()
        self._announce()

    def _set_state(self, alive: bool, error: str | None) -> None:
        with self._cond:
            self._alive, self._error = alive, error
            self._version += 1
            self._cond.notify_all()
        self._announce()

    def _announce(self) -> None:
        listener = self.on_update
        if listener is not None:
            listener()

    def _enter_serve(self) -> None:
        if not self._serve_lock.acquire(blocking=False):
            raise RuntimeError("serve() is already running")
        self._served.clear()  # before serve() looks at closed: see close()

    def _leave_serve(self) -> None:
        self._served.set()
        self._serve_lock.release()

    def _take_start_config(self) -> Config | None:
        with self._start_lock:
            config, self._start_config = self._start_config, None
        return config

    def _commands_before(self, queued: queue.SimpleQueue[Any]) -> int:
        """Called as an engine starts: the number its count of commands taken starts from.
        The first engine takes what was sent before it started (the opening speed, a
        pause); for a later one the commands still ``queued`` were meant for the engine
        before it, so they are dropped and count as taken."""
        with self._send_lock:
            self._engines_started += 1
            if self._engines_started == 1:
                return 0
            _discard(queued)
            return self._sent


def _discard(inbox: queue.SimpleQueue[Any]) -> None:
    """Empty ``inbox`` (the commands sent to an engine that never took them)."""
    while True:
        try:
            inbox.get_nowait()
        except queue.Empty:
            return
