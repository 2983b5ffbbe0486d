"""``nnterm serve --ssh``: the checks before the server starts, the host key, and the
real thing: a server on a free loopback port in the test's event loop, asyncssh's client
(and OpenSSH's ``ssh`` where installed) against it, each app a real process on a PTY.

The app draws at the PTY's size and follows a window change; a preset name as the command
opens that preset; a shell without a terminal, a command that is not a preset name, SFTP
and every forwarding are refused in one line; a wrong password or key stays out; the
session caps hold; a client that goes leaves no process of its app; the idle timeout and
the server's stop (Ctrl+C at the real command) end an app with a line. Waits are on the
client's output or on the app's process group, never a sleep.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import socket
import stat
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from nnterm.app import serve
from nnterm.app.cli import main
from nnterm.app.ssh_host_key import fingerprint, host_key_path, load_or_create_host_key
from nnterm.app.ssh_lib import asyncssh
from nnterm.app.ssh_serve import PASSWORD_VARIABLE, access_from, banner
from nnterm.app.ssh_server import Access, Classroom, Limits, start_server
from nnterm.app.tab_process import gone_within, group_runs, signal_group
from nnterm.engine.nn.compiled import COMPILED_VARIABLE

#: Servers, app processes and signals: one at a time (tests/conftest.py).
pytestmark = pytest.mark.serial

sys.path.insert(0, str(Path(__file__).parents[1] / "benchmarks"))  # the shared helpers
from terminal_text import plain, screen_rows  # noqa: E402
from tmux_lab import alive, marked_pids  # noqa: E402

TIMEOUT = 30.0  # generous: only a hang reaches it (an app starts in 1-3 s)


# ---------------------------------------------------------------------------- the command
def test_beyond_loopback_it_needs_a_password_or_keys(monkeypatch):
    monkeypatch.delenv(PASSWORD_VARIABLE, raising=False)
    args = serve_args("--ssh", "--host", "0.0.0.0")
    with pytest.raises(serve.ServeError, match="give the class a password"):
        access_from(args, local=False)
    assert access_from(args, local=True).open  # on 127.0.0.1 anyone local gets in
    monkeypatch.setenv(PASSWORD_VARIABLE, "owl")  # (not in ps)
    assert access_from(args, local=False) == Access(password="owl")


def test_a_public_server_without_a_password_does_not_start(monkeypatch, capsys):
    monkeypatch.delenv(PASSWORD_VARIABLE, raising=False)
    assert main(["serve", "xor", "--ssh", "--host", "0.0.0.0", "--port", str(free_port())]) == 2
    err = capsys.readouterr().err
    assert "give the class a password" in err and err.count("\n") == 1


@pytest.mark.parametrize(("argv", "message"), [
    (["--password", "owl"], "--password needs --ssh"),
    (["--max-sessions", "3"], "--max-sessions needs --ssh"),
    (["--ssh", "--authorized-keys", "/no/such/file"], "--authorized-keys: '/no/such/file'"),
    (["--ssh", "--password", ""], "the password is empty"),
])
def test_bad_ssh_options_are_one_line_and_exit_2(argv, message, capsys):
    assert main(["serve", "xor", *argv]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


@pytest.mark.parametrize(("teachers_setting", "apps_setting"), [(None, "0"), ("1", "1")])
def test_served_apps_step_with_numpy_unless_the_teacher_says(teachers_setting, apps_setting,
                                                           monkeypatch):
    """The compiled step would add ~160 MB to each student's engine process: the apps a
    server starts inherit NNTERM_COMPILED=0, unless the teacher set it."""
    monkeypatch.setenv(COMPILED_VARIABLE, "unset")  # restored, or removed, afterwards
    if teachers_setting is None:
        monkeypatch.delenv(COMPILED_VARIABLE)
    else:
        monkeypatch.setenv(COMPILED_VARIABLE, teachers_setting)
    assert main(["serve", "xor", "--password", "owl"]) == 2  # refused, after the setting
    assert os.environ[COMPILED_VARIABLE] == apps_setting


def test_ssh_listens_on_2222_by_default_and_says_who_gets_in(monkeypatch, capsys):
    started = []

    async def fake_serve(classroom, host, port, key, lines):
        started.append((classroom, host, port))
        print("\n".join(lines))

    monkeypatch.setattr("nnterm.app.ssh_serve.serve", fake_serve)
    monkeypatch.setattr("nnterm.app.serve.check_port_free", lambda host, port: None)
    assert main(["serve", "xor", "--ssh", "--paused", "--per-address", "2"]) == 0
    (classroom, host, port), = started
    assert (host, port) == ("127.0.0.1", 2222)
    assert classroom.preset == "xor" and classroom.options == ["--paused", "--shared-server"]
    assert classroom.limits.per_address == 2
    out = capsys.readouterr().out
    assert "ssh -p 2222 localhost" in out
    assert "who gets in: anyone who can reach the port" in out
    assert fingerprint(load_or_create_host_key(host_key_path())) in out


def test_the_host_key_is_made_once_and_kept_private(tmp_path):
    path = tmp_path / "nnterm" / "ssh_host_ed25519_key"
    first = load_or_create_host_key(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert fingerprint(load_or_create_host_key(path)) == fingerprint(first)  # the same key
    path.chmod(0o644)
    with pytest.raises(serve.ServeError, match="may be read by others"):
        load_or_create_host_key(path)


def test_the_banner_names_the_command_the_fingerprint_and_the_limits(tmp_path):
    key = load_or_create_host_key(tmp_path / "key")
    lines = banner("nnterm: XOR", "0.0.0.0", 2222, key, Access(password="owl"),
                   Limits(max_sessions=30, per_address=4, idle_seconds=1800))
    text = "\n".join(lines)
    assert f"ssh -p 2222 {socket.gethostname()}" in text
    assert fingerprint(key) in text and fingerprint(key).startswith("SHA256:")
    assert "who gets in: the class password" in text
    assert "30 sessions, 4 per address, 30 min without a key" in text


# ---------------------------------------------------------------------------- a server
@contextlib.asynccontextmanager
async def served(preset: str | None = "xor", options: tuple[str, ...] = ("--paused",),
                 limits: Limits | None = None, access: Access | None = None
                 ) -> AsyncIterator[tuple[Classroom, int]]:
    """A server on a free loopback port; at the end every app it started is gone."""
    classroom = Classroom(preset, list(options), limits or Limits(), access or Access())
    server = await start_server(classroom, "127.0.0.1", 0,
                                asyncssh.generate_private_key("ssh-ed25519"))
    try:
        yield classroom, server.sockets[0].getsockname()[1]
    finally:
        groups = [s.app.group for s in classroom.sessions if s.app and s.app.group]
        server.close()
        await classroom.stop("test over")
        for group in groups:  # (only a failed test leaves one)
            signal_group(group, signal.SIGKILL)


def connect(port: int, **options) -> asyncssh.SSHClientConnection:
    """A student's connection: no known hosts, and none of this machine's own keys."""
    options.setdefault("client_keys", None)
    return asyncssh.connect("127.0.0.1", port, known_hosts=None, username="student",
                            agent_path=None, **options)


class Screen:
    """A PTY session's output as it comes, to wait on."""

    def __init__(self, process: asyncssh.SSHClientProcess) -> None:
        self.process, self.data = process, bytearray()

    async def until(self, condition, since: int = 0) -> bytes:
        """Read until ``condition(bytes written since offset since)``; those bytes."""
        try:
            async with asyncio.timeout(TIMEOUT):
                while not condition(bytes(self.data[since:])):
                    chunk = await self.process.stdout.read(65536)
                    assert chunk, f"the session ended: {self.tail()!r}"
                    self.data.extend(chunk)
        except TimeoutError:
            raise AssertionError(f"not seen; the screen: {screen_rows(bytes(self.data))}") from None
        return bytes(self.data[since:])

    async def rest(self) -> bytes:
        """Everything until the session's output ends."""
        async with asyncio.timeout(TIMEOUT):
            return await self.process.stdout.read()

    def tail(self) -> str:
        return plain(bytes(self.data[-300:]))


