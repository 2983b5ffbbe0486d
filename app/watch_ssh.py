"""``nnterm serve PRESET --ssh --watch``: every SSH session shows the teacher's one app
(``watch_hub``), which the teacher drives from the terminal the server runs in.

A session is let in as ``serve --ssh`` lets one in (the password or keys, a PTY, or one
line saying why not; the limits count the copies, not the watchers); then, instead of an
app of its own, it is a viewer of the hub: the client's window size decides whether it
fits the teacher's screen, and of its keys only two do anything: ``q`` ends the session
(in a browser the tab is closed instead), and the copy key turns it into an ordinary
``--ssh`` session, its app started from the teacher's selected run (``--from-state``),
with the idle timeout of any session from then on (a watcher has none: watching a lesson
needs no key).
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from pathlib import Path

from nnterm.app.ssh_lib import asyncssh
from nnterm.app.ssh_server import Classroom, start_server
from nnterm.app.ssh_session import AppSession, Refused
from nnterm.app.watch_hub import (
    COPY_KEY,
    LEAVE_WATCHING,
    NO_COPY,
    NOTICE,
    Viewer,
    WatchHub,
    copy_argv,
)
from nnterm.app.watch_terminal import TeacherTerminal

#: The key that ends a watching session (a tab is closed instead), and what it is told.
LEAVE_KEY = "q"
SSH_NOTICE = f"{NOTICE}; {LEAVE_KEY}: leave"


class WatchClassroom(Classroom):
    """The sessions of a watched class: each a ``WatchSession`` of ``hub``."""

    def __init__(self, hub: WatchHub, classroom: Classroom) -> None:
        super().__init__(classroom.preset, classroom.options, classroom.limits,
                         classroom.access)
        self.hub = hub

    def new_session(self, address: str) -> AppSession:
        return WatchSession(self, address)

    async def admit(self, session: AppSession) -> list[str]:
        """A watcher is let in as any session is, but costs only bytes: the limits
        (``--max-sessions``, ``--per-address``: a class behind one address) count the
        copies, each an app and engine (``admit_copy``), not the watchers."""
        return await self.argv_for(session)

    async def admit_copy(self, session: AppSession) -> None:
        """``session``'s copy counts against the limits now; ``Refused`` if over one."""
        await super().admit(session)


class WatchSession(AppSession):
    """A session that watches the hub until its copy key, then runs its own copy."""

    classroom: WatchClassroom

    def __init__(self, classroom: WatchClassroom, address: str) -> None:
        super().__init__(classroom, address)
        self.viewer: Viewer | None = None
        self._copy: asyncio.Future[Path | None] | None = None
        self._copying = False
        self._writable = asyncio.Event()
        self._writable.set()

    async def _run_app(self, argv: list[str], chan: asyncssh.SSHServerChannel[bytes]) -> int:
        """Watch until the copy key (then the copy's app, as any session's) or the end."""
        width, height, _, _ = chan.get_terminal_size()
        self.viewer = self.classroom.hub.add_viewer(self._send, width or 80, height or 24,
                                                    SSH_NOTICE)
        try:
            copy = await self._watch()
        finally:
            self.classroom.hub.remove_viewer(self.viewer)
            self.viewer = None
        if copy is None:
            return 0
        self._show(LEAVE_WATCHING)
        own = [*copy_argv(self.classroom.options), "--from-state", str(copy)]
        return await super()._run_app(own, chan)

    async def _watch(self) -> Path | None:
        """Until the copy key (a copy that the limits let run) or the end (None)."""
        while True:
            self._copy = asyncio.get_running_loop().create_future()
            copy = await self._copy
            if copy is None:
                return None
            try:
                await self.classroom.admit_copy(self)
            except Refused as refusal:
                assert self.viewer is not None, "watching"
                self.viewer.tell(str(refusal).removeprefix("nnterm: "))
                continue
            return copy

    async def _send(self, data: bytes) -> None:
        await self._writable.wait()  # (asyncssh's window is full: the hub piles up, drops)
        if self.gone or self._chan is None:
            raise ConnectionResetError
        self._chan.write(data)

    def _stop_watching(self, copy: Path | None) -> None:
        if self._copy is not None and not self._copy.done():
            self._copy.set_result(copy)

    async def _take_copy(self) -> None:
        self._copying = True
        try:
            copy = await self.classroom.hub.copy_of_selected_run()
        finally:
            self._copying = False
        if copy is None:
            if self.viewer is not None:
                self.viewer.tell(NO_COPY)
        else:
            self._stop_watching(copy)

    # ------------------------------------------------------------------------ the client
    def data_received(self, data: bytes, datatype: asyncssh.DataType) -> None:
        if self.viewer is None:
            super().data_received(data, datatype)
        elif data == COPY_KEY.encode() and not self._copying:
            asyncio.ensure_future(self._take_copy())
        elif data == LEAVE_KEY.encode():
            self._stop_watching(None)  # (the session ends, as after the app's q)

    def terminal_size_changed(self, width: int, height: int, pixwidth: int,
                              pixheight: int) -> None:
        if self.viewer is None:
            super().terminal_size_changed(width, height, pixwidth, pixheight)
        elif width and height:
            self.viewer.resize(width, height)

    def pause_writing(self) -> None:
        self._writable.clear()
        super().pause_writing()

    def resume_writing(self) -> None:
        self._writable.set()
        super().resume_writing()

    def connection_lost(self, exc: Exception | None) -> None:
        super().connection_lost(exc)
        self._writable.set()
        self._stop_watching(None)

    def end(self, line: str) -> None:
        super().end(line)
        self._stop_watching(None)


async def serve_watching(argv: list[str], classroom: Classroom, host: str, port: int,
                         key: asyncssh.SSHKey, lines: list[str]) -> None:
    """Serve the teacher's app (``argv``) to ``classroom``'s sessions until the teacher
    quits it (or SIGTERM, SIGINT); then end every session."""
    terminal = TeacherTerminal()
    hub = WatchHub(argv, terminal.size())
    watched = WatchClassroom(hub, classroom)
    server = await start_server(watched, host, port, key)
    print("\n".join(lines), flush=True)
    await hub.start()
    terminal.attach(hub)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):  # (Ctrl+C in the terminal is the app's)
        loop.add_signal_handler(signum, stop.set)
    ended = asyncio.ensure_future(hub.ended.wait())
    with contextlib.suppress(asyncio.CancelledError):
        await asyncio.wait([ended, asyncio.ensure_future(stop.wait())],
                           return_when=asyncio.FIRST_COMPLETED)
    terminal.detach()
    server.close()  # no new connections
    await watched.stop("nnterm: the teacher ended the class")
    await hub.stop()
    await server.wait_closed()
