"""One app for a whole class: the teacher's, in a pseudo-terminal, its screen sent to every
viewer (``nnterm serve --watch``), whatever carries the bytes (a websocket, an SSH channel).

The app runs once, with its engine, in a PTY of the teacher's size; ``type`` gives it the
teacher's keys and ``resize`` the teacher's window size (``watch_terminal`` relays the
server's own terminal). Every byte the app writes goes to ``on_output`` (the teacher's
screen) and to each ``Viewer``, which only ever costs the bytes sent to it: nothing runs
per viewer but the copy into its buffer and the send.

A viewer who joins mid-lesson needs every cell, not the changes the app writes next. The
app repaints its whole screen when asked (``watch_signals.REPAINT_SIGNAL``: Textual then
writes a full update), so a joining viewer gets a cleared screen, then the stream from the
next write that starts outside an escape sequence, and the repaint follows within a frame.
A signal, not a terminal emulator in the server (pyte): an emulator would parse, in
Python, every byte the app writes all lesson long to serve the few joins, where a repaint
costs one frame of the app's per join; and the viewer gets the app's own drawing, with
every colour and character it has. Requests that come
together make one repaint (``REPAINT_GAP``).

A viewer whose connection is slower than the app piles up bytes in its own buffer; past
``BEHIND_LIMIT`` they are dropped and it starts again from the next repaint, as a joining
viewer does: it skips frames, and nobody else (the teacher, the other viewers, the app)
waits for it. A viewer's keys reach nothing (the transport reads them only for the copy
key); what it sees says so, in its window's title and on one line: the row below the
teacher's screen if its window is taller, else over the teacher's last row (the key bar,
whose keys are not the viewer's). A window smaller than the teacher's gets a line saying
so instead of a clipped screen, until it is large enough.

``copy_of_selected_run`` asks the app for its selected run as it stands
(``watch_signals.SAVE_SIGNAL``) and gives a file of the viewer's own, for an app of its own
started with ``--from-state``.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from nnterm.app.pty_app import PtyApp
from nnterm.app.watch_signals import REPAINT_SIGNAL, SAVE_SIGNAL, STATE_FILE_VARIABLE

#: The copy key: free among the app's keys (``keys.APP_BINDINGS``).
COPY_KEY = "M"
#: What a viewer is told, in its title and on its notice line.
NOTICE = f"watching the teacher: keys do nothing; {COPY_KEY}: a copy of your own"
#: Bytes a viewer may fall behind by before they are dropped (about ten full frames).
BEHIND_LIMIT = 512 * 1024
#: Seconds within which repaint requests make one repaint.
REPAINT_GAP = 0.1
#: Seconds after the teacher's window changed size before the viewers start over.
RESIZE_SETTLE = 0.3
#: Seconds the app has to write its selected run, and how often the hub looks.
COPY_WAIT, COPY_POLL = 5.0, 0.05

#: The app options a viewer's own copy keeps (the file gives the lesson and its settings).
COPY_OPTIONS = ("--fps", "--theme", "--low-bandwidth", "--speed")

#: What a viewer's terminal gets before its own app draws: the main screen, cleared,
#: cursor shown; and what it is told when the teacher's app has no run to copy.
LEAVE_WATCHING = b"\x1b[?1049l\x1b[0m\x1b[H\x1b[2J\x1b[?25h"
NO_COPY = "no run to copy right now (the teacher is not training one)"

Send = Callable[[bytes], Awaitable[object]]


class Viewer:
    """One viewer's connection: ``send`` (awaited by the viewer's own task, one call at
    a time, with everything that piled up since the last) and its window's size."""

    def __init__(self, hub: WatchHub, send: Send, columns: int, rows: int,
                 notice: str = NOTICE) -> None:
        self.hub, self._send, self.notice = hub, send, notice
        self.columns, self.rows = columns, rows
        self._buffer = bytearray()
        self._ready = asyncio.Event()
        self.waiting = True  # for a write that starts outside an escape sequence
        self.fits = True
        self.closed = False
        self.dropped = 0  # times it fell behind and was cut back to the present
        self._task = asyncio.ensure_future(self._pump())

    def resize(self, columns: int, rows: int) -> None:
        self.columns, self.rows = columns, rows
        self.restart()

    def tell(self, text: str) -> None:
        """Say ``text`` on the notice line from now on (where the app's frames do not
        write over it, as they would anywhere else on the screen)."""
        self.notice = text
        self.restart()

    @property
    def _notice_line(self) -> str:
        """The notice, cut to the window (a line wider would wrap, and scroll)."""
        return self.notice[:max(self.columns - 2, 0)]

    def restart(self) -> None:
        """Start over: a cleared screen, the notice, and the stream from the next repaint
        (or, for a window too small, a line that says so)."""
        self._buffer.clear()
        teacher = self.hub.size
        self.fits = self.columns >= teacher[0] and self.rows >= teacher[1]
        self.waiting = self.fits
        self._write(start_screen(teacher, (self.columns, self.rows), self._notice_line))
        if self.fits:
            self.hub.request_repaint()

    def feed(self, data: bytes, clean_start: bool, clean_end: bool) -> None:
        """The app wrote ``data``; ``clean_start``/``clean_end``: outside an escape
        sequence (or a character) where it starts and where it ends."""
        if not self.fits or (self.waiting and not clean_start):
            return
        self.waiting = False
        self._buffer += data
        if clean_end and self.rows == self.hub.size[1]:
            self._buffer += notice_over_last_row(self.rows, self._notice_line)
        if len(self._buffer) > BEHIND_LIMIT:
            self.dropped += 1
            self._buffer.clear()
            self.waiting = True
            self.hub.request_repaint()
        self._ready.set()

    def _write(self, data: bytes) -> None:
        self._buffer += data
        self._ready.set()

    async def _pump(self) -> None:
        while not self.closed:
            await self._ready.wait()
            self._ready.clear()
            data = bytes(self._buffer)
            self._buffer.clear()
            if not data:
                continue
            try:
                await self._send(data)
            except Exception:  # the connection is gone (however it says so)
                self.hub.remove_viewer(self)
                return

    def close(self) -> None:
        self.closed = True
        self._task.cancel()