async def open_app(conn, size=(90, 25), command: str | None = None) -> Screen:
    process = await conn.create_process(command, term_type="xterm-256color",
                                        term_size=size, encoding=None)
    return Screen(process)


def frame_of(width: int, height: int):
    """Whether the bytes drew the app at ``width`` x ``height``: its key bar (docked at the
    bottom, the palette's key at its right end) on row ``height``, ending at column
    ``width``."""
    def drawn(data: bytes) -> bool:
        key_bar = screen_rows(data).get(height, "")
        return key_bar.startswith("? Help") and key_bar.endswith("^p palette") \
            and len(key_bar) == width
    return drawn


def app_group(classroom: Classroom) -> int:
    (session,) = classroom.running
    assert session.app is not None and session.app.group is not None
    return session.app.group


# ---------------------------------------------------------------------------- the app
async def test_the_app_draws_at_the_terminal_size_and_follows_a_window_change(monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")  # the server's own terminal's size, if exported:
    monkeypatch.setenv("LINES", "60")  # not the student's
    async with served() as (classroom, port), connect(port) as conn:
        screen = await open_app(conn, size=(90, 25))
        await screen.until(lambda d: frame_of(90, 25)(d) and "‖ base" in plain(d))
        group = app_group(classroom)

        mark = len(screen.data)
        screen.process.change_terminal_size(70, 20)
        await screen.until(frame_of(70, 20), since=mark)

        await classroom.stop("nnterm: the server stopped")
        assert b"\x1b[?1049l" in await screen.rest()  # the app restored the screen
        assert await screen.process.stderr.read() == b"nnterm: the server stopped\r\n"
        assert not group_runs(group)  # the app and its engine ended before the line


async def test_a_preset_name_opens_it_and_a_client_that_goes_leaves_no_process_in_2_s():
    async with served(preset=None) as (classroom, port):  # (the picker, for a shell)
        conn = await connect(port)
        screen = await open_app(conn, size=(120, 40), command="dead_relu")
        await screen.until(lambda d: "Dead ReLUs never come back" in plain(d))
        group = app_group(classroom)
        (session,) = classroom.running
        conn.abort()  # the connection drops without a word from the client
        assert await gone_within(group, 2.0)
        await session.finished()
        assert not classroom.running  # its place is free again


async def test_a_session_without_a_key_for_the_idle_timeout_ends():
    async with served(limits=Limits(idle_seconds=1.5)) as (classroom, port), \
            connect(port) as conn:
        screen = await open_app(conn)
        await screen.rest()  # (the app drew, then left: its output ended)
        said = await screen.process.stderr.read()
        assert said == b"nnterm: no key for 0.025 min: the session ended (the server's " \
            b"--idle-timeout); connect again to go on\r\n"
        assert screen.process.exit_status == 129  # (the app left as on a hang-up)
        assert not classroom.running


async def test_the_caps_hold_and_each_refusal_names_its_limit():
    """Two sessions at most, one per address: a second from 127.0.0.1 is refused by the
    per-address cap, one from 127.0.0.2 runs, one from 127.0.0.3 finds the class full."""
    limits = Limits(max_sessions=2, per_address=1)
    async with served(limits=limits) as (classroom, port), contextlib.AsyncExitStack() as s:
        conns = [await s.enter_async_context(connect(port, local_addr=(f"127.0.0.{i}", 0)))
                 for i in (1, 1, 2, 3)]
        first = await open_app(conns[0])
        await first.until(lambda d: b"step" in d)
        same = await conns[1].run(term_type="xterm", encoding=None)
        assert same.exit_status == 1
        assert b"1 sessions from your address run already" in same.stderr
        assert b"--per-address 1" in same.stderr
        other = await open_app(conns[2])
        await other.until(lambda d: b"step" in d)
        full = await conns[3].run(term_type="xterm", encoding=None)
        assert full.exit_status == 1
        assert b"the class is full: 2 sessions run (the server's --max-sessions 2)" \
            in full.stderr
        assert len(classroom.running) == 2


# ---------------------------------------------------------------------------- refused
@pytest.mark.parametrize(("command", "term", "said"), [
    ("ls", None, "no terminal: nnterm needs one (add -t"),
    ("ls -la /", "xterm", "'ls -la /' is not a preset name: this server runs nnterm only"),
    ("bash", "xterm", "unknown preset 'bash'"),
    (None, None, "no terminal: nnterm needs one (connect without -T)"),
])
async def test_anything_but_a_terminal_running_a_preset_is_refused(command, term, said):
    async with served() as (classroom, port), connect(port) as conn:
        result = await conn.run(command, term_type=term, encoding=None)
        assert result.exit_status == 1
        assert said.encode() in result.stderr and result.stderr.count(b"\n") == 1
        assert result.stdout == b""
        assert not classroom.running  # no app started


async def test_sftp_and_every_forwarding_are_refused():
    async with served() as (_classroom, port), connect(port) as conn:
        sftp = await conn.run(subsystem="sftp", encoding=None)
        assert b"no sftp here" in sftp.stderr and sftp.exit_status == 1
        with pytest.raises(asyncssh.ChannelOpenError, match="no forwarding here"):
            await conn.create_connection(asyncssh.SSHTCPSession, "127.0.0.1", 22)
        with pytest.raises(asyncssh.ChannelOpenError, match="no forwarding here"):
            await conn.create_unix_connection(asyncssh.SSHUNIXSession, "/tmp/socket")
        with pytest.raises(asyncssh.ChannelListenError):
            await conn.forward_remote_port("127.0.0.1", 0, "127.0.0.1", 22)


async def test_a_wrong_password_or_key_stays_out(tmp_path):
    student, stranger = (asyncssh.generate_private_key("ssh-ed25519") for _ in range(2))
    keys = tmp_path / "authorized_keys"
    keys.write_bytes(student.export_public_key())
    access = Access(password="owl", authorized_keys=str(keys))
    async with served(access=access) as (_classroom, port):
        with pytest.raises(asyncssh.PermissionDenied):
            await connect(port, password="crow")
        with pytest.raises(asyncssh.PermissionDenied):
            await connect(port, client_keys=[stranger])
        for way in ({"password": "owl"}, {"client_keys": [student]}):
            async with connect(port, **way) as conn:  # (refused: no terminal, but in)
                assert (await conn.run("ls", encoding=None)).exit_status == 1


# ---------------------------------------------------------------------------- the command
async def test_ctrl_c_ends_every_app_then_the_server(tmp_path):
    """The real command: its banner once it listens; Ctrl+C at its terminal ends the
    session's app and engine (the student told so), then the server, with status 0."""
    marker, port = uuid.uuid4().hex, free_port()
    env = dict(os.environ, NNTERM_SSH_TEST=marker, XDG_DATA_HOME=str(tmp_path))
    server = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "nnterm.app.cli", "serve", "xor", "--ssh", "--paused",
        "--port", str(port), env=env, stdout=asyncio.subprocess.PIPE,
        start_new_session=True)
    try:
        first = await asyncio.wait_for(server.stdout.readline(), TIMEOUT)
        assert f"ssh -p {port} localhost".encode() in first
        async with connect(port) as conn:
            screen = await open_app(conn)
            await screen.until(frame_of(90, 25))
            assert len(marked_pids(marker)) >= 3  # the server, the app, its engine
            os.killpg(server.pid, signal.SIGINT)
            await screen.rest()
            assert await screen.process.stderr.read() == \
                b"nnterm: the server stopped (the teacher ended the class)\r\n"
        assert await asyncio.wait_for(server.wait(), TIMEOUT) == 0
        assert not [pid for pid in marked_pids(marker) if alive(pid)]
    finally:
        if server.returncode is None:
            os.killpg(server.pid, signal.SIGKILL)
        for pid in marked_pids(marker):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


