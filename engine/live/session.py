"""A live training run that a UI steers: commands in, snapshots out.

``run_loop`` (``live.run_loop``) is the one loop that drives a lesson's runs (the base
Config and any named ``variants``, trained in lockstep as a ``RunSet``): between steps it
applies the commands that arrived and publishes a Snapshot at most ``fps`` times a second
(and at once after a command). Two sessions run it behind one interface, ``Session``:

* ``ProcessSession`` (the default) runs the loop in a child process started with
  ``spawn``, so training and the UI's rendering do not fight over one GIL. ``serve()``,
  the body of the UI's thread worker, relays: commands down one pipe, snapshots up
  another, the newest one into ``latest()``.
* ``InProcessSession`` (``--in-process``) runs the loop in the thread that calls
  ``serve()``.

The UI only calls ``send`` (never blocks; it numbers the command, and every snapshot
says how many commands its engine had taken: ``Snapshot.commands_taken``), ``latest``
(never blocks) and watches
``version`` (or ``wait_for_update``) to learn that something new arrived; nothing in a
session ever calls into the UI. If the engine dies, ``alive`` turns False, ``error`` says
why in words, and ``restart()`` starts a fresh engine from the same config.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import multiprocessing.connection
import os
import queue
import signal
import socket
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any

from nnterm.engine.live.run_loop import FPS, IDLE_WAIT, describe_error, run_loop
from nnterm.engine.live.run_set import build_run_set
from nnterm.engine.live.snapshot import Snapshot
from nnterm.engine.training import commands as cmd
from nnterm.engine.training.config import Config

#: A lesson's runs besides the base one: (name, Config) pairs, in order.
Variants = tuple[tuple[str, Config], ...]

#: How long close() waits for the engine to end before it terminates the process.
CLOSE_TIMEOUT = 0.5
#: The glibc tunable that backs malloc's heap with transparent huge pages.
HUGE_PAGES = "glibc.malloc.hugetlb=1"


def ask_for_huge_pages() -> None:
    """Have processes started from now on back their malloc heap with transparent huge
    pages (``GLIBC_TUNABLES``, read by glibc 2.35+ at a process's start; ignored
    elsewhere). Measured with a session and no UI on playground: a spawned engine without
    it trained at 2,000-2,350 steps/s against 3,300-3,400 in this process or in a forked
    one (whose heap is this process's, already backed); with it, 3,000-3,400. A user's
    own setting for it wins."""
    current = os.environ.get("GLIBC_TUNABLES", "")
    if "glibc.malloc.hugetlb" not in current:
        os.environ["GLIBC_TUNABLES"] = f"{current}:{HUGE_PAGES}" if current else HUGE_PAGES

# ---------------------------------------------------------------------------- sessions
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

    def _commands_before(self, queued: queue.SimpleQueue) -> int:
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


def open_session(config: Config, *, in_process: bool = False, fps: float = FPS,
                 variants: Variants = ()) -> Session:
    """The session the app uses: an engine process, or (``in_process``) this thread."""
    kind = InProcessSession if in_process else ProcessSession
    return kind(config, fps=fps, variants=variants)


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


def _discard(inbox: queue.SimpleQueue) -> None:
    while True:
        try:
            inbox.get_nowait()
        except queue.Empty:
            return


class ProcessSession(Session):
    """The engine runs in a child process (``spawn``: never ``fork`` a threaded app);
    ``serve()`` relays commands down and snapshots up."""

    def __init__(
        self, config: Config, *, fps: float = FPS, variants: Variants = (),
        start_method: str = "spawn",
    ) -> None:
        super().__init__(config, fps=fps, variants=variants)
        self._ctx = multiprocessing.get_context(start_method)
        self._outbox: queue.SimpleQueue[Any] = queue.SimpleQueue()
        # send() writes a byte here so that serve(), waiting on the pipes, wakes at once
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._wake_w.setblocking(False)
        self._child_lock = threading.Lock()
        self._proc: Any = None  # multiprocessing Process
        self._commands: Any = None  # our end of the command pipe
        self._snapshots: Any = None  # our end of the snapshot pipe
        self._fatal: str | None = None  # the engine's last words, if any

    @property
    def pid(self) -> int | None:
        proc = self._proc
        return None if proc is None else proc.pid

    def _enqueue(self, command: Any) -> None:
        self._outbox.put(command)
        self._poke()

    def _poke(self) -> None:
        # full (serve() is behind: it will look anyway) or closed
        with contextlib.suppress(OSError):
            self._wake_w.send(b"\0")

    def serve(self) -> None:
        self._enter_serve()
        try:
            try:
                while not self.closed:
                    config = self._take_start_config()
                    if config is not None:
                        self._stop_child(self._close_timeout)
                        self._start_child(config)
                    self._relay(0.5)
            except Exception as exc:  # a bug here must not take the app down
                self._set_state(False, f"the engine relay failed: {describe_error(exc)}")
            finally:
                self._stop_child(self._close_timeout)
        finally:
            self._leave_serve()

    def close(self, timeout: float = CLOSE_TIMEOUT) -> None:
        self._close_timeout = timeout
        self._closed.set()  # before looking at _served: see _enter_serve()
        self._poke()
        if not self._served.is_set():
            self._served.wait(timeout + 0.5)  # serve() stops the child (terminates if need be)
        if self._served.is_set():  # nobody else reads the pipes now
            self._stop_child(timeout)
            self._wake_r.close()
            self._wake_w.close()

    # -- the child
    def _start_child(self, config: Config) -> None:
        from nnterm.engine.live import engine_process

        commands_before = self._commands_before(self._outbox)
        self._fatal = None
        cmd_r, cmd_w = self._ctx.Pipe(duplex=False)
        snap_r, snap_w = self._ctx.Pipe(duplex=False)
        ask_for_huge_pages()
        proc = self._ctx.Process(
            target=engine_process.main,
            args=([("base", config), *self.variants], cmd_r, snap_w, self.fps,
                  commands_before),
            name="nnterm-engine", daemon=True,
        )
        try:
            proc.start()
        except Exception as exc:
            for c in (cmd_r, cmd_w, snap_r, snap_w):
                c.close()
            self._set_state(False, f"could not start the engine process: {describe_error(exc)}")
            return
        cmd_r.close()
        snap_w.close()
        with self._child_lock:
            self._proc, self._commands, self._snapshots = proc, cmd_w, snap_r
        self._set_state(True, None)

    def _stop_child(self, timeout: float) -> None:
        """Ask the child to stop, give it ``timeout`` seconds, then terminate/kill it."""
        with self._child_lock:
            proc, commands, snapshots = self._proc, self._commands, self._snapshots
            self._proc = self._commands = self._snapshots = None
        if proc is None:
            return
        deadline = time.monotonic() + timeout
        with contextlib.suppress(OSError):
            commands.send(cmd.Stop())
        while proc.is_alive() and (left := deadline - time.monotonic()) > 0:
            try:  # keep reading: a child blocked on a full pipe could not exit
                if snapshots.poll(min(left, 0.02)):
                    snapshots.recv()
            except (EOFError, OSError):
                proc.join(max(0.0, deadline - time.monotonic()))
                break
        for end in (proc.terminate, proc.kill):
            if not proc.is_alive():
                break
            end()
            proc.join(0.2)
        for c in (commands, snapshots):
            c.close()
        if not proc.is_alive():
            proc.close()
        if self._alive:
            self._set_state(False, self._error)

    def _relay(self, timeout: float) -> None:
        """Wait for a snapshot, a command to forward or the child's exit, and handle it."""
        proc, commands, snapshots = self._proc, self._commands, self._snapshots
        waitables: list[Any] = [self._wake_r]
        if proc is not None:
            waitables += [snapshots, proc.sentinel]
        ready = multiprocessing.connection.wait(waitables, timeout)
        if self._wake_r in ready:
            try:
                while self._wake_r.recv(4096):
                    pass
            except OSError:  # BlockingIOError: drained
                pass
        while True:
            try:
                command = self._outbox.get_nowait()
            except queue.Empty:
                break
            if commands is not None:  # a dead engine's commands are dropped
                try:
                    commands.send(command)
                except OSError:
                    break  # the child is gone: its sentinel says so next
        if proc is None:
            return
        if snapshots in ready or proc.sentinel in ready:
            self._receive(snapshots)
        if proc.sentinel in ready:
            self._child_exited(proc)

    def _receive(self, snapshots: Any) -> None:
        newest = None
        for _ in range(100):
            try:
                if not snapshots.poll():
                    break
                kind, payload = snapshots.recv()
            except (EOFError, OSError):
                break
            if kind == "snapshot":
                newest = payload
            elif kind == "fatal":
                self._fatal = payload
        if newest is not None:
            self._publish(newest)

    def _child_exited(self, proc: Any) -> None:
        proc.join(0.1)
        with self._child_lock:
            if self._proc is not proc:
                return
            self._proc = None
            commands, snapshots, self._commands, self._snapshots = (
                self._commands, self._snapshots, None, None)
        for c in (commands, snapshots):
            c.close()
        if self.closed:
            self._set_state(False, None)
            return
        code = proc.exitcode
        message = self._fatal or f"the engine process exited with code {code}"
        if self._fatal is None and code is not None and code < 0:
            with contextlib.suppress(ValueError):
                message += f" ({signal.Signals(-code).name})"
        self._set_state(False, message)
