"""``nnterm serve --watch``: one app (the teacher's, in a PTY) and every tab watching it.

The teacher's screen and each viewer's are read by a terminal emulator (pyte) fed the
bytes each gets; the teacher types through the hub, as the server's terminal would. One
watched app serves the module's tests (it starts paused: nothing changes on its screen
unless the teacher types).
"""

import asyncio
import os
import signal
import termios

import numpy as np
import pytest
import pytest_asyncio
from aiohttp import WSMsgType
from aiohttp.test_utils import TestClient, TestServer
from watch_screens import SIZE, Terminal, until

from nnterm.app import watch_hub
from nnterm.app.cli import main
from nnterm.app.pty_app import set_size
from nnterm.app.watch_hub import (
    COPY_KEY,
    NOTICE,
    WatchHub,
    copy_argv,
    ends_clean,
    start_screen,
)
from nnterm.app.watch_terminal import RESTORE, TeacherTerminal
from nnterm.app.watch_web import WatchServer
from nnterm.engine.preset_format.loader import parse_preset
from nnterm.engine.training.saved_run import read_saved_run, restore
from nnterm.engine.training.trainer import Trainer

#: The module's async tests share one loop, the watched app's.
in_its_loop = pytest.mark.asyncio(loop_scope="module")

@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def watched():
    """(hub, client, teacher): xor, paused, watched through a WatchServer."""
    teacher = Terminal(SIZE)
    argv = ["xor", "--paused", "--in-process"]
    hub = WatchHub(argv, SIZE, on_output=teacher.feed)
    server = WatchServer(hub, None, copy_argv=copy_argv(argv) + ["--in-process"],
                         host="127.0.0.1", port=8000, title="t", public_url=None, urls=[])
    client = TestClient(TestServer(await server._make_app()))
    await client.start_server()
    try:
        await until(lambda: "paused" in teacher.rows()[0] and "Quit" in teacher.rows()[-1])
        yield hub, client, teacher
    finally:
        await client.close()
    assert hub.ended.is_set()


class Tab:
    """A browser tab watching: its websocket and its terminal."""

    def __init__(self, websocket, size: tuple[int, int]) -> None:
        self.websocket, self.terminal = websocket, Terminal(size)
        self._task = asyncio.ensure_future(self._read())

    async def _read(self) -> None:
        async for message in self.websocket:
            if message.type == WSMsgType.BINARY:
                self.terminal.feed(message.data)

    async def close(self) -> None:
        await self.websocket.close()
        await self._task


async def open_tab(client, size=(SIZE[0], SIZE[1] + 1)) -> Tab:
    websocket = await client.ws_connect(f"/ws?width={size[0]}&height={size[1]}")
    return Tab(websocket, size)


@in_its_loop
async def test_two_viewers_see_the_teachers_screen(watched):
    hub, client, teacher = watched
    tabs = [await open_tab(client), await open_tab(client)]
    start = teacher.step()
    hub.type(b"...")  # three steps
    await until(lambda: teacher.step() == start + 3)
    for tab in tabs:  # the teacher's screen, and the notice on the row below it
        await until(lambda t=tab: t.terminal.rows() == teacher.rows()
                    and t.terminal.rows(SIZE[1] + 1)[-1].strip() == NOTICE)
        await tab.close()
    await until(lambda: not hub.viewers)


@in_its_loop
async def test_a_late_viewer_gets_the_whole_screen(watched):
    """The app is paused: nothing it writes now but the repaint the joining asks for."""
    hub, client, teacher = watched
    tab = await open_tab(client)
    await until(lambda: tab.terminal.rows() == teacher.rows())
    await tab.close()


@in_its_loop
async def test_a_viewer_of_the_teachers_height_reads_the_notice_over_the_key_bar(watched):
    hub, client, teacher = watched
    tab = await open_tab(client, SIZE)
    await until(lambda: tab.terminal.rows()[:-1] == teacher.rows()[:-1]
                and tab.terminal.rows()[-1].strip() == NOTICE)
    assert "Quit" in teacher.rows()[-1]  # (the teacher's own key bar, under the notice)
    await tab.close()


