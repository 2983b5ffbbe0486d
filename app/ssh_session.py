"""One SSH session channel under ``nnterm serve --ssh``: the app in a PTY of the client's
size, or one line saying why not.

The app is the session: a shell request opens the served preset (or the picker); an exec
request whose command is a preset name opens that preset. Everything else is refused in one
line on the client's stderr, then exit status 1: a command that is not a preset name, a
session without a terminal (``ssh -T``, or a command without ``-t``), a subsystem (SFTP),
and a session over one of the server's limits (``Classroom.admit``).

Bytes go both ways untouched (the client's terminal is in raw mode); a window change
resizes the PTY. The session ends when the app leaves (its exit status goes to the
client), when the client goes (the app is ended: no process left), when no key came for
the idle timeout, and when the server stops (each with one line saying so, under the app's
restored screen).
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import TYPE_CHECKING

from nnterm.app.pty_app import PtyApp
from nnterm.app.ssh_lib import asyncssh

if TYPE_CHECKING:
    from nnterm.app.ssh_server import Classroom


class Refused(Exception):
    """The session cannot run the app; ``str(err)`` is the line the client is told."""


class AppSession(asyncssh.SSHServerSession[bytes]):
    def __init__(self, classroom: Classroom, address: str) -> None:
        self.classroom, self.address = classroom, address
        self.app: PtyApp | None = None
        self.command: str | None = None
        self.refusal: str | None = None
        self.ended_by: str | None = None  # the line said after the app, if the server ended it
        self.gone = False  # the client's channel is closed
        self._chan: asyncssh.SSHServerChannel[bytes] | None = None
        self._task: asyncio.Task[None] | None = None
        self._idle: asyncio.TimerHandle | None = None

    # ------------------------------------------------------------------------ requests
    def connection_made(self, chan: asyncssh.SSHServerChannel[bytes]) -> None:
        self._chan = chan

    def shell_requested(self) -> bool:
        return True  # (the app is the shell)

    def exec_requested(self, command: str) -> bool:
        self.command = command
        return True  # (checked once the session starts, to say why if refused)

    def subsystem_requested(self, subsystem: str) -> bool:
        self.refusal = (f"nnterm: no {subsystem} here (no file transfer, no subsystem): "
                        "this server runs nnterm only")
        return True

    @property
    def has_terminal(self) -> bool:
        """Whether the client asked for a PTY."""
        return self._chan is not None and self._chan.get_terminal_type() is not None

    def session_started(self) -> None:
        self._task = asyncio.ensure_future(self._run())

    # ------------------------------------------------------------------------ the app
    async def _run(self) -> None:
        self.classroom.sessions.add(self)
        try:
            await self._serve()
        finally:
            self.classroom.sessions.discard(self)

    async def _serve(self) -> None:
        chan = self._chan
        assert chan is not None
        try:
            argv = await self.classroom.admit(self)
        except Refused as refusal:
            self._say(str(refusal))
            chan.exit(1)
            return
        try:
            status = await self._run_app(argv, chan)
        finally:
            self.classroom.leave(self)
        if self.ended_by is not None:
            self._say(self.ended_by)
        with contextlib.suppress(OSError):  # (the client may be gone)
            chan.exit(status if status >= 0 else 128 - status)

    async def _run_app(self, argv: list[str], chan: asyncssh.SSHServerChannel[bytes]) -> int:
        width, height, _, _ = chan.get_terminal_size()
        self.app = app = PtyApp(argv, term=chan.get_terminal_type() or "xterm",
                                width=width or 80, height=height or 24, on_output=self._show)
        try:
            await app.start()
            self._touch()
            if self.gone:  # the client left while the app started
                await app.stop(show_exit=False)
            status = await app.wait()
            await app.stop()  # (its engine may still be leaving)
            return status
        finally:
            if self._idle is not None:
                self._idle.cancel()

    def _show(self, data: bytes) -> None:
        if not self.gone and self._chan is not None:
            with contextlib.suppress(OSError):  # BrokenPipeError: the channel just closed
                self._chan.write(data)

    def _say(self, line: str) -> None:
        """One line on the client's stderr (``\\r\\n``: a PTY's client is in raw mode)."""
        if not self.gone and self._chan is not None:
            end = "\r\n" if self._chan.get_terminal_type() else "\n"
            with contextlib.suppress(OSError):
                self._chan.write_stderr(f"{line}{end}".encode())

    def _touch(self) -> None:
        """A key came (or the app started): the idle timeout counts from now."""
        if self._idle is not None:
            self._idle.cancel()
        seconds = self.classroom.limits.idle_seconds
        self._idle = asyncio.get_running_loop().call_later(seconds, self._idle_out)

    def _idle_out(self) -> None:
        minutes = self.classroom.limits.idle_seconds / 60
        self.end(f"nnterm: no key for {minutes:g} min: the session ended "
                 "(the server's --idle-timeout); connect again to go on")

    def end(self, line: str) -> None:
        """End the app (its screen restored), then tell the client ``line``."""
        self.ended_by = line
        if self.app is not None:
            asyncio.ensure_future(self.app.stop())

    async def finished(self) -> None:
        """Until this session's app (if any) has ended and the client was told."""
        if self._task is not None:
            await asyncio.shield(self._task)

    # ------------------------------------------------------------------------ the client
    def data_received(self, data: bytes, datatype: asyncssh.DataType) -> None:
        if self.app is not None:
            self.app.write(data)
            self._touch()

    def terminal_size_changed(self, width: int, height: int, pixwidth: int,
                              pixheight: int) -> None:
        if self.app is not None and width and height:
            self.app.resize(width, height)

    def pause_writing(self) -> None:
        if self.app is not None:
            self.app.pause_output()

    def resume_writing(self) -> None:
        if self.app is not None:
            self.app.resume_output()

    def eof_received(self) -> bool:
        """The client's input ended (``ssh HOST ls < /dev/null``): the channel stays open
        for what is still to say, until the session exits."""
        return True

    def connection_lost(self, exc: Exception | None) -> None:
        self.gone = True
        if self.app is not None:
            asyncio.ensure_future(self.app.stop(show_exit=False))
