"""SIGTERM and SIGHUP (``kill``, a closed terminal or SSH session) end the app the way
``q`` does, and end it for sure.

The way ``q`` does: the terminal is restored (alternate screen left, cursor shown, mouse
and raw mode off) and the engine stopped; the exit status is 128 + the signal.

For sure: when the terminal goes away, Textual's writer thread dies on its first failed
write, its queue (30 writes) fills, and the next write waits forever, in the middle of
training or of the clean exit itself. So the handler is a plain Python one, which runs
even while the main thread waits on that queue (an event loop's handler would wait for the
loop), and it starts a timer: an app still there ``SIGNAL_GRACE`` seconds later ends at
once with the same status. Its engine and sweep workers end with it (``parent_watch``).
"""

from __future__ import annotations

import asyncio
import os
import signal
import threading
from collections.abc import Callable
from types import FrameType
from typing import Any

#: Signals that end the app as ``q`` does.
HANDLED_SIGNALS = (signal.SIGTERM, signal.SIGHUP)
#: Seconds the app has, after one of them, to leave cleanly before it is ended at once.
SIGNAL_GRACE = 5.0

#: What ``signal.signal`` takes and gives back: a function, SIG_DFL or SIG_IGN, or None
#: (a handler that was not set from Python).
_Handler = Callable[[int, FrameType | None], Any] | int | signal.Handlers | None


class SignalExit:
    """Installs the handlers (from the app's event loop); ``exit_app(status)`` is called
    on that loop at the first signal."""

    def __init__(self, exit_app: Callable[[int], None]) -> None:
        self._exit_app = exit_app
        self._loop: asyncio.AbstractEventLoop | None = None
        self._previous: dict[int, _Handler] = {}
        self._deadline: threading.Timer | None = None

    def install(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._previous = {sig: signal.signal(sig, self._on_signal) for sig in HANDLED_SIGNALS}

    def uninstall(self) -> None:
        """Give the signals back to whoever had them (the app is gone; a pending
        deadline still ends the process if its shutdown hangs)."""
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)
        self._previous = {}

    def _on_signal(self, signum: int, _frame: object) -> None:
        status = 128 + signum
        if self._deadline is None:
            self._deadline = threading.Timer(SIGNAL_GRACE, os._exit, (status,))
            self._deadline.daemon = True
            self._deadline.start()
        if self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._exit_app, status)