@in_its_loop
async def test_a_smaller_viewer_is_told_its_window_is_too_small(watched):
    hub, client, teacher = watched
    tab = await open_tab(client, (80, 24))
    await until(lambda: "your window 80x24" in "".join(tab.terminal.rows(24)))
    assert "step" not in "".join(tab.terminal.rows(24))  # no clipped screen
    await tab.websocket.send_json(["resize", {"width": SIZE[0], "height": SIZE[1]}])
    tab.terminal.screen.resize(SIZE[1], SIZE[0])
    await until(lambda: tab.terminal.rows()[:-1] == teacher.rows()[:-1])
    await tab.close()


@in_its_loop
async def test_a_viewers_keys_do_not_reach_the_app(watched):
    hub, client, teacher = watched
    tab = await open_tab(client)
    start = teacher.step()
    for key in (".", ".", " ", "q", "\x1b[<0;10;5M"):  # steps, run, quit, a mouse click
        await tab.websocket.send_json(["stdin", key])
    await tab.websocket.send_json(["resize", {"width": 60, "height": 20}])
    for junk in (["focus"], ["resize", {"width": "wide"}], [], {"stdin": "."}):
        await tab.websocket.send_json(junk)  # (the page's own messages, or nonsense)
    await tab.websocket.send_str("not json")
    hub.type(b".")  # after the tab's keys: had they reached the app, it would show more
    await until(lambda: teacher.step() == start + 1)
    assert "paused" in teacher.rows()[0] and not hub.ended.is_set()
    assert hub.size == SIZE
    await tab.websocket.send_json(["resize", {"width": SIZE[0], "height": SIZE[1] + 1}])
    await until(lambda: tab.terminal.rows() == teacher.rows())  # still watching
    await tab.close()


@in_its_loop
async def test_the_copy_goes_on_as_the_teachers_run(watched):
    """A copy taken at step N, trained k steps, is the copy the teacher's app gives k
    steps later: the same weights, bit for bit, and the step."""
    hub, _client, teacher = watched
    start = teacher.step()
    first = await hub.copy_of_selected_run()
    text, saved = read_saved_run(first)
    assert saved.step == start
    hub.type(b"....")
    await until(lambda: teacher.step() == start + 4)
    second = await hub.copy_of_selected_run()
    _, later = read_saved_run(second)
    assert later.step == start + 4
    copy = Trainer(parse_preset(text).config)
    restore(copy, saved)
    for _ in range(4):
        copy.step()
    for mine, theirs in zip(copy.net.params, later.params, strict=True):
        np.testing.assert_array_equal(mine, theirs)
    assert first != second  # each viewer's own file


@in_its_loop
async def test_the_copy_key_gives_a_tab_an_app_of_its_own(watched):
    hub, client, teacher = watched
    tab = await open_tab(client)
    await until(lambda: tab.terminal.rows() == teacher.rows())
    teacher_step = teacher.step()
    await tab.websocket.send_json(["stdin", COPY_KEY])
    await until(lambda: f"your own copy, from step {teacher_step}" in "".join(
        tab.terminal.rows()))
    assert not hub.viewers  # no longer watching
    await tab.websocket.send_json(["stdin", "."])  # its keys now reach its own app
    await until(lambda: tab.terminal.step() == teacher_step + 1)
    assert teacher.step() == teacher_step
    await tab.close()


