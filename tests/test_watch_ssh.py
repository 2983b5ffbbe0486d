"""``nnterm serve --ssh --watch``: SSH sessions (asyncssh's client) watch the teacher's one
app, their keys reach nothing but the copy key, which gives the session an app of its
own from the teacher's run."""

import asyncio
import contextlib

import pytest
from watch_screens import SIZE, Terminal, until

from nnterm.app.ssh_lib import asyncssh
from nnterm.app.ssh_server import Access, Classroom, Limits, start_server
from nnterm.app.watch_hub import COPY_KEY, WatchHub
from nnterm.app.watch_ssh import LEAVE_KEY, SSH_NOTICE, WatchClassroom

#: Servers, app processes and signals: one at a time (tests/conftest.py).
pytestmark = pytest.mark.serial

OPTIONS = ["--paused", "--in-process"]


@contextlib.asynccontextmanager
async def watched(limits: Limits = Limits()):  # noqa: B008
    """(hub, port, teacher): xor, paused, watched over SSH on a free loopback port."""
    teacher = Terminal(SIZE)
    hub = WatchHub(["xor", *OPTIONS], SIZE, on_output=teacher.feed)
    classroom = WatchClassroom(hub, Classroom("xor", OPTIONS, limits, Access()))
    server = await start_server(classroom, "127.0.0.1", 0,
                                asyncssh.generate_private_key("ssh-ed25519"))
    await hub.start()
    try:
        await until(lambda: "paused" in teacher.rows()[0] and "Quit" in teacher.rows()[-1])
        yield hub, server.sockets[0].getsockname()[1], teacher
    finally:
        server.close()
        await classroom.stop("test over")
        await hub.stop()


class Watcher:
    """A student's SSH session of ``size`` and what its terminal shows."""

    def __init__(self, process: asyncssh.SSHClientProcess, size: tuple[int, int]) -> None:
        self.process, self.terminal = process, Terminal(size)

    async def read(self) -> None:
        while chunk := await self.process.stdout.read(65536):
            self.terminal.feed(chunk)


async def watcher(conn, size=(SIZE[0], SIZE[1] + 1)) -> Watcher:
    process = await conn.create_process(term_type="xterm-256color", term_size=size,
                                        encoding=None)
    return Watcher(process, size)


def connect(port: int) -> asyncssh.SSHClientConnection:
    return asyncssh.connect("127.0.0.1", port, known_hosts=None, username="student",
                            agent_path=None, client_keys=None)


async def test_ssh_watchers_see_the_teachers_screen_and_their_keys_reach_nothing():
    async with watched() as (hub, port, teacher), connect(port) as first, \
            connect(port) as second:
        watchers = [await watcher(first), await watcher(second)]
        readers = [asyncio.ensure_future(w.read()) for w in watchers]
        for w in watchers:
            await until(lambda w=w: w.terminal.rows() == teacher.rows())
            assert w.terminal.rows(SIZE[1] + 1)[-1].strip() == SSH_NOTICE
        start = teacher.step()
        watchers[0].process.stdin.write(b". ")  # a step, run: had they reached the app
        hub.type(b".")
        await until(lambda: teacher.step() == start + 1)
        for w in watchers:
            await until(lambda w=w: w.terminal.rows() == teacher.rows())
        assert "paused" in teacher.rows()[0] and not hub.ended.is_set()
        watchers[0].process.stdin.write(LEAVE_KEY.encode())  # q: this session ends
        await readers[0]
        assert (await watchers[0].process.wait()).exit_status == 0
        assert not hub.ended.is_set()
        assert len(hub.viewers) == 1
        readers[1].cancel()


async def test_the_copy_key_gives_an_ssh_session_its_own_app():
    async with watched() as (hub, port, teacher), connect(port) as conn:
        w = await watcher(conn)
        reader = asyncio.ensure_future(w.read())
        await until(lambda: w.terminal.rows() == teacher.rows())
        step = teacher.step()
        w.process.stdin.write(COPY_KEY.encode())
        await until(lambda: f"your own copy, from step {step}" in "".join(w.terminal.rows()))
        assert not hub.viewers
        w.process.stdin.write(b".")  # its own app's key now
        await until(lambda: w.terminal.step() == step + 1)
        assert teacher.step() == step
        reader.cancel()


async def test_the_limits_count_the_copies_not_the_watchers():
    """One session per address: both watch; the first copy runs, the second is told."""
    async with watched(Limits(per_address=1)) as (hub, port, teacher), \
            connect(port) as first, connect(port) as second:
        watchers = [await watcher(first), await watcher(second)]
        readers = [asyncio.ensure_future(w.read()) for w in watchers]
        for w in watchers:
            await until(lambda w=w: w.terminal.rows() == teacher.rows())
        step = teacher.step()
        watchers[0].process.stdin.write(COPY_KEY.encode())
        await until(lambda: f"your own copy, from step {step}" in "".join(
            watchers[0].terminal.rows()))
        watchers[1].process.stdin.write(COPY_KEY.encode())
        await until(lambda: "from your address run already" in watchers[1].terminal.rows(
            SIZE[1] + 1)[-1])
        await until(lambda: watchers[1].terminal.rows() == teacher.rows())  # still watching
        for reader in readers:
            reader.cancel()
