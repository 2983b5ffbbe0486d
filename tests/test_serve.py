"""``nnterm serve``: the command each tab runs, the checks before the server starts, the
public-address warning, and the real thing: the server under headless Chromium, two tabs
with two independent apps and their keys in the key bar, no process of a tab left once its
connection drops (the browser killed, or stopped as a closed laptop is), and none left once
Ctrl+C stops the server."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer

from nnterm.app import serve
from nnterm.app.cli import build_parser, main
from nnterm.app.web_server import NntermServer

#: Processes, signals and ports of their own: run one at a time (tests/conftest.py).
pytestmark = pytest.mark.serial

sys.path.insert(0, str(Path(__file__).parents[1] / "benchmarks"))  # the shared helpers
from headless_chromium import Chromium, chromium_path  # noqa: E402
from tmux_lab import alive, marked_pids  # noqa: E402

TITLE = "XOR needs a hidden layer"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def serve_args(*argv: str):
    return build_parser().parse_args(["serve", *argv])


# ---------------------------------------------------------------------------- the command
def test_app_argv_passes_the_app_options_through():
    args = serve_args("xor", "--port", "9000", "--host", "0.0.0.0", "--seed", "3",
                      "--set", "train.steps=50", "--set", "model.hidden=[4, 4]",
                      "--fps", "4", "--speed", "full", "--theme", "ansi-dark", "--paused",
                      "--low-bandwidth")
    assert serve.app_argv(args) == [
        "xor", "--set", "train.steps=50", "--set", "model.hidden=[4, 4]", "--seed", "3",
        "--fps", "4", "--speed", "full", "--theme", "ansi-dark", "--paused", "--low-bandwidth"]
    # no preset: every tab opens the picker; every tab redraws at a shared server's rates
    assert serve.app_argv(serve_args()) == ["--shared-server"]


def test_app_command_quotes_every_argument_for_the_shell():
    argv = ["my lessons/it's.yaml", "--set", "model.hidden=[16, 16]; rm -rf ~"]
    command = serve.app_command(argv)
    assert shlex.split(command) == [sys.executable, "-m", "nnterm.app.cli", *argv]


def test_the_command_starts_the_app_module():
    """What textual-serve will run really is the app: its --help, through a shell."""
    command = serve.app_command(["--help"])
    out = subprocess.run(command, shell=True, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0
    assert "open PRESET in the app" in out.stdout


# ---------------------------------------------------------------------------- loopback
@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "::1", "localhost"])
def test_loopback_hosts(host):
    assert serve.is_loopback(host)


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.20", "10.0.0.5"])
def test_hosts_other_machines_can_reach(host):
    assert not serve.is_loopback(host)


def test_warning_names_the_port_the_risk_and_the_ssh_tunnel():
    text = serve.public_warning("0.0.0.0", 8123)
    assert "0.0.0.0:8123" in text
    assert "Anyone who can reach this port" in text and "CPU" in text
    assert "ssh -L 8123:localhost:8123" in text
    assert "\n" not in text


@pytest.mark.parametrize(("host", "warned"), [("0.0.0.0", True), ("127.0.0.1", False)])
def test_serve_warns_only_beyond_this_machine(host, warned, monkeypatch, capsys):
    started = []
    monkeypatch.setattr(NntermServer, "serve", lambda self: started.append(self.command))
    assert main(["serve", "xor", "--host", host, "--port", str(free_port())]) == 0
    assert len(started) == 1  # checks passed, the server would have started
    assert ("Anyone who can reach this port" in capsys.readouterr().err) == warned


def test_serve_finds_a_preset_whatever_its_case(monkeypatch):
    titles = []
    monkeypatch.setattr(NntermServer, "serve", lambda self: titles.append(self.title))
    assert main(["serve", "XOR", "--port", str(free_port())]) == 0
    assert titles == [f"nnterm: {TITLE}"]


# ---------------------------------------------------------------------------- bad input
@pytest.mark.parametrize(("argv", "message"), [
    (["nope"], "unknown preset 'nope'"),
    (["xor", "--set", "train.optimizer.lr=fast"], "'fast' is not a number"),
    (["xor", "--theme", "paisley"], "'paisley' is not a theme"),
    (["xor", "--fps", "0"], "--fps: 0 is not allowed"),
    (["--seed", "3"], "needs a PRESET"),
    (["xor", "--speed", "fast"], "argument --speed: 'fast' is not a speed"),
    (["xor", "--seed", "1.5"], "argument --seed: invalid int value: '1.5'"),
    (["xor", "--host", "no-such-host.invalid"], "is not an address or a known host name"),
])
def test_bad_input_is_one_line_and_exit_2(argv, message, capsys):
    assert main(["serve", *argv]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert "usage: nnterm [PRESET]" not in err  # (the app's usage, not serve's)


@pytest.mark.parametrize(("argv", "message"), [
    (["--port", "0"], "'0' is not a port"),
    (["--port", "70000"], "'70000' is not a port"),
    (["--port", "http"], "'http' is not a port"),
])
def test_bad_numbers_exit_2_through_argparse(argv, message, capsys):
    with pytest.raises(SystemExit) as stop:
        main(["serve", *argv])
    assert stop.value.code == 2
    assert message in capsys.readouterr().err


def test_a_busy_port_is_a_clear_error(capsys):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["serve", "xor", "--port", str(port)]) == 2
    err = capsys.readouterr().err
    assert f"port {port} on 127.0.0.1 is in use" in err
    assert err.count("\n") == 1


# ---------------------------------------------------------------------------- the page
@pytest.mark.parametrize(("fixed", "expected"), [
    (None, "ws://lab-server.example:8000/ws"),  # the address the browser used
    ("https://example.org", "wss://example.org/ws"),  # --public-url wins
])
async def test_the_page_connects_back_to_the_address_the_browser_used(fixed, expected):
    """Bound to 0.0.0.0, textual-serve would write ws://0.0.0.0:8000/ws into the page,
    which a student's browser cannot reach; the page must name the host it was asked by."""
    server = NntermServer("true", host="0.0.0.0", port=8000, title="t", public_url=fixed,
                          urls=[])
    async with TestClient(TestServer(await server._make_app())) as client:
        response = await client.get("/", headers={"Host": "lab-server.example:8000"})
        page = await response.text()
    assert response.status == 200
    assert f'data-session-websocket-url="{expected}"' in page


