"""The app as textual-serve runs it (Textual's web driver over pipes, no browser): a page
whose size changed as it connected gets an app laid out at the new size that draws and
quits (it used to spin at full CPU, drawing nothing, deaf to quit); an app whose server is
gone ends with its engine; two sizes queued on a screen settle at the newest."""

from __future__ import annotations

import json
import os
import re
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "benchmarks"))  # the shared helpers
from tmux_lab import alive  # noqa: E402

#: The size the page had when it connected, and the one it reported just after.
FIRST, NEWER = (100, 30), (100, 40)


def start_served_app(*options: str) -> subprocess.Popen:
    """The app as textual-serve starts it: the web driver, pipes, the page's size."""
    env = dict(os.environ, TEXTUAL_DRIVER="textual.drivers.web_driver:WebDriver",
               COLUMNS=str(FIRST[0]), ROWS=str(FIRST[1]), TEXTUAL_COLOR_SYSTEM="truecolor")
    return subprocess.Popen([sys.executable, "-m", "nnterm.app.cli", "xor", "--set",
                             "train.steps=100000000", *options], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env,
                            start_new_session=True)


def send_meta(app: subprocess.Popen, meta: dict) -> None:
    """A packet of textual-serve's protocol: b"M", the length, the JSON."""
    payload = json.dumps(meta).encode()
    app.stdin.write(b"M" + len(payload).to_bytes(4, "big") + payload)
    app.stdin.flush()


def read_until(app: subprocess.Popen, seen: bytearray, wanted, timeout: float) -> bool:
    """Read the app's output into ``seen`` until ``wanted(seen)`` or ``timeout``."""
    deadline = time.monotonic() + timeout
    while not wanted(seen) and time.monotonic() < deadline:
        if select.select([app.stdout], [], [], 0.1)[0]:
            chunk = os.read(app.stdout.fileno(), 65536)
            if not chunk:
                break
            seen += chunk
    return wanted(seen)


def drawn_rows(output: bytes) -> int:
    """The lowest screen row the app has drawn (each line of a frame starts with a move
    to its row and column 1)."""
    return max((int(row) for row in re.findall(rb"\x1b\[(\d+);1H", output)), default=0)


def children(pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


def end(app: subprocess.Popen) -> None:
    if app.poll() is None:
        os.killpg(app.pid, signal.SIGKILL)
        app.wait()


def test_a_size_sent_before_the_app_is_up_wins_and_the_app_draws_and_quits():
    app = start_served_app()
    try:
        send_meta(app, {"type": "resize", "width": NEWER[0], "height": NEWER[1]})
        seen = bytearray()
        drawn = read_until(app, seen, lambda s: b"step" in s and drawn_rows(s) == NEWER[1],
                           timeout=60)
        assert drawn, f"drawn down to row {drawn_rows(seen)}, not {NEWER[1]}"
        send_meta(app, {"type": "quit"})
        read_until(app, seen, lambda s: False, timeout=10)  # drain until the app is gone
        assert app.wait(timeout=10) == 0
    finally:
        end(app)


def engine_processes(app: subprocess.Popen) -> list[int]:
    """The app's children but multiprocessing's resource tracker."""
    return [pid for pid in children(app.pid) if alive(pid)
            and b"resource_tracker" not in Path(f"/proc/{pid}/cmdline").read_bytes()]


def test_an_app_whose_server_went_away_ends_with_its_engine():
    app = start_served_app("--speed", "full")  # (at a pace the engine is the app's thread)
    try:
        seen = bytearray()
        drawn = read_until(app, seen, lambda s: b"step" in s and engine_processes(app),
                           timeout=60)
        assert drawn, "the app never drew, or never started its engine process"
        engines = engine_processes(app)
        app.stdin.close()  # the server is gone: its ends of both pipes close
        app.stdout.close()
        assert app.wait(timeout=10) == 128 + signal.SIGHUP
    finally:
        end(app)
    deadline = time.monotonic() + 2.0
    while any(alive(pid) for pid in engines) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not any(alive(pid) for pid in engines)



#: Two sizes queued on the app's screen between other messages while a batch update holds
#: its repaint (as at start-up, while the lesson's text mounts), the newest last: what
#: happens when a terminal or a page changes size twice while the screen is busy.
TWO_SIZES_QUEUED = """
import asyncio
from textual import events
from textual.geometry import Size
from nnterm.app.app import NntermApp
from nnterm.engine.preset_format.loader import load_preset

async def main():
    app = NntermApp(load_preset("xor"), in_process=True, paused=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        with app.batch_update():
            for width, height in ((100, 30), (120, 40)):
                size = Size(width, height)
                app.screen.post_message(events.Resize(size, size))
                app.screen.call_later(lambda: None)
            await pilot.pause()
        await pilot.pause()
        print("settled at", tuple(app.screen.size), flush=True)

asyncio.run(main())
"""


def test_two_sizes_queued_on_a_screen_settle_at_the_newest():
    """Textual lays out each queued size and posts it to the screen again, so two of them
    chased each other for ever and the event loop ran nothing else: the app drew nothing
    and ignored quit at full CPU."""
    app = subprocess.Popen([sys.executable, "-c", TWO_SIZES_QUEUED], stdout=subprocess.PIPE,
                           text=True, start_new_session=True)
    try:
        out, _ = app.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        pytest.fail("the screen never settled: the app spins")
    finally:
        end(app)
    assert out == "settled at (120, 40)\n"


def test_every_screen_of_the_app_takes_the_newest_size():
    from textual.screen import Screen

    from nnterm.app import screens, sweep_screen, training_screen
    from nnterm.app.newest_size import NewestSize

    ours = [cls for module in (training_screen, screens, sweep_screen)
            for cls in vars(module).values()
            if isinstance(cls, type) and issubclass(cls, Screen)
            and cls.__module__ == module.__name__]
    assert len(ours) == 4  # the main screen, the sweep view, the help and the picker
    assert all(issubclass(cls, NewestSize) for cls in ours)
