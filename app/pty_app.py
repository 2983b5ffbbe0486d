"""One SSH session's app in a pseudo-terminal of its own, in a process group of its own,
ended for sure.

The app runs as it does in a student's own terminal: ``python -m nnterm.app.cli ARGS``
with a PTY's slave end as its stdin, stdout and stderr, and that PTY as its controlling
terminal (so that a resize reaches it as SIGWINCH, and a PTY closed under it as SIGHUP).
Its session (``setsid``) is its process group, which its engine process joins: a Ctrl+C at
the server reaches the server alone, and the whole group can be signalled at the end.

The server holds the master end: what the app writes is read from it and handed to
``on_output``; what the student types is written to it; the client's window size is set
on it (TIOCSWINSZ). Reading pauses while the client's side is full (the app then waits on
its own writes, as on a slow terminal).

Ending asks the app to leave as a closed terminal does (SIGHUP to the app: it restores the
screen and stops its engine, as ``q`` does), then ``tab_process.end_group`` escalates to
SIGTERM and SIGKILL for whatever of the group still runs. The PTY stays open until then,
even when the client is gone: an app whose terminal vanished leaves only after its
writes fail and a grace period, one whose terminal is still there leaves at once. The
session is over when no process of its group runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
import signal
import struct
import sys
import termios
from collections.abc import Callable, Mapping

from nnterm.app.tab_process import end_group


class PtyApp:
    """The app ``python -m nnterm.app.cli *argv`` on a new PTY of ``width`` x ``height``
    with ``TERM=term`` (and ``env`` added to the environment); its output goes to
    ``on_output`` (bytes, as written)."""

    def __init__(self, argv: list[str], *, term: str, width: int, height: int,
                 on_output: Callable[[bytes], None], env: Mapping[str, str] | None = None
                 ) -> None:
        self.argv, self.term, self.env = argv, term, env or {}
        self.width, self.height = width, height
        self.on_output = on_output
        self.process: asyncio.subprocess.Process | None = None
        self.output_ended = asyncio.Event()
        self._master = -1
        self._reader: asyncio.ReadTransport | None = None
        self._writer: asyncio.WriteTransport | None = None
        self._ending: asyncio.Future[None] | None = None

    async def start(self) -> None:
        master, slave = os.openpty()
        set_size(slave, self.width, self.height)
        env = {**app_environment(self.term), **self.env}
        try:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "nnterm.app.cli", *self.argv,
                stdin=slave, stdout=slave, stderr=slave, env=env,
                start_new_session=True, preexec_fn=take_terminal)
        except BaseException:
            os.close(master)
            raise
        finally:
            os.close(slave)  # the app holds it now: its last close is the master's EOF
        self._master = master
        loop = asyncio.get_running_loop()
        # Two file objects on the one master (each transport closes its own).
        self._reader, _ = await loop.connect_read_pipe(
            lambda: _Output(self.on_output, self.output_ended), os.fdopen(master, "rb", 0))
        self._writer, _ = await loop.connect_write_pipe(
            asyncio.Protocol, os.fdopen(os.dup(master), "wb", 0))

    @property
    def group(self) -> int | None:
        return None if self.process is None else self.process.pid

    def write(self, data: bytes) -> None:
        """What the student typed, to the app (dropped once the app is ending)."""
        if self._writer is not None and not self._writer.is_closing():
            self._writer.write(data)

    def resize(self, width: int, height: int) -> None:
        """The client's window changed: the PTY takes its size, and the app gets SIGWINCH
        from the kernel."""
        self.width, self.height = width, height
        if self._master >= 0 and self._reader is not None and not self._reader.is_closing():
            set_size(self._master, width, height)

    def pause_output(self) -> None:
        if self._reader is not None and not self._reader.is_closing():
            self._reader.pause_reading()

    def resume_output(self) -> None:
        if self._reader is not None and not self._reader.is_closing():
            self._reader.resume_reading()

    async def wait(self) -> int:
        """Until the app's output ended (it left, or its terminal was closed); its exit
        status then."""
        await self.output_ended.wait()
        assert self.process is not None
        return await self.process.wait()

    async def stop(self) -> None:
        """End the app and everything it started (callable many times, at once). Its
        output is read to the end meanwhile (the app restores the screen as it leaves,
        and would wait on a full PTY), handed on, or dropped if nobody is there."""
        if self.group is None:
            return  # (not started: whoever starts it looks whether it is still wanted)
        if self._ending is None:
            self._ending = asyncio.ensure_future(self._end(self.group))
        await asyncio.shield(self._ending)

    async def _end(self, group: int) -> None:
        self.resume_output()
        with contextlib.suppress(ProcessLookupError):
            os.kill(group, signal.SIGHUP)  # (the app leads its group)
        await end_group(group)
        self._close()

    def _close(self) -> None:
        for transport in (self._writer, self._reader):
            if transport is not None:
                transport.close()
        self._master = -1


class _Output(asyncio.Protocol):
    """Reads the master end: each chunk to ``on_output``; ``ended`` is set at its end (EIO
    from the kernel once no process holds the slave end, or the master closed)."""

    def __init__(self, on_output: Callable[[bytes], None], ended: asyncio.Event) -> None:
        self.on_output, self.ended = on_output, ended

    def data_received(self, data: bytes) -> None:
        self.on_output(data)

    def eof_received(self) -> bool:
        self.ended.set()
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        self.ended.set()


def app_environment(term: str) -> dict[str, str]:
    """The server's environment with the client's ``TERM``, and without ``COLUMNS`` and
    ``LINES``: Textual reads the size from them first (``shutil.get_terminal_size``), and
    would draw every app at the server's size, not at its PTY's."""
    env = {name: value for name, value in os.environ.items()
           if name not in ("COLUMNS", "LINES")}
    return {**env, "TERM": term}


def set_size(fd: int, width: int, height: int) -> None:
    """The PTY's size in cells (TIOCSWINSZ; pixels left 0)."""
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", height, width, 0, 0))


def take_terminal() -> None:
    """In the app's process, after ``setsid`` and before it runs: stdin's PTY becomes its
    controlling terminal (TIOCSCTTY), so that it gets SIGWINCH and SIGHUP from it."""
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)