# ---------------------------------------------------------------------------- in Chromium
def start_server(port: int, marker: str) -> subprocess.Popen:
    """``nnterm serve xor`` with ``marker`` in its environment, which every app process it
    starts inherits (textual-serve copies it), so that none can be missed afterwards."""
    env = dict(os.environ, NNTERM_SERVE_TEST=marker, OPENBLAS_NUM_THREADS="1")
    return subprocess.Popen([sys.executable, "-m", "nnterm.app.cli", "serve", "xor",
                             "--port", str(port), "--set", "train.steps=100000000"],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, start_new_session=True)


def app_processes(marker: str) -> list[int]:
    return [pid for pid in marked_pids(marker) if alive(pid)]


def shown_step(screen: str) -> int:
    match = re.search(r"step (\d+)", screen.splitlines()[0])
    return int(match.group(1)) if match else -1


async def wait_until(condition, timeout: float):
    """Poll (with a deadline) a condition that another process makes true at its own pace."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := await condition():
            return value
        await asyncio.sleep(0.2)
    return await condition()


# ---------------------------------------------------------------------------- a tab's end
#: A tab's app that answers nothing: it never reads the quit the server sends and ignores
#: SIGTERM (as an app stuck in a loop would).
DEAF_APP = ("import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
            "print('__GANGLION__', flush=True); time.sleep(600)")


@contextlib.asynccontextmanager
async def deaf_tab(monkeypatch):
    """A server whose tabs run ``DEAF_APP``, one tab connected; yields the client, the
    tab's websocket and the tab's processes (found by a marker in their environment)."""
    marker = uuid.uuid4().hex
    monkeypatch.setenv("NNTERM_SERVE_TEST", marker)
    server = NntermServer(shlex.join([sys.executable, "-c", DEAF_APP]), host="127.0.0.1",
                          port=8000, title="t", public_url=None, urls=[])
    client = TestClient(TestServer(await server._make_app()))
    await client.start_server()
    try:
        websocket = await client.ws_connect("/ws?width=80&height=24")
        assert await wait_until(lambda: _started(marker), timeout=30)
        yield client, websocket, app_processes(marker)
    finally:
        await client.close()
        for pid in app_processes(marker):
            os.kill(pid, signal.SIGKILL)


async def test_an_app_deaf_to_quit_and_sigterm_still_ends_with_its_tab(monkeypatch):
    async with deaf_tab(monkeypatch) as (_client, websocket, processes):
        await websocket.close()
        assert await wait_until(lambda: _none_alive(processes), timeout=10)


async def test_stopping_the_server_ends_a_deaf_app_first(monkeypatch):
    async with deaf_tab(monkeypatch) as (client, _websocket, processes):
        await client.close()  # the server's shutdown, as on Ctrl+C
        assert not any(alive(pid) for pid in processes)


async def _started(marker: str) -> bool:
    """Whether the tab's Python (not only the shell before it) runs."""
    for pid in app_processes(marker):
        with contextlib.suppress(OSError):
            if Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[0] == \
                    sys.executable.encode():
                return True
    return False