# ---------------------------------------------------------------------------- OpenSSH
def openssh(port: int, *argv: str) -> list[str]:
    return ["ssh", "-p", str(port), "-o", "StrictHostKeyChecking=no", "-o",
            "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR", "-o", "BatchMode=yes",
            "127.0.0.1", *argv]


@pytest.mark.skipif(shutil.which("ssh") is None, reason="OpenSSH's ssh is not installed")
async def test_openssh_opens_a_preset_refuses_a_command_and_a_killed_client_ends_it():
    async with served(preset=None) as (classroom, port):
        refused = await asyncio.create_subprocess_exec(
            *openssh(port, "ls"), stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        out, err = await refused.communicate()
        assert refused.returncode == 1 and out == b""
        assert b"nnterm: no terminal" in err

        client = await asyncio.create_subprocess_exec(
            *openssh(port, "-tt", "xor"), stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
        seen = b""
        async with asyncio.timeout(TIMEOUT):
            while "‖ base" not in plain(seen):  # (80x24: the size of no terminal)
                chunk = await client.stdout.read(65536)
                assert chunk, seen[-300:]
                seen += chunk
        group = app_group(classroom)
        os.kill(client.pid, signal.SIGKILL)
        await client.wait()
        assert await gone_within(group, 2.0)


# ---------------------------------------------------------------------------- helpers
def serve_args(*argv: str):
    from nnterm.app.cli import build_parser

    return build_parser().parse_args(["serve", *argv])


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
