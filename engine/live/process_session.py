"""The default Session: the engine runs in a child process, so training and the UI's
rendering do not fight over one GIL.

The child is started with ``spawn`` (never ``fork`` a threaded app) and runs
``engine_process.main``: commands go down one pipe, snapshots come up another, and
``serve()`` (the UI's thread worker) relays both, the newest snapshot into ``latest()``.
A child that dies is reported in words (its last message, or its exit code and signal);
``close()`` asks it to stop, then terminates and kills it if it does not.
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
from typing import Any

from nnterm.engine.live.pace import FPS
from nnterm.engine.live.run_loop import LoopState, Move
from nnterm.engine.live.run_words import describe_error
from nnterm.engine.live.session import CLOSE_TIMEOUT, Session, Variants
from nnterm.engine.training import commands as cmd
from nnterm.engine.training.config import Config

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
        #: asked by the child's loop whether its runs should move (``run_loop.Move``)
        self._child_move: Move | None = None
        self._moved: LoopState | None = None  # the runs a child handed back as it ended

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
                self._serve()
            except Exception as exc:  # a bug here must not take the app down
                self._set_state(False, f"the engine relay failed: {describe_error(exc)}")
            finally:
                self._stop_child(self._close_timeout)
        finally:
            self._leave_serve()

    def _serve(self) -> None:
        """Until closed: start the child for each (re)start, relay its snapshots."""
        while not self.closed:
            config = self._take_start_config()
            if config is not None:
                self._stop_child(self._close_timeout)
                self._start_child(config)
            self._relay(0.5)

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
    def _start_child(self, start: Config | LoopState) -> None:
        """A child training ``start``: a fresh engine from a Config (and the session's
        variants), or the runs another engine handed on (``LoopState``)."""
        from nnterm.engine.live import engine_process

        if isinstance(start, LoopState):
            runs: list[tuple[str, Config]] | LoopState = start
            commands_before = start.commands_taken
        else:
            runs = [("base", start), *self.variants]
            commands_before = self._commands_before(self._outbox)
        self._fatal = None
        self._child_started(commands_before)
        cmd_r, cmd_w = self._ctx.Pipe(duplex=False)
        snap_r, snap_w = self._ctx.Pipe(duplex=False)
        ask_for_huge_pages()
        # get_context(str)'s stub gives BaseContext, which declares no Process; every
        # context it returns (spawn, fork, forkserver) has one.
        proc = self._ctx.Process(  # type: ignore[attr-defined]
            target=engine_process.main,
            args=(runs, cmd_r, snap_w, self.fps, commands_before, os.getpid(),
                  self._child_move),
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

    def _child_started(self, commands_before: int) -> None:
        """Called as a child starts, its count of commands taken at ``commands_before``."""

    def _forward(self, commands: Any, command: Any) -> None:
        """Send ``command`` down to the child (raises OSError if it is gone)."""
        commands.send(command)

    def _stop_child(self, timeout: float, *, ends_engine: bool = True) -> None:
        """Ask the child to stop, give it ``timeout`` seconds, then terminate/kill it;
        ``ends_engine=False``: its runs go on elsewhere, the engine stays alive."""
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
        if self._alive and ends_engine:
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
                    self._forward(commands, command)
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
            elif kind == "moved":
                self._moved = payload
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
        if self._moved is not None:  # its runs go on elsewhere: the engine lives on
            return
        if self.closed:
            self._set_state(False, None)
            return
        code = proc.exitcode
        message = self._fatal or f"the engine process exited with code {code}"
        if self._fatal is None and code is not None and code < 0:
            with contextlib.suppress(ValueError):
                message += f" ({signal.Signals(-code).name})"
        self._set_state(False, message)
