"""The server's own terminal as the watched app's (``nnterm serve --watch``): the teacher
types in it and sees the app in it, as if the app ran there.

While attached the terminal is raw (every key, Ctrl+C included, goes to the app, which
quits on q), its keys go to the hub, its window size follows (SIGWINCH), and the app's
output is written to it. ``detach`` gives the terminal back as it was, also when the app
was ended without restoring it (the alternate screen left, the cursor shown).
"""

from __future__ import annotations

import asyncio
import os
import signal
import termios
import tty
from typing import Any

from nnterm.app.watch_hub import WatchHub

#: What puts a terminal back to its main screen, cursor shown, mouse reports off.
RESTORE = b"\x1b[?1000l\x1b[?1002l\x1b[?1003l\x1b[?1006l\x1b[?1049l\x1b[?25h\x1b[0m"


class TeacherTerminal:
    def __init__(self, stdin: int = 0, stdout: int = 1) -> None:
        self.stdin, self.stdout = stdin, stdout
        self._saved: list[Any] | None = None
        self._hub: WatchHub | None = None

    def size(self) -> tuple[int, int]:
        columns, rows = os.get_terminal_size(self.stdout)
        return columns, rows

    def write(self, data: bytes) -> None:
        """The app's output, all of it (the teacher's own terminal: a blocking write)."""
        view = memoryview(data)
        while view:
            view = view[os.write(self.stdout, view):]

    def attach(self, hub: WatchHub) -> None:
        self._hub = hub
        hub.on_output = self.write
        self._saved = termios.tcgetattr(self.stdin)
        tty.setraw(self.stdin)
        loop = asyncio.get_running_loop()
        loop.add_reader(self.stdin, self._keys)
        loop.add_signal_handler(signal.SIGWINCH, lambda: hub.resize(*self.size()))

    def _keys(self) -> None:
        data = os.read(self.stdin, 4096)
        if data and self._hub is not None:
            self._hub.type(data)

    def detach(self) -> None:
        if self._saved is None:
            return
        loop = asyncio.get_running_loop()
        loop.remove_reader(self.stdin)
        loop.remove_signal_handler(signal.SIGWINCH)
        termios.tcsetattr(self.stdin, termios.TCSADRAIN, self._saved)
        self._saved = None
        self.write(RESTORE)
