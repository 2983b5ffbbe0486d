"""SIGTERM and SIGHUP on the app in a real pseudo-terminal: the terminal is restored
(alternate screen left, cursor shown, mouse tracking off), the engine process ends, and
the exit status is 128 + the signal; an app whose terminal went away ends too."""

from __future__ import annotations

import os
import pty
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

#: Processes, signals and ports of their own: run one at a time (tests/conftest.py).
pytestmark = pytest.mark.serial

NNTERM = str(Path(sys.executable).with_name("nnterm"))
ALT_SCREEN_ON, ALT_SCREEN_OFF = b"\x1b[?1049h", b"\x1b[?1049l"
CURSOR_SHOWN, MOUSE_OFF = b"\x1b[?25h", b"\x1b[?1000l"


def read_until(fd: int, wanted: bytes, seen: bytearray, timeout: float) -> bool:
    """Read the terminal into ``seen`` until ``wanted`` shows up or ``timeout`` passes."""
    deadline = time.monotonic() + timeout
    while wanted not in seen and time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.1)
        if ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:  # the app is gone and the pty closed
                break
            if not chunk:
                break
            seen += chunk
    return wanted in seen


def children(pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return False
    return state not in ("Z", "X")  # a zombie has ended


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP])
def test_a_signal_restores_the_terminal_and_ends_the_engine(sig):
    leader, follower = pty.openpty()
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "100", "LINES": "30"}
    # at full speed: the engine in a process of its own (at a pace it is the app's thread)
    app = subprocess.Popen([NNTERM, "xor", "--speed", "full", "--set", "train.steps=100000000"],
                           stdin=follower, stdout=follower, stderr=follower, env=env,
                           start_new_session=True)
    os.close(follower)
    seen = bytearray()
    try:
        assert read_until(leader, ALT_SCREEN_ON, seen, 30), "the app never drew"
        assert read_until(leader, b"step", seen, 30), "no status line"
        deadline = time.monotonic() + 30
        while len(children(app.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)  # waiting for the engine process (and the resource tracker)
        engines = children(app.pid)
        assert engines, "no engine process"
        app.send_signal(sig)
        read_until(leader, b"\x00never", seen, 3)  # drain until the app closes the pty
        assert app.wait(timeout=5) == 128 + sig
    finally:
        if app.poll() is None:
            app.kill()
        os.close(leader)
    tail = bytes(seen[seen.rfind(ALT_SCREEN_ON):])
    assert ALT_SCREEN_OFF in tail and CURSOR_SHOWN in tail and MOUSE_OFF in tail
    deadline = time.monotonic() + 1.0  # the engine ends within a second of the app
    while any(alive(pid) for pid in engines) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not any(alive(pid) for pid in engines)


def test_the_engine_ends_soon_after_a_killed_app_even_mid_step():
    leader, follower = pty.openpty()
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "100", "LINES": "30"}
    # Steps of several seconds each: the engine is always in the middle of one. A step
    # costs examples x weights, what comes before the first snapshot (the probe set's
    # gradient, the boundary grid) weights alone: many examples on a middling net give
    # long steps after a short wait for "step 0".
    app = subprocess.Popen([NNTERM, "xor", "--speed", "full", "--set",
                            "model.hidden=[1900,1900]", "--set", "data.n_train=10000",
                            "--set", "train.batch_size=0"],
                           stdin=follower, stdout=follower, stderr=follower, env=env,
                           start_new_session=True)
    os.close(follower)
    seen = bytearray()
    try:
        assert read_until(leader, ALT_SCREEN_ON, seen, 30), "the app never drew"
        assert read_until(leader, b"step 0", seen, 60), "no first snapshot"
        engines = children(app.pid)
        assert engines, "no engine process"
        app.kill()  # SIGKILL: no clean-up at all on the app's side
        app.wait(timeout=5)
    finally:
        os.close(leader)
    deadline = time.monotonic() + 2.0
    while any(alive(pid) for pid in engines) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not any(alive(pid) for pid in engines)


#: An app stuck as Textual's is once its terminal went away: its writer thread died, the
#: queue of writes is full, and the main thread waits on it forever.
STUCK_APP = """
import asyncio, queue
from nnterm.app import signal_exit
signal_exit.SIGNAL_GRACE = 0.5
async def main():
    writes = queue.Queue(maxsize=1)
    writes.put("a frame")
    signal_exit.SignalExit(lambda status: print("exit asked", status, flush=True)).install()
    print("ready", flush=True)
    writes.put("the next frame")  # nobody takes it: this waits forever
asyncio.run(main())
"""


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP])
def test_an_app_stuck_writing_to_a_terminal_that_went_away_still_ends(sig):
    app = subprocess.Popen([sys.executable, "-c", STUCK_APP], stdout=subprocess.PIPE,
                           text=True)
    try:
        assert app.stdout.readline() == "ready\n"
        app.send_signal(sig)
        assert app.wait(timeout=10) == 128 + sig
    finally:
        if app.poll() is None:
            app.kill()


def test_a_closed_terminal_and_a_hang_up_end_the_app_and_its_engine():
    leader, follower = pty.openpty()
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "100", "LINES": "30"}
    app = subprocess.Popen([NNTERM, "xor", "--speed", "full"], stdin=follower,
                           stdout=follower, stderr=follower, env=env, start_new_session=True)
    os.close(follower)
    try:
        assert read_until(leader, b"step", bytearray(), 30), "no status line"
        engines = children(app.pid)
        os.close(leader)  # the SSH connection drops: every write fails from now on
        app.send_signal(signal.SIGHUP)
        assert app.wait(timeout=15) == 128 + signal.SIGHUP
    finally:
        if app.poll() is None:
            app.kill()
    deadline = time.monotonic() + 2.0
    while any(alive(pid) for pid in engines) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert engines and not any(alive(pid) for pid in engines)
