"""Bytes a second the app writes to its terminal while it trains: what one student costs a
shared SSH link.

Method: ``nnterm PRESET [app args]`` runs in a pseudo-terminal of ``--size`` columns x
rows (``TERM=xterm-256color``, as most SSH clients announce), started by this script; its
output is read as fast as it comes (as an SSH server would forward it), the first
``--warmup`` seconds (start-up: the first full paint, the engine process starting) are
read and thrown away, then the bytes of the next ``--seconds`` seconds are counted. The
app is then quit with ``q`` (terminated if it has not ended 5 s later).

What is counted depends on what changes on screen, so on how far training got in the
window: the lessons play at their own pace (``view: steps_per_second``), which a loaded
machine still keeps up with, so the figure depends little on CPU speed. The load average
is printed with the table; ``--speed full`` (passed through to the app) shows the other
extreme, where every number changes at every frame.

    .venv/bin/python benchmarks/bandwidth.py                  # the table: ~7 minutes
    .venv/bin/python benchmarks/bandwidth.py --quick          # playground rows only: ~1 min
    .venv/bin/python benchmarks/bandwidth.py --preset playground --size 80x24 -- --fps 2

A preset with a sweep opens the sweep view: its figure is that view's.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import os
import select
import struct
import subprocess
import sys
import termios
import time
from dataclasses import dataclass
from importlib.resources import files

from rich.console import Console
from rich.table import Table

#: How long the app may take to quit after ``q`` before it is terminated.
QUIT_SECONDS = 5.0
#: The playground rows of the table: (size, app arguments, keys typed at the start: ``u``
#: opens the network view).
PLAYGROUND_ROWS = (
    ((120, 40), (), ""),
    ((120, 40), ("--low-bandwidth",), ""),
    ((120, 40), ("--fps", "2"), ""),
    ((120, 40), (), "u"),
    ((80, 24), (), ""),
    ((80, 24), ("--low-bandwidth",), ""),
)


@dataclass(frozen=True)
class Measurement:
    preset: str
    size: tuple[int, int]
    args: tuple[str, ...]
    bytes_per_second: float | None  # None: the app ended before the window did
    note: str = ""
    keys: str = ""


def shipped_presets() -> list[str]:
    """The names of the built-in presets (not the user's own), sorted."""
    return sorted(f.name.removesuffix(".yaml") for f in files("nnterm.presets").iterdir()
                  if f.name.endswith(".yaml"))


def parse_size(text: str) -> tuple[int, int]:
    """``120x40`` -> (120, 40)."""
    try:
        columns, rows = (int(part) for part in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not COLUMNSxROWS, e.g. 120x40") from None
    return columns, rows


def _set_size(fd: int, columns: int, rows: int) -> None:
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))


def _read_for(fd: int, seconds: float) -> tuple[int, bool]:
    """Read ``fd`` for ``seconds``; (bytes read, whether the other end closed)."""
    total = 0
    end = time.monotonic() + seconds
    while (left := end - time.monotonic()) > 0:
        ready, _, _ = select.select([fd], [], [], left)
        if not ready:
            continue
        try:
            chunk = os.read(fd, 65536)
        except OSError:  # EIO: every slave descriptor is closed (the app ended)
            return total, True
        if not chunk:
            return total, True
        total += len(chunk)
    return total, False


def measure(preset: str, app_args: tuple[str, ...] = (), size: tuple[int, int] = (120, 40),
            seconds: float = 10.0, warmup: float = 4.0, keys: str = "") -> Measurement:
    """Start the app on ``preset`` in a pty of ``size``, type ``keys`` halfway through
    ``warmup`` seconds (not counted), count the bytes of the next ``seconds`` seconds,
    quit it."""
    master, slave = os.openpty()
    _set_size(slave, *size)
    env = dict(os.environ, TERM="xterm-256color", COLUMNS=str(size[0]), LINES=str(size[1]))
    proc = subprocess.Popen(
        [sys.executable, "-m", "nnterm.app.cli", preset, *app_args],
        stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True,
        close_fds=True,
    )
    os.close(slave)
    try:
        _, ended = _read_for(master, warmup / 2)
        if keys and not ended:
            os.write(master, keys.encode())
        ended = ended or _read_for(master, warmup / 2)[1]
        counted, ended_now = (0, True) if ended else _read_for(master, seconds)
        rate = None if ended or ended_now else counted / seconds
        os.write(master, b"q")
        _drain_until_exit(master, proc)
    finally:
        if proc.poll() is None:  # it did not quit: terminate it, kill it if it must be
            proc.terminate()
            try:
                proc.wait(QUIT_SECONDS)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        os.close(master)
    note = "" if rate is not None else f"ended early (status {proc.returncode})"
    return Measurement(preset, size, tuple(app_args), rate, note, keys)


def _drain_until_exit(fd: int, proc: subprocess.Popen) -> None:
    """Keep reading (a full pty would block the app's last writes) until it exits."""
    end = time.monotonic() + QUIT_SECONDS
    while proc.poll() is None and time.monotonic() < end:
        _, closed = _read_for(fd, 0.1)
        if closed:
            break
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(max(0.0, end - time.monotonic()))


def table(rows: list[Measurement], title: str) -> Table:
    out = Table(title=title)
    for column in ("preset", "size", "app arguments", "keys"):
        out.add_column(column)
    out.add_column("KB/s", justify="right")
    for m in rows:
        rate = m.note if m.bytes_per_second is None else f"{m.bytes_per_second / 1000:,.1f}"
        out.add_row(m.preset, f"{m.size[0]}x{m.size[1]}", " ".join(m.args) or "(default)",
                    m.keys, rate)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--preset", help="measure this preset once (default: the table)")
    parser.add_argument("--size", type=parse_size, default=(120, 40), metavar="COLSxROWS")
    parser.add_argument("--seconds", type=float, default=10.0, help="counted (default 10)")
    parser.add_argument("--warmup", type=float, default=4.0,
                        help="start-up seconds not counted (default 4)")
    parser.add_argument("--keys", default="", help="keys typed at start-up, e.g. u for the "
                        "network view (with --preset)")
    parser.add_argument("--quick", action="store_true",
                        help="the table's playground rows only, not every preset")
    parser.add_argument("app_args", nargs="*", metavar="-- APP ARGS",
                        help="passed to nnterm after the preset, e.g. -- --fps 2")
    args = parser.parse_args(argv)
    console = Console()
    console.log(f"{os.cpu_count()} cpus, load 1/5/15 {os.getloadavg()}")
    if args.preset:
        m = measure(args.preset, tuple(args.app_args), args.size, args.seconds, args.warmup,
                    args.keys)
        console.print(table([m], "Bytes written to the terminal"))
        return 0 if m.bytes_per_second is not None else 1
    jobs = [("playground", size, (*extra, *args.app_args), keys)
            for size, extra, keys in PLAYGROUND_ROWS]
    if not args.quick:
        jobs += [(name, args.size, tuple(args.app_args), "") for name in shipped_presets()]
    rows = []
    for preset, size, app_args, keys in jobs:
        rows.append(measure(preset, app_args, size, args.seconds, args.warmup, keys))
        console.log(f"{preset} {size} {' '.join(app_args)}: {rows[-1].bytes_per_second}")
    console.log(f"load 1/5/15 now {os.getloadavg()}")
    console.print(table(rows, f"Bytes written to the terminal ({args.seconds:g} s counted "
                              f"after {args.warmup:g} s)"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