class WatchHub:
    """The watched app and its viewers (see the module docstring). ``argv``: the app's
    arguments; ``size``: the teacher's (columns, rows); ``on_output``: the teacher's
    screen (None: nobody's, as in a test)."""

    def __init__(self, argv: list[str], size: tuple[int, int],
                 on_output: Callable[[bytes], None] | None = None) -> None:
        self.argv = argv
        self.size = size
        self.on_output = on_output
        self.viewers: set[Viewer] = set()
        self.ended = asyncio.Event()
        self._folder: Path | None = None  # (start makes it: the app's files, the copies)
        self._copies = 0
        self._copying: asyncio.Future[Path | None] | None = None
        self._app: PtyApp | None = None
        self._clean = True  # the last write ended outside an escape sequence
        self._repaint: asyncio.TimerHandle | None = None
        self._resettle: asyncio.TimerHandle | None = None
        self._last_repaint = -REPAINT_GAP

    @property
    def _state_file(self) -> Path:
        """Where the app writes its selected run when asked."""
        assert self._folder is not None, "the hub has started"
        return self._folder / "selected_run.npz"

    async def start(self) -> None:
        """Start the app in a PTY of the teacher's size.

        The signals the hub sends it end a process by default, and the app handles them
        only once it runs (``watch_signals``): a viewer who joins as the server starts
        would end the lesson. So the server ignores them first, and the app inherits
        that (an ignored signal stays ignored across exec) until it handles them: a
        request that comes before is lost, not fatal (the app's first frame is whole)."""
        self._folder = Path(tempfile.mkdtemp(prefix="nnterm-watch-"))  # 0700
        for signum in (REPAINT_SIGNAL, SAVE_SIGNAL):  # (until the app handles them: see above)
            signal.signal(signum, signal.SIG_IGN)
        columns, rows = self.size
        self._app = PtyApp(self.argv, term=os.environ.get("TERM", "xterm-256color"),
                           width=columns, height=rows, on_output=self._output,
                           env={STATE_FILE_VARIABLE: str(self._state_file)})
        await self._app.start()
        asyncio.ensure_future(self._app.output_ended.wait()).add_done_callback(
            lambda _: self.ended.set())

    def _output(self, data: bytes) -> None:
        if self.on_output is not None:
            self.on_output(data)
        clean_start, self._clean = self._clean, ends_clean(data)
        for viewer in list(self.viewers):
            viewer.feed(data, clean_start, self._clean)

    # -- the teacher
    def type(self, data: bytes) -> None:
        """The teacher's keys, to the app."""
        if self._app is not None:
            self._app.write(data)

    def resize(self, columns: int, rows: int) -> None:
        """The teacher's window changed: the app's too (the kernel tells it), and every
        viewer starts over at the new size once the app has had ``RESIZE_SETTLE`` seconds
        to take it (what it wrote at the old size, still on its way, would otherwise be
        left on the viewers' screens beyond the new one's edge)."""
        if (columns, rows) == self.size or self._app is None:
            return
        self.size = (columns, rows)
        self._app.resize(columns, rows)
        if self._resettle is not None:  # (a window dragged: one start over at the end)
            self._resettle.cancel()
        self._resettle = asyncio.get_running_loop().call_later(RESIZE_SETTLE, self._restart_all)

    def _restart_all(self) -> None:
        self._resettle = None
        for viewer in list(self.viewers):
            viewer.restart()

    # -- viewers
    def add_viewer(self, send: Send, columns: int, rows: int, notice: str = NOTICE) -> Viewer:
        """A viewer whose window is ``columns`` x ``rows``, told ``notice``."""
        viewer = Viewer(self, send, columns, rows, notice)
        self.viewers.add(viewer)
        viewer.restart()
        return viewer

    def remove_viewer(self, viewer: Viewer) -> None:
        self.viewers.discard(viewer)
        viewer.close()

    def request_repaint(self) -> None:
        """Have the app draw its whole screen soon (one repaint for requests that come
        within ``REPAINT_GAP`` of each other)."""
        if self._repaint is not None or self._app is None:
            return
        loop = asyncio.get_running_loop()
        delay = max(0.0, self._last_repaint + REPAINT_GAP - time.monotonic())
        self._repaint = loop.call_later(delay, self._send_repaint)

    def _send_repaint(self) -> None:
        self._repaint = None
        self._last_repaint = time.monotonic()
        self._signal(REPAINT_SIGNAL)

    def _signal(self, signum: int) -> bool:
        group = None if self._app is None or self.ended.is_set() else self._app.group
        if group is None:
            return False
        with contextlib.suppress(ProcessLookupError):
            os.kill(group, signum)  # (the app leads its group)
            return True
        return False

    async def copy_of_selected_run(self) -> Path | None:
        """A file of the caller's own with the app's selected run as it stands (for
        ``nnterm --from-state``), or None if the app wrote none within ``COPY_WAIT``
        seconds (no lesson trains: the picker, a sweep). Requests that come together
        share the app's one answer."""
        if self._copying is None or self._copying.done():
            self._copying = asyncio.ensure_future(self._ask_for_state())
        state = await asyncio.shield(self._copying)
        if state is None:
            return None
        self._copies += 1
        copy = state.with_name(f"copy_{self._copies}.npz")
        shutil.copyfile(state, copy)
        return copy

    async def _ask_for_state(self) -> Path | None:
        before = _identity(self._state_file)
        if not self._signal(SAVE_SIGNAL):
            return None
        deadline = time.monotonic() + COPY_WAIT
        while time.monotonic() < deadline:
            await asyncio.sleep(COPY_POLL)
            if _identity(self._state_file) not in (None, before):  # written whole, renamed
                return self._state_file
        return None

    async def stop(self) -> None:
        """End the app (as a closed terminal does: it restores the screen and stops its
        engine), the viewers, and the files."""
        for viewer in list(self.viewers):
            self.remove_viewer(viewer)
        for timer in (self._repaint, self._resettle):
            if timer is not None:
                timer.cancel()
        if self._app is not None:
            await self._app.stop()
        self.ended.set()
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)