@in_its_loop
async def test_a_gone_or_stalled_viewer_holds_nobody_up(watched, monkeypatch):
    hub, client, teacher = watched
    monkeypatch.setattr(watch_hub, "BEHIND_LIMIT", 50_000)  # (a full frame: ~20 kB)
    calls = {"gone": 0}
    stalled = asyncio.get_running_loop().create_future()

    async def gone(data: bytes) -> None:
        calls["gone"] += 1
        raise ConnectionResetError

    async def stuck(data: bytes) -> None:
        await stalled  # never answers

    gone_viewer = hub.add_viewer(gone, SIZE[0], SIZE[1] + 1)
    stuck_viewer = hub.add_viewer(stuck, SIZE[0], SIZE[1] + 1)
    tab = await open_tab(client)
    await until(lambda: gone_viewer not in hub.viewers)
    while not stuck_viewer.dropped:  # the app writes; the stuck viewer's bytes pile up
        start = teacher.step()
        hub.type(b".")
        await until(lambda s=start: teacher.step() > s)
    await until(lambda: tab.terminal.rows() == teacher.rows())
    assert calls["gone"] == 1  # not sent to after it was found gone
    assert len(stuck_viewer._buffer) <= 50_000  # its bytes dropped, not kept
    hub.remove_viewer(stuck_viewer)
    await tab.close()


def test_where_the_hubs_own_bytes_may_follow():
    assert ends_clean(b"\x1b[1;2Habc") and ends_clean(b"plain")
    assert not ends_clean(b"abc\x1b[38;2;1") and not ends_clean(b"abc\x1b")
    assert not ends_clean(b"\x1b]0;title") and ends_clean(b"\x1b]0;title\x07")
    assert not ends_clean("é".encode()[:1]) and ends_clean("é€".encode())


def test_a_window_too_small_is_told_both_sizes():
    text = start_screen((120, 40), (80, 24)).decode()
    assert "120x40" in text and "80x24" in text and COPY_KEY in text
    assert NOTICE in start_screen((120, 40), (120, 41)).decode()


def test_watch_needs_the_teachers_terminal(capsys):
    """The teacher's app runs in the server's terminal: without one, one line, exit 2."""
    assert main(["serve", "xor", "--watch", "--port", "8765"]) == 2  # (pytest: no terminal)
    err = capsys.readouterr().err
    assert err.startswith("nnterm: error: --watch:") and err.count("\n") == 1


class FakeHub:
    """What the teacher's terminal talks to: the keys typed, the sizes given."""

    def __init__(self) -> None:
        self.typed, self.sizes = b"", []
        self.on_output = None

    def type(self, data: bytes) -> None:
        self.typed += data

    def resize(self, columns: int, rows: int) -> None:
        self.sizes.append((columns, rows))


@in_its_loop
async def test_the_teachers_terminal_is_the_apps_and_is_given_back():
    master, slave = os.openpty()
    set_size(master, 90, 33)
    before = termios.tcgetattr(slave)
    terminal, hub = TeacherTerminal(stdin=slave, stdout=slave), FakeHub()
    try:
        assert terminal.size() == (90, 33)
        terminal.attach(hub)
        assert not termios.tcgetattr(slave)[3] & termios.ICANON  # raw: every key at once
        os.write(master, b"q\x03")  # (Ctrl+C too: the app's, not the server's)
        await until(lambda: hub.typed == b"q\x03")
        hub.on_output(b"the app's screen")
        assert os.read(master, 100) == b"the app's screen"
        set_size(master, 120, 40)
        os.kill(os.getpid(), signal.SIGWINCH)
        await until(lambda: hub.sizes == [(120, 40)])
        terminal.detach()
        assert termios.tcgetattr(slave) == before
        assert os.read(master, 100) == RESTORE
    finally:
        os.close(master)
        os.close(slave)


@in_its_loop
async def test_a_viewer_who_joins_as_the_app_starts_does_not_end_it():
    """The repaint and copy signals end a process that does not handle them yet."""
    teacher = Terminal(SIZE)
    hub = WatchHub(["xor", "--paused", "--in-process"], SIZE, on_output=teacher.feed)
    await hub.start()
    try:
        hub.add_viewer(lambda data: asyncio.sleep(0), SIZE[0], SIZE[1])  # a repaint, now
        copying = asyncio.ensure_future(hub.copy_of_selected_run())  # its signal, now
        await until(lambda: "paused" in teacher.rows()[0] or hub.ended.is_set())
        assert not hub.ended.is_set()
        copying.cancel()
    finally:
        await hub.stop()