def needs_chromium() -> None:
    if chromium_path() is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is missing in CI (.ci/run installs it)")
        pytest.skip("chromium is not installed (apt-get install chromium)")


async def test_two_tabs_two_apps_and_none_left_after_ctrl_c():
    needs_chromium()
    marker, port = uuid.uuid4().hex, free_port()
    server = start_server(port, marker)
    browser = None
    try:
        url = server.stdout.readline()  # the server's first line names the URL
        assert f"open http://127.0.0.1:{port}" in url, url
        browser = await Chromium.launch()
        first, second = await browser.new_tab(), await browser.new_tab()
        for tab in (first, second):
            await tab.open(f"http://127.0.0.1:{port}/")
            screen = await tab.wait_for_text(TITLE, timeout=90)
            assert TITLE in screen  # the lesson panel, drawn by the app in the page
            assert await wait_until(lambda t=tab: _training(t), timeout=90)
            # The key bar on the page's last row (no click yet), once the app has taken
            # the page's size (a busy machine may show the app's first size a moment).
            assert await wait_until(lambda t=tab: _key_bar_shown(t), timeout=30)

        # One app (and its engine) per tab: pausing one leaves the other training.
        await first.press(" ")
        assert await first.wait_for_text("‖ paused", timeout=30)
        paused_at = shown_step(await first.screen_text())
        running_from = shown_step(await second.screen_text())
        assert await wait_until(lambda: _past(second, running_from + 50), timeout=60)
        assert shown_step(await first.screen_text()) == paused_at
        apps = [pid for pid in app_processes(marker) if pid != server.pid]
        assert len(apps) >= 4  # two apps, each with its engine process

        os.killpg(server.pid, signal.SIGINT)  # Ctrl+C at the server's terminal
        assert server.wait(timeout=60) == 0
        assert not app_processes(marker)  # every app and engine ended before the server
    finally:
        await clean_up(server, browser, marker)


async def clean_up(server: subprocess.Popen, browser: Chromium | None, marker: str) -> None:
    """Whatever a failed test left: the browser, the server and every app it started."""
    if browser is not None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(browser.process.pid, signal.SIGKILL)  # (a stopped one too)
        await browser.close()
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()
    for pid in app_processes(marker):
        os.kill(pid, signal.SIGKILL)


@pytest.mark.parametrize("signum", [signal.SIGKILL, signal.SIGSTOP],
                         ids=["browser killed", "browser stopped"])
async def test_a_tab_whose_connection_drops_ends_its_app_and_engine_within_5_s(signum):
    """A killed browser's connection closes at once; a stopped one (a closed laptop, a
    network gone) says nothing at all, and only the server's heartbeat finds it gone."""
    needs_chromium()
    marker, port = uuid.uuid4().hex, free_port()
    server = start_server(port, marker)
    browser = None
    try:
        server.stdout.readline()  # the server listens
        browser = await Chromium.launch()
        tab = await browser.new_tab()
        await tab.open(f"http://127.0.0.1:{port}/")
        await tab.wait_for_text(TITLE, timeout=90)
        assert await wait_until(lambda: _training(tab), timeout=90)
        tab_processes = [pid for pid in app_processes(marker) if pid != server.pid]
        assert len(tab_processes) >= 3  # the shell, the app, its engine (and its helper)

        os.killpg(browser.process.pid, signum)
        gone = await wait_until(lambda: _none_alive(tab_processes), timeout=5)
        assert gone, f"still running: {[pid for pid in tab_processes if alive(pid)]}"
        assert server.poll() is None  # the server serves on
    finally:
        await clean_up(server, browser, marker)


async def _training(tab) -> bool:
    return shown_step(await tab.screen_text() or "x") > 0


async def _key_bar_shown(tab) -> bool:
    key_bar = (await tab.screen_text() or "x").splitlines()[-1]
    return "? Help" in key_bar and "q Quit" in key_bar


async def _past(tab, step: int) -> bool:
    return shown_step(await tab.screen_text() or "x") > step


async def _none_alive(pids: list[int]) -> bool:
    return not any(alive(pid) for pid in pids)