def copy_argv(argv: list[str]) -> list[str]:
    """The teacher's app options that a viewer's copy keeps (``COPY_OPTIONS``)."""
    kept, words = [], iter(argv)
    for word in words:
        if word in COPY_OPTIONS:
            kept.append(word)
            if word != "--low-bandwidth":
                kept.append(next(words))
    return kept


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        info = path.stat()
    except FileNotFoundError:
        return None
    return info.st_ino, info.st_mtime_ns


def ends_clean(data: bytes) -> bool:
    """Whether ``data`` ends outside an escape sequence and outside a UTF-8 character,
    so that bytes of the hub's own can follow. A CSI (ESC [) ends at a byte 0x40-0x7E,
    an OSC (ESC ]) at BEL or ESC \\, any other escape at its second byte."""
    tail = data[-512:]
    escape = tail.rfind(b"\x1b")
    if escape >= 0:
        kind, body = tail[escape + 1:escape + 2], tail[escape + 2:]
        if (not kind or (kind == b"[" and not any(0x40 <= byte <= 0x7E for byte in body))
                or (kind == b"]" and b"\x07" not in body)):
            return False
    last = tail[-4:]
    for back, byte in enumerate(reversed(last), 1):
        if byte & 0xC0 == 0x80:  # a continuation byte: look at the lead one
            continue
        if byte & 0x80 == 0:
            return back == 1
        needed = 2 if byte & 0xE0 == 0xC0 else 3 if byte & 0xF0 == 0xE0 else 4
        return back >= needed
    return True


def start_screen(teacher: tuple[int, int], window: tuple[int, int], notice: str = NOTICE
                 ) -> bytes:
    """What a viewer's terminal gets first: the title, the alternate screen cleared and
    the cursor hidden, then the notice below the teacher's screen (a taller window), or
    the line that says the window is too small."""
    columns, rows = teacher
    out = f"\x1b]0;nnterm: {notice}\x07\x1b[?1049h\x1b[?25l\x1b[0m\x1b[H\x1b[2J"
    if window[0] < columns or window[1] < rows:
        text = (f"nnterm: the teacher's screen is {columns}x{rows}, your window "
                f"{window[0]}x{window[1]}: make it larger (or the font smaller) to watch; "
                f"{COPY_KEY}: a copy of your own at your size")
        return (out + text).encode()
    if window[1] > rows:
        out += f"\x1b[{rows + 1};1H\x1b[7m {notice} \x1b[0m"
    return out.encode()


def notice_over_last_row(rows: int, notice: str = NOTICE) -> bytes:
    """The notice over the teacher's last row, the cursor and its style kept (DECSC,
    DECRC): for a window exactly the teacher's height."""
    return f"\x1b7\x1b[{rows};1H\x1b[0;7m {notice} \x1b[0m\x1b[K\x1b8".encode()
