"""The engine's child process: ``run_loop`` over a lesson's runs, commands in through one pipe
and snapshots out through another (see ``process_session.ProcessSession``, the parent's side).

Snapshots leave through a ``LatestSender`` thread that keeps only the newest unsent one:
the training loop never waits for the UI, and memory stays flat however slow the reader.
If the parent goes away (its pipe ends close), the loop stops by itself, and a watch
thread ends the process soon after even in the middle of a step (``parent_watch``).
"""

from __future__ import annotations

import queue
import signal
import threading
from typing import Any

from nnterm.engine.live.run_loop import LoopState, Move, run_loop
from nnterm.engine.live.run_set import build_run_set
from nnterm.engine.live.run_words import describe_error
from nnterm.engine.process.parent_watch import end_with_parent
from nnterm.engine.training import commands as cmd
from nnterm.engine.training.config import Config

#: How long a child that hands its runs back waits for the parent to have read them.
HAND_BACK_TIMEOUT = 30.0


def main(runs: list[tuple[str, Config]] | LoopState, commands: Any, snapshots: Any,
         fps: float, commands_before: int, parent: int, move: Move | None = None) -> None:
    """Entry point of the engine process (a ``multiprocessing`` target): train ``runs``,
    (name, Config) pairs, in lockstep, or go on with the runs another engine handed on
    (a ``LoopState``); ``commands_before`` and ``move``: see ``run_loop`` (runs that
    should move are sent up as ``("moved", state)``, and the process ends); ``parent``:
    the id of the process that started it (``parent_watch``)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the UI's: it stops us
    end_with_parent(parent)
    sender = LatestSender(snapshots)
    sender.start()
    inbox = ConnectionInbox(commands)
    try:
        moved = run_loop(runs if isinstance(runs, LoopState) else build_run_set(runs), inbox,
                         lambda s: sender.put(("snapshot", s)), fps=fps,
                         should_stop=lambda: sender.broken or inbox.closed,
                         commands_before=commands_before, move=move)
    except Exception as exc:
        sender.put(("fatal", f"the engine failed: {type(exc).__name__}: {describe_error(exc)}"))
        sender.close(flush=True, timeout=1.0)
        raise SystemExit(1) from exc
    if moved is not None:
        sender.put(("moved", moved))
        sender.close(flush=True, timeout=HAND_BACK_TIMEOUT)
        return
    sender.close(flush=False)


class ConnectionInbox:
    """A pipe's receiving end as an ``Inbox`` (``get``/``get_nowait`` like a queue). When
    the other end is gone it answers ``Stop``."""

    def __init__(self, conn: Any) -> None:
        self._conn = conn
        self.closed = False

    def get(self, block: bool = True, timeout: float | None = None) -> Any:
        if self.closed:
            return cmd.Stop()
        try:
            if self._conn.poll(timeout if block else 0):
                return self._conn.recv()
        except (EOFError, OSError):
            self.closed = True
            return cmd.Stop()
        raise queue.Empty

    def get_nowait(self) -> Any:
        return self.get(block=False)

    def empty(self) -> bool:
        """Whether no command waits (a closed pipe has its ``Stop`` waiting)."""
        try:
            return not self.closed and not self._conn.poll(0)
        except (EOFError, OSError):
            return False


class LatestSender(threading.Thread):
    """Sends the newest item given to ``put`` over ``conn`` from its own thread; an item
    not yet sent when a newer one arrives is dropped. ``broken`` turns True when the
    reader is gone."""

    def __init__(self, conn: Any) -> None:
        super().__init__(name="nnterm-snapshot-sender", daemon=True)
        self._conn = conn
        self._cond = threading.Condition()
        self._item: Any = None
        self._closing = False
        self.broken = False

    def put(self, item: Any) -> None:
        with self._cond:
            self._item = item
            self._cond.notify()

    def run(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._item is not None or self._closing)
                item, self._item = self._item, None
            if item is None:
                return
            try:
                self._conn.send(item)
            except (OSError, EOFError, ValueError):
                self.broken = True
                return

    def close(self, flush: bool, timeout: float = 1.0) -> None:
        """Stop sending; with ``flush``, first send the pending item (waiting up to
        ``timeout``)."""
        with self._cond:
            if not flush:
                self._item = None
            self._closing = True
            self._cond.notify()
        if flush:
            self.join(timeout)
